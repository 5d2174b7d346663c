package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
	"github.com/telecaller-crm/api/webhook"
)

// receiver records the deliveries it gets and answers with fail(n) for the
// n-th request (1-based).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status func(n int) int
}

type received struct {
	eventID, event, signature string
	body                      []byte
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Get("X-CRM-Event-Id"), r.Header.Get("X-CRM-Event"), r.Header.Get(webhook.SignatureHeader), b})
		n := len(rc.got)
		rc.mu.Unlock()
		w.WriteHeader(rc.status(n))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// setup is a server with a manager, allowing http:// webhooks, and a
// subscription to events pointing at url.
func setup(t *testing.T, url string, events ...string) (*servertest.Env, string, string) {
	t.Helper()
	env := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.WebhookAllowHTTP = true }))
	mgr := env.SeedUser(t, db.RoleManager)
	tok := env.Token(t, mgr)
	r := env.Do(t, "POST", "/api/webhooks", map[string]any{"url": url, "events": events}, tok)
	if r.Status != 201 {
		t.Fatalf("create subscription: %d %s", r.Status, r.Body)
	}
	var body struct {
		Data struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"data"`
	}
	r.Decode(t, &body)
	if !strings.HasPrefix(body.Data.Secret, "whsec_") {
		t.Fatalf("no secret in %s", r.Body)
	}
	return env, body.Data.ID, body.Data.Secret
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fast is a dispatcher config for tests: no real waiting between attempts.
func fast() webhook.Config {
	return webhook.Config{Timeout: 5 * time.Second, Lease: 6 * time.Second, PollInterval: 10 * time.Millisecond, BackoffBase: time.Millisecond,
		BackoffMax: 5 * time.Millisecond, MaxAttempts: 5, AllowPrivate: true}
}

// drain runs the dispatcher until nothing is pending or the test's patience ends.
func drain(t *testing.T, env *servertest.Env, d *webhook.Dispatcher) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if pending(t, env) == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("deliveries still pending: %d", pending(t, env))
}

func pending(t *testing.T, env *servertest.Env) int {
	t.Helper()
	n, err := env.DB.NewSelect().Model((*db.WebhookDelivery)(nil)).Where("status = 'pending'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestDeliveryRetriesUntilTheReceiverAccepts(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	env, subID, secret := setup(t, rc.URL, "lead.created")
	mgr := env.SeedUser(t, db.RoleManager)
	r := env.Do(t, "POST", "/api/leads", map[string]any{"name": "Hooked", "phone": "+91 98100 00001"}, env.Token(t, mgr))
	if r.Status != 201 {
		t.Fatalf("create lead: %d %s", r.Status, r.Body)
	}
	drain(t, env, webhook.New(env.DB, fast(), quiet))

	got := rc.received()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for i, g := range got {
		if g.eventID != got[0].eventID || g.event != "lead.created" || string(g.body) != string(got[0].body) {
			t.Fatalf("attempt %d differs: %+v", i, g)
		}
		if err := webhook.Verify([]byte(secret), g.signature, g.body, time.Now(), 5*time.Minute); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	var payload struct {
		ID, Type string
		Data     struct{ Name, PhoneE164 string }
	}
	if err := json.Unmarshal(got[0].body, &payload); err != nil || payload.ID != got[0].eventID || payload.Type != "lead.created" ||
		payload.Data.Name != "Hooked" || payload.Data.PhoneE164 != "+919810000001" {
		t.Fatalf("payload %s (%v)", got[0].body, err)
	}
	if webhook.Verify([]byte(secret), got[0].signature, append(got[0].body, ' '), time.Now(), 5*time.Minute) == nil {
		t.Fatal("a changed body verified")
	}
	if webhook.Verify([]byte("whsec_other"), got[0].signature, got[0].body, time.Now(), 5*time.Minute) == nil {
		t.Fatal("another secret verified")
	}
	if webhook.Verify([]byte(secret), got[0].signature, got[0].body, time.Now().Add(time.Hour), 5*time.Minute) == nil {
		t.Fatal("a stale signature verified")
	}
	// The delivery log tells the story.
	log := env.Do(t, "GET", "/api/webhooks/"+subID+"/deliveries", nil, env.Token(t, mgr))
	for _, want := range []string{`"status":"delivered"`, `"attempts":3`, `"lastStatusCode":204`, `"event":"lead.created"`} {
		if !strings.Contains(string(log.Body), want) {
			t.Fatalf("delivery log lacks %s: %s", want, log.Body)
		}
	}
}

func TestEventsFromEveryWritePath(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(int) int { return 200 })
	env, _, _ := setup(t, rc.URL, "lead.created", "lead.updated", "lead.assigned", "interaction.created", "lead.converted")
	mgr, tc := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller)
	mt := env.Token(t, mgr)
	r := env.Do(t, "POST", "/api/leads", map[string]any{"name": "Evented", "phone": "+91 98100 00002"}, mt)
	var lead struct {
		Data struct{ ID string } `json:"data"`
	}
	r.Decode(t, &lead)
	env.Do(t, "PATCH", "/api/leads/"+lead.Data.ID, map[string]any{"assignedToId": tc.ID.String()}, mt)
	env.Do(t, "POST", "/api/leads/"+lead.Data.ID+"/interactions", map[string]any{"type": "call", "outcome": "converted"}, env.Token(t, tc))
	env.Do(t, "POST", "/api/leads/bulk", map[string]any{"leads": []map[string]any{{"name": "B1", "phone": "+91 98100 00003"}, {"name": "B2", "phone": "+91 98100 00004"}}}, mt)

	var events []string
	err := env.DB.NewSelect().Model((*db.WebhookDelivery)(nil)).Column("event").OrderExpr("created_at, event").Scan(context.Background(), &events)
	if err != nil {
		t.Fatal(err)
	}
	// create; assign (a version bump and a new assignee); a converting call
	// (the interaction, the lead's update and conversion); a bulk of two.
	slices.Sort(events)
	want := "interaction.created lead.assigned lead.converted lead.created lead.created lead.created lead.updated lead.updated"
	if got := strings.Join(events, " "); got != want {
		t.Fatalf("outbox events = %s, want %s", got, want)
	}
	drain(t, env, webhook.New(env.DB, fast(), quiet))
	if n := len(rc.received()); n != len(events) {
		t.Fatalf("receiver got %d, want %d", n, len(events))
	}
}

func TestNoEventLostAcrossRestarts(t *testing.T) {
	t.Parallel()
	var down sync.Mutex
	healthy := false
	rc := newReceiver(t, func(int) int {
		down.Lock()
		defer down.Unlock()
		if healthy {
			return 200
		}
		return 500
	})
	env, _, _ := setup(t, rc.URL, "lead.created")
	mgr := env.SeedUser(t, db.RoleManager)
	const leads = 5
	for i := range leads {
		env.Do(t, "POST", "/api/leads", map[string]any{"name": "Restart", "phone": "+91 98200 0000" + string(rune('0'+i))}, env.Token(t, mgr))
	}
	// A first dispatcher runs while the receiver fails, then stops.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	patient := fast()
	patient.MaxAttempts = 1000
	go func() { webhook.New(env.DB, patient, quiet).Run(ctx); close(done) }()
	for len(rc.received()) < leads {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	if n := pending(t, env); n != leads {
		t.Fatalf("pending after the first dispatcher = %d, want %d", n, leads)
	}
	// A dispatcher that claimed rows and died holds them only for its lease.
	var claimed []*db.ClaimedDelivery
	for deadline := time.Now().Add(10 * time.Second); len(claimed) < 2 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		more, err := db.ClaimWebhookDeliveries(context.Background(), env.DB, 2-len(claimed), 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		claimed = append(claimed, more...)
	}
	if len(claimed) != 2 {
		t.Fatalf("claimed %d due deliveries, want 2", len(claimed))
	}
	// Another instance starts with the receiver back: everything arrives.
	down.Lock()
	healthy = true
	down.Unlock()
	drain(t, env, webhook.New(env.DB, patient, quiet))
	seen := map[string]bool{}
	for _, g := range rc.received() {
		seen[g.eventID] = true
	}
	if len(seen) != leads {
		t.Fatalf("distinct events received = %d, want %d", len(seen), leads)
	}
}

func TestGivingUpAndRefusingPrivateAddresses(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(int) int { return 200 })
	env, subID, _ := setup(t, rc.URL, "lead.created")
	env.SeedLead(t, nil)
	cfg := fast()
	cfg.AllowPrivate, cfg.MaxAttempts = false, 2
	drain(t, env, webhook.New(env.DB, cfg, quiet))
	if n := len(rc.received()); n != 0 {
		t.Fatalf("a receiver on a loopback address got %d requests", n)
	}
	var d db.WebhookDelivery
	if err := env.DB.NewSelect().Model(&d).Where("subscription_id = ?", uuid.MustParse(subID)).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.Status != db.DeliveryFailed || d.Attempts != 2 || d.LastError == nil || !strings.Contains(*d.LastError, "non-public address") {
		t.Fatalf("delivery = %+v", d)
	}
}

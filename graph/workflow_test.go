package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// clock is a settable application clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) {
	c.ns.Add(int64(d))
}

// gql runs a GraphQL operation and decodes data into out, failing on errors.
func gql(t *testing.T, env *servertest.Env, token, query string, vars map[string]any, out any) {
	t.Helper()
	r := env.GraphQL(t, token, query, vars)
	var body struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	r.Decode(t, &body)
	if len(body.Errors) > 0 {
		t.Fatalf("graphql errors: %s", r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(body.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

func leadStatus(t *testing.T, env *servertest.Env, id uuid.UUID) (db.LeadStatus, *time.Time) {
	t.Helper()
	l, err := db.FindLeadByID(context.Background(), env.DB, id, db.LeadScope{}, true)
	if err != nil {
		t.Fatal(err)
	}
	return l.Status, l.RetryAt
}

const logOutcome = `mutation($in: CreateInteractionInput!) { createInteraction(input: $in) { id statusAfter } }`

func outcomeInput(lead uuid.UUID, outcome string, extra ...any) map[string]any {
	in := map[string]any{"leadId": lead.String(), "type": "CALL", "outcome": outcome}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i].(string)] = extra[i+1]
	}
	return map[string]any{"in": in}
}

func TestDispositionRules(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC) // 12:00 in India
	clk := newClock(start)
	env := servertest.New(t, servertest.WithClock(clk.now))
	mgr, tc := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller)
	mt, tt := env.Token(t, mgr), env.Token(t, tc)
	own := func() *db.Lead { return env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID }) }
	ctx := context.Background()

	t.Run("no answer sets the retry gap, and the sixth attempt loses the lead", func(t *testing.T) {
		l := own()
		for i := 1; i <= 6; i++ {
			gql(t, env, tt, logOutcome, outcomeInput(l.ID, "NO_ANSWER", "occurredAt", clk.now().Add(-time.Minute).Format(time.RFC3339)), nil)
			status, retry := leadStatus(t, env, l.ID)
			want := clk.now().Add(-time.Minute).Add(2 * time.Hour)
			if retry == nil || !retry.Equal(want) {
				t.Fatalf("attempt %d: retry_at = %v, want %v", i, retry, want)
			}
			if (i < 6 && status != db.StatusContacted) || (i == 6 && status != db.StatusLost) {
				t.Fatalf("attempt %d: status = %s", i, status)
			}
		}
	})
	t.Run("a connected call clears the retry gap", func(t *testing.T) {
		l := own()
		gql(t, env, tt, logOutcome, outcomeInput(l.ID, "BUSY"), nil)
		if _, retry := leadStatus(t, env, l.ID); retry == nil {
			t.Fatal("busy set no retry")
		}
		gql(t, env, tt, logOutcome, outcomeInput(l.ID, "CONNECTED"), nil)
		if _, retry := leadStatus(t, env, l.ID); retry != nil {
			t.Fatalf("retry_at = %v after a connected call", retry)
		}
	})
	l := own()
	env.Run(t, []servertest.Scenario{
		{Name: "callback requested needs followUpAt", Token: tt, Query: logOutcome, Vars: outcomeInput(l.ID, "CALLBACK_REQUESTED"),
			WantCode: "VALIDATION_ERROR", WantField: "followUpAt"},
		{Name: "callback requested with followUpAt books it", Token: tt, Query: logOutcome,
			Vars:         outcomeInput(l.ID, "CALLBACK_REQUESTED", "followUpAt", start.Add(24*time.Hour).Format(time.RFC3339)),
			WantContains: []string{`"statusAfter":"CONTACTED"`}},
		{Name: "converted converts", Token: tt, Query: logOutcome, Vars: outcomeInput(own().ID, "CONVERTED"),
			WantContains: []string{`"statusAfter":"CONVERTED"`}},
		{Name: "not interested", Token: tt, Query: logOutcome, Vars: outcomeInput(own().ID, "NOT_INTERESTED"),
			WantContains: []string{`"statusAfter":"NOT_INTERESTED"`}},
		{Name: "telecallers read the rules", Token: tt, Query: `{ dispositionRules { outcome statusAfter retryAfterMinutes maxAttempts statusAtMaxAttempts requiresFollowUp addToDoNotCall custom } }`,
			WantContains: []string{`{"outcome":"NO_ANSWER","statusAfter":null,"retryAfterMinutes":120,"maxAttempts":6,"statusAtMaxAttempts":"LOST","requiresFollowUp":false,"addToDoNotCall":false,"custom":false}`,
				`{"outcome":"DO_NOT_CALL","statusAfter":"DO_NOT_CALL","retryAfterMinutes":null,"maxAttempts":null,"statusAtMaxAttempts":null,"requiresFollowUp":false,"addToDoNotCall":true,"custom":false}`}},
		{Name: "telecallers cannot change them", Token: tt, Query: `mutation { setDispositionRule(outcome: VOICEMAIL, input: {maxAttempts: 1, statusAtMaxAttempts: LOST}) { custom } }`,
			WantCode: "FORBIDDEN"},
		{Name: "maxAttempts needs statusAtMaxAttempts", Token: mt, Query: `mutation { setDispositionRule(outcome: VOICEMAIL, input: {maxAttempts: 1}) { custom } }`,
			WantCode: "VALIDATION_ERROR", WantField: "statusAtMaxAttempts"},
		{Name: "retry out of range", Token: mt, Query: `mutation { setDispositionRule(outcome: VOICEMAIL, input: {retryAfterMinutes: -1}) { custom } }`,
			WantCode: "VALIDATION_ERROR", WantField: "retryAfterMinutes"},
		{Name: "managers override a rule", Token: mt, Query: `mutation { setDispositionRule(outcome: VOICEMAIL, input: {statusAfter: FOLLOW_UP, maxAttempts: 1, statusAtMaxAttempts: LOST}) { outcome custom updatedById } }`,
			WantContains: []string{`"outcome":"VOICEMAIL","custom":true,"updatedById":"` + mgr.ID.String() + `"`}},
	})
	t.Run("the override applies", func(t *testing.T) {
		l := own()
		gql(t, env, tt, logOutcome, outcomeInput(l.ID, "VOICEMAIL"), nil)
		if s, retry := leadStatus(t, env, l.ID); s != db.StatusLost || retry != nil {
			t.Fatalf("status %s retry %v, want lost without retry", s, retry)
		}
		var out struct{ ResetDispositionRule struct{ Custom bool } }
		gql(t, env, mt, `mutation { resetDispositionRule(outcome: VOICEMAIL) { custom } }`, nil, &out)
		l2 := own()
		gql(t, env, tt, logOutcome, outcomeInput(l2.ID, "VOICEMAIL"), nil)
		if s, retry := leadStatus(t, env, l2.ID); s != db.StatusContacted || retry == nil || out.ResetDispositionRule.Custom {
			t.Fatalf("after reset: status %s retry %v custom %v", s, retry, out.ResetDispositionRule.Custom)
		}
	})
	t.Run("do not call lists the phone and blocks it everywhere", func(t *testing.T) {
		l := own()
		gql(t, env, tt, logOutcome, outcomeInput(l.ID, "DO_NOT_CALL"), nil)
		if s, _ := leadStatus(t, env, l.ID); s != db.StatusDoNotCall {
			t.Fatalf("status = %s", s)
		}
		listed, err := db.FindDoNotCall(ctx, env.DB, []string{*l.PhoneE164})
		if err != nil || !listed[*l.PhoneE164] {
			t.Fatalf("phone not listed (%v)", err)
		}
		if _, err := db.SetLeadDeleted(ctx, env.DB, l.ID, true); err != nil {
			t.Fatal(err)
		}
		phone := "0" + (*l.PhoneE164)[3:] // the same number written nationally
		env.Run(t, []servertest.Scenario{
			{Name: "create", Token: mt, Query: `mutation($p: String) { createLead(input: {name: "Again", phone: $p}) { id } }`,
				Vars: map[string]any{"p": phone}, WantCode: "VALIDATION_ERROR", WantField: "phone"},
			{Name: "bulk, in every mode", Token: mt, Query: bulkMutation,
				Vars:         map[string]any{"leads": []map[string]any{{"name": "Again", "phone": phone}, {"name": "Fine", "phone": "+91 98765 43210"}}, "mode": "UPSERT", "dry": false},
				WantContains: []string{`{"index":0,"status":"ERROR","id":null,"error":{"code":"VALIDATION_ERROR","field":"phone","message":"This phone number is on the do-not-call list."}}`, `{"index":1,"status":"CREATED"`}},
			{Name: "changing a lead to a listed phone", Token: mt, Query: `mutation($id: ID!, $p: String) { updateLead(id: $id, input: {phone: $p}) { id } }`,
				Vars: map[string]any{"id": own().ID.String(), "p": phone}, WantCode: "VALIDATION_ERROR", WantField: "phone"},
			{Name: "managers list the numbers", Token: mt, Query: `{ doNotCallNumbers { phoneE164 leadId addedById } }`,
				WantContains: []string{`{"phoneE164":"` + *l.PhoneE164 + `","leadId":"` + l.ID.String() + `","addedById":"` + tc.ID.String() + `"}`}},
			{Name: "telecallers may not", Token: tt, Query: `{ doNotCallNumbers { phoneE164 } }`, WantCode: "FORBIDDEN"},
		})
	})
	t.Run("a number listed by hand refuses calls to its lead", func(t *testing.T) {
		l := own()
		var out struct{ AddDoNotCallNumber struct{ PhoneE164 string } }
		gql(t, env, mt, `mutation($p: String!) { addDoNotCallNumber(phone: $p, reason: "complaint") { phoneE164 } }`, map[string]any{"p": *l.PhoneE164}, &out)
		env.Run(t, []servertest.Scenario{{Name: "call refused", Token: tt, Query: logOutcome, Vars: outcomeInput(l.ID, "CONNECTED"),
			WantCode: "VALIDATION_ERROR", WantField: "type"}})
		gql(t, env, mt, `mutation($p: String!) { removeDoNotCallNumber(phone: $p) { phoneE164 } }`, map[string]any{"p": *l.PhoneE164}, nil)
		gql(t, env, tt, logOutcome, outcomeInput(l.ID, "CONNECTED"), nil)
	})
}

const nextLeadQuery = `{ nextLead { lead { id assignedToId } reason timeZone localTime } }`

type nextLeadResponse struct {
	NextLead *struct {
		Lead struct {
			ID           uuid.UUID
			AssignedToID *uuid.UUID
		}
		Reason, TimeZone, LocalTime string
	}
}

// retire takes a lead out of the queue, as a finished call would.
func retire(t *testing.T, env *servertest.Env, id uuid.UUID) {
	t.Helper()
	if _, err := env.DB.NewUpdate().Model((*db.Lead)(nil)).Set("status = 'lost'").Where("id = ?", id).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNextLeadOrder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC) // 12:00 in India, 02:30 in New York
	env := servertest.New(t, servertest.WithClock(func() time.Time { return now }))
	tc, other := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	tt := env.Token(t, tc)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	lead := func(edit func(*db.Lead)) *db.Lead {
		return env.SeedLead(t, func(l *db.Lead) {
			l.AssignedToID = &tc.ID
			edit(l)
		})
	}
	// Leads in every state, named by where they must come (or that they must not).
	newLow := lead(func(l *db.Lead) { l.Priority = db.PriorityLow })
	fuLate := lead(func(l *db.Lead) { l.Status, l.NextFollowUpAt = db.StatusFollowUp, at(-time.Hour) })
	newUrgent := lead(func(l *db.Lead) { l.Priority = db.PriorityUrgent })
	fuEarly := lead(func(l *db.Lead) { l.Status, l.NextFollowUpAt = db.StatusInterested, at(-48*time.Hour) })
	retried := lead(func(l *db.Lead) {
		l.Status, l.RetryAt, l.LastContactedAt = db.StatusContacted, at(-time.Minute), at(-3*time.Hour)
	})
	contacted := lead(func(l *db.Lead) { l.Status, l.LastContactedAt = db.StatusQualified, at(-time.Hour) })
	unassignedLow := env.SeedLead(t, func(l *db.Lead) { l.Priority = db.PriorityLow })
	unassignedHigh := env.SeedLead(t, func(l *db.Lead) { l.Priority = db.PriorityHigh })
	never := []*db.Lead{
		lead(func(l *db.Lead) { l.Status = db.StatusDoNotCall }),
		lead(func(l *db.Lead) { l.Status = db.StatusConverted }),
		lead(func(l *db.Lead) { l.Status = db.StatusLost }),
		lead(func(l *db.Lead) { l.Status = db.StatusNotInterested }),
		lead(func(l *db.Lead) { l.RetryAt = at(time.Hour) }),                                       // inside its retry gap
		lead(func(l *db.Lead) { l.NextFollowUpAt = at(time.Hour) }),                                // follow-up booked later
		lead(func(l *db.Lead) { l.CustomFields = map[string]any{"timezone": "America/New_York"} }), // 02:30 there
		lead(func(l *db.Lead) { l.Phone, l.PhoneE164 = nil, nil }),                                 // nothing to dial
		lead(func(l *db.Lead) { l.Priority = db.PriorityUrgent; l.DeletedAt = at(-time.Minute) }),
		env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &other.ID; l.Priority = db.PriorityUrgent }),
		env.SeedLead(t, func(l *db.Lead) { l.Phone, l.PhoneE164 = nil, nil }),
	}
	listed := lead(func(l *db.Lead) { l.Priority = db.PriorityUrgent })
	if err := db.AddDoNotCall(context.Background(), env.DB, &db.DoNotCallNumber{PhoneE164: *listed.PhoneE164}); err != nil {
		t.Fatal(err)
	}
	never = append(never, listed)

	want := []struct {
		lead   *db.Lead
		reason string
	}{
		{fuEarly, "FOLLOW_UP_DUE"}, {fuLate, "FOLLOW_UP_DUE"}, {newUrgent, "NEW_LEAD"}, {newLow, "NEW_LEAD"},
		{retried, "RETRY"}, {contacted, "RETRY"}, {unassignedHigh, "CLAIMED"}, {unassignedLow, "CLAIMED"},
	}
	for i, w := range want {
		var got nextLeadResponse
		gql(t, env, tt, nextLeadQuery, nil, &got)
		if got.NextLead == nil || got.NextLead.Lead.ID != w.lead.ID || got.NextLead.Reason != w.reason {
			t.Fatalf("pick %d = %+v, want %s (%s)", i, got.NextLead, w.lead.ID, w.reason)
		}
		if a := got.NextLead.Lead.AssignedToID; a == nil || *a != tc.ID {
			t.Fatalf("pick %d is assigned to %v, want the caller", i, a)
		}
		if got.NextLead.TimeZone != "Asia/Calcutta" && got.NextLead.TimeZone != "Asia/Kolkata" || got.NextLead.LocalTime != "12:00" {
			t.Fatalf("pick %d: zone %s local %s", i, got.NextLead.TimeZone, got.NextLead.LocalTime)
		}
		// Asking again before the call is logged offers the same lead.
		var again nextLeadResponse
		gql(t, env, tt, nextLeadQuery, nil, &again)
		if again.NextLead == nil || again.NextLead.Lead.ID != w.lead.ID {
			t.Fatalf("pick %d again = %+v", i, again.NextLead)
		}
		retire(t, env, w.lead.ID)
	}
	var last nextLeadResponse
	gql(t, env, tt, nextLeadQuery, nil, &last)
	if last.NextLead != nil {
		t.Fatalf("queue should be empty, got %+v (never-callable leads: %d)", last.NextLead, len(never))
	}
}

func TestNextLeadConcurrentClaims(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC)
	env := servertest.New(t, servertest.WithClock(func() time.Time { return now }))
	const callers, leads, rounds = 10, 25, 2
	for range leads {
		env.SeedLead(t, nil)
	}
	users := make([]*db.User, callers)
	for i := range users {
		users[i] = env.SeedUser(t, db.RoleTelecaller)
	}
	handed := map[uuid.UUID]uuid.UUID{}
	for round := range rounds {
		got := make([]nextLeadResponse, callers)
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				gql(t, env, env.Token(t, u), nextLeadQuery, nil, &got[i])
			}()
		}
		wg.Wait()
		for i, g := range got {
			if g.NextLead == nil {
				t.Fatalf("round %d: caller %d got nothing", round, i)
			}
			id := g.NextLead.Lead.ID
			if prev, dup := handed[id]; dup {
				t.Fatalf("round %d: lead %s handed to %s and %s", round, id, prev, users[i].ID)
			}
			if a := g.NextLead.Lead.AssignedToID; a == nil || *a != users[i].ID {
				t.Fatalf("lead %s assigned to %v, want %s", id, a, users[i].ID)
			}
			handed[id] = users[i].ID
			retire(t, env, id)
		}
	}
	n, err := env.DB.NewSelect().Model((*db.Lead)(nil)).Where("assigned_to IS NOT NULL").Count(context.Background())
	if err != nil || n != callers*rounds {
		t.Fatalf("assigned leads = %d (%v), want %d", n, err, callers*rounds)
	}
}

const assignMutation = `mutation($ids: [ID!], $to: [ID!]!, $s: AssignStrategy) {
	assignLeads(leadIds: $ids, assigneeIds: $to, strategy: $s) { assigned byAssignee { assigneeId count } } }`

type assignResponse struct {
	AssignLeads struct {
		Assigned   int
		ByAssignee []struct {
			AssigneeID uuid.UUID
			Count      int
		}
	}
}

func TestAssignStrategies(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	mt := env.Token(t, mgr)
	a, b, c := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	team := []string{a.ID.String(), b.ID.String(), c.ID.String()}

	t.Run("round-robin stays fair over 1,000 leads in uneven batches", func(t *testing.T) {
		var ids []string
		for i := range 1000 {
			ids = append(ids, env.SeedLead(t, func(l *db.Lead) { l.Name = fmt.Sprint("RR ", i) }).ID.String())
		}
		total := map[uuid.UUID]int{}
		for _, size := range []int{1, 1, 2, 100, 333, 64, 499} {
			var out assignResponse
			gql(t, env, mt, assignMutation, map[string]any{"ids": ids[:size], "to": team, "s": "ROUND_ROBIN"}, &out)
			ids = ids[size:]
			for _, bc := range out.AssignLeads.ByAssignee {
				total[bc.AssigneeID] += bc.Count
			}
		}
		lo, hi := 1000, 0
		for _, n := range total {
			lo, hi = min(lo, n), max(hi, n)
		}
		if len(total) != 3 || hi-lo > 1 {
			t.Fatalf("counts %v differ by more than 1", total)
		}
	})
	t.Run("the rotation is kept across calls, whatever the order given", func(t *testing.T) {
		x, y := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
		var got []uuid.UUID
		for i := range 4 {
			l := env.SeedLead(t, nil)
			to := []string{x.ID.String(), y.ID.String()}
			if i%2 == 1 {
				to = []string{y.ID.String(), x.ID.String()}
			}
			gql(t, env, mt, assignMutation, map[string]any{"ids": []string{l.ID.String()}, "to": to}, nil)
			st, err := db.FindLeadByID(context.Background(), env.DB, l.ID, db.LeadScope{}, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, *st.AssignedToID)
		}
		if got[0] != x.ID || got[1] != y.ID || got[2] != x.ID || got[3] != y.ID {
			t.Fatalf("rotation = %v, want x y x y", got)
		}
	})
	t.Run("least loaded fills the emptiest first", func(t *testing.T) {
		p, q, r := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
		for range 5 {
			env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &p.ID })
		}
		for range 2 {
			env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &r.ID })
		}
		env.SeedLead(t, func(l *db.Lead) { l.AssignedToID, l.Status = &q.ID, db.StatusConverted }) // closed: no load
		var ids []string
		for range 7 {
			ids = append(ids, env.SeedLead(t, nil).ID.String())
		}
		var out assignResponse
		gql(t, env, mt, assignMutation, map[string]any{"ids": ids, "to": []string{p.ID.String(), q.ID.String(), r.ID.String()}, "s": "LEAST_LOADED"}, &out)
		counts := []int{}
		for _, bc := range out.AssignLeads.ByAssignee {
			counts = append(counts, bc.Count)
		}
		if fmt.Sprint(counts) != "[0 5 2]" {
			t.Fatalf("least loaded gave %v, want [0 5 2] (loads 5/0/2 become 5/5/4)", counts)
		}
	})
	t.Run("bulk create assigns what it creates", func(t *testing.T) {
		leads := []map[string]any{}
		for i := range 10 {
			leads = append(leads, map[string]any{"name": fmt.Sprint("Auto ", i), "phone": fmt.Sprintf("+91 97%08d", i)})
		}
		leads[3]["assignedToId"] = a.ID.String()
		var out struct {
			BulkCreateLeads struct{ Results []struct{ ID uuid.UUID } }
		}
		gql(t, env, mt, `mutation($leads: [CreateLeadInput!]!, $to: [ID!]!) { bulkCreateLeads(leads: $leads, assign: {strategy: LEAST_LOADED, assigneeIds: $to}) { results { id } } }`,
			map[string]any{"leads": leads, "to": []string{mgr.ID.String()}}, &out)
		for i, r := range out.BulkCreateLeads.Results {
			l, err := db.FindLeadByID(context.Background(), env.DB, r.ID, db.LeadScope{}, false)
			if err != nil {
				t.Fatal(err)
			}
			want := mgr.ID
			if i == 3 {
				want = a.ID
			}
			if l.AssignedToID == nil || *l.AssignedToID != want {
				t.Fatalf("row %d assigned to %v, want %s", i, l.AssignedToID, want)
			}
		}
	})
	env.Run(t, []servertest.Scenario{
		{Name: "unknown auto-assignee", Token: mt, Query: `mutation { bulkCreateLeads(leads: [{name: "X", phone: "+91 96000 00001"}], assign: {assigneeIds: ["` + uuid.NewString() + `"]}) { totals { created } } }`,
			WantCode: "VALIDATION_ERROR", WantField: "assign.assigneeIds"},
		{Name: "bad strategy", Token: mt, Query: `mutation { assignLeads(leadIds: [], assigneeIds: ["` + a.ID.String() + `"], strategy: FASTEST) { assigned } }`,
			WantCode: "VALIDATION_ERROR"},
	})
}

func TestFollowUps(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC) // 12:00 in Kolkata
	env := servertest.New(t, servertest.WithClock(func() time.Time { return now }))
	mgr, tc, other := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	mt, tt := env.Token(t, mgr), env.Token(t, tc)
	fu := func(who *db.User, d time.Duration, status db.LeadStatus) *db.Lead {
		at := now.Add(d)
		return env.SeedLead(t, func(l *db.Lead) { l.AssignedToID, l.NextFollowUpAt, l.Status = &who.ID, &at, status })
	}
	overdue := fu(tc, -26*time.Hour, db.StatusFollowUp)
	today := fu(tc, 5*time.Hour, db.StatusFollowUp)     // 17:00 in Kolkata
	tomorrow := fu(tc, 12*time.Hour, db.StatusFollowUp) // 00:00 next day in Kolkata
	fu(tc, 10*24*time.Hour, db.StatusFollowUp)          // beyond the default 7 days
	fu(tc, -time.Hour, db.StatusConverted)              // closed
	theirs := fu(other, time.Hour, db.StatusInterested) // another telecaller's
	const q = `query($who: ID) { myFollowUps(tz: "Asia/Kolkata", telecallerId: $who) { telecallerId overdue { id } dueToday { id } upcoming { id } } }`
	env.Run(t, []servertest.Scenario{
		{Name: "own agenda", Token: tt, Query: q,
			WantContains: []string{`"overdue":[{"id":"` + overdue.ID.String() + `"}],"dueToday":[{"id":"` + today.ID.String() + `"}],"upcoming":[{"id":"` + tomorrow.ID.String() + `"}]`}},
		{Name: "telecaller asking for another", Token: tt, Query: q, Vars: map[string]any{"who": other.ID.String()}, WantCode: "FORBIDDEN"},
		{Name: "manager asking for a telecaller", Token: mt, Query: q, Vars: map[string]any{"who": other.ID.String()},
			WantContains: []string{`"telecallerId":"` + other.ID.String() + `","overdue":[],"dueToday":[{"id":"` + theirs.ID.String() + `"}],"upcoming":[]`}},
		{Name: "bad zone", Token: tt, Query: `{ myFollowUps(tz: "Mars/Olympus") { telecallerId } }`, WantCode: "VALIDATION_ERROR", WantField: "tz"},
		{Name: "empty range", Token: tt, Query: `{ myFollowUps(from: "2026-03-10T00:00:00Z", to: "2026-03-09T00:00:00Z") { telecallerId } }`, WantCode: "VALIDATION_ERROR", WantField: "to"},
	})
}

package rest_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

type eventJSON struct {
	ID      string                     `json:"id"`
	LeadID  string                     `json:"leadId"`
	ActorID *string                    `json:"actorId"`
	Kind    string                     `json:"kind"`
	Changes map[string]json.RawMessage `json:"changes"`
}

// TestLeadEvents walks one lead through every kind of single-lead change
// and reads its audit trail back, newest first, with who changed what.
func TestLeadEvents(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt, ot := a.Token(t, mgr), a.Token(t, tc), a.Token(t, other)

	created := a.do(t, "POST", "/api/leads", map[string]any{"name": "Asha", "phone": "98765 43210"}, tt)
	if created.Status != 201 {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	id := data[struct{ ID string }](t, created).ID
	path := "/api/leads/" + id
	events := path + "/events"
	steps := []struct {
		method, path, token string
		body                any
	}{
		{"PATCH", path, tt, map[string]any{"status": "interested", "notes": "keen"}},
		{"PATCH", path, tt, map[string]any{"company": "Acme"}},
		{"POST", path + "/interactions", tt, map[string]any{"type": "call", "outcome": "connected", "durationSeconds": 60}},
		{"PATCH", path, mt, map[string]any{"assignedToId": other.ID}},
		{"DELETE", path, mt, nil},
		{"POST", path + "/restore", mt, nil},
	}
	for _, s := range steps {
		if r := a.do(t, s.method, s.path, s.body, s.token); r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, r.Status, r.Body)
		}
	}
	// A failed write leaves no event behind.
	if r := a.do(t, "PATCH", path, map[string]any{"notes": "late"}, mt, "If-Match", `"1"`); r.Status != 409 {
		t.Fatalf("stale write: %d", r.Status)
	}

	r := a.do(t, "GET", events, nil, ot)
	if r.Status != 200 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	got := data[[]eventJSON](t, r)
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"restored", "deleted", "assigned", "interaction_logged", "updated", "status_changed", "created"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	actors := []string{mgr.ID.String(), mgr.ID.String(), mgr.ID.String(), tc.ID.String(), tc.ID.String(), tc.ID.String(), tc.ID.String()}
	for i, e := range got {
		if e.ActorID == nil || *e.ActorID != actors[i] || e.LeadID != id {
			t.Errorf("event %d (%s): actor %v, lead %s", i, e.Kind, e.ActorID, e.LeadID)
		}
	}
	changes := map[string]string{
		"status":       `{"old":"new","new":"interested"}`,
		"company":      `{"old":null,"new":"Acme"}`,
		"assignedToId": `{"old":"` + tc.ID.String() + `","new":"` + other.ID.String() + `"}`,
		"attemptCount": `{"old":0,"new":1}`,
		"name":         `{"old":null,"new":"Asha"}`,
	}
	byKind := map[string]eventJSON{}
	for _, e := range got {
		byKind[e.Kind] = e
	}
	for kind, field := range map[string]string{"status_changed": "status", "updated": "company", "assigned": "assignedToId", "interaction_logged": "attemptCount", "created": "name"} {
		if c := string(byKind[kind].Changes[field]); c != changes[field] {
			t.Errorf("%s: changes.%s = %s, want %s", kind, field, c, changes[field])
		}
	}
	if _, ok := byKind["status_changed"].Changes["version"]; ok {
		t.Errorf("version is listed as a change")
	}
	if _, ok := byKind["deleted"].Changes["deletedAt"]; !ok {
		t.Errorf("deleted event without deletedAt: %v", byKind["deleted"].Changes)
	}

	var cursor string
	a.run(t, []servertest.Scenario{
		{Name: "first page by limit", Method: "GET", Path: events + "?limit=3", Token: mt, WantStatus: 200,
			WantContains: []string{`"total":7`, `"hasNext":true`, `"kind":"restored"`, `"kind":"assigned"`}, WantAbsent: []string{`"kind":"interaction_logged"`},
			After: func(t *testing.T, r *servertest.Response) { cursor = *decode(t, r).Pagination.NextCursor }},
		{Name: "second page by number", Method: "GET", Path: events + "?limit=3&page=2", Token: mt, WantStatus: 200,
			WantContains: []string{`"kind":"interaction_logged"`, `"kind":"status_changed"`}, WantAbsent: []string{`"kind":"restored"`}},
		{Name: "the previous telecaller no longer sees the lead's events", Method: "GET", Path: events, Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "bad cursor", Method: "GET", Path: events + "?cursor=nope", Token: mt, WantStatus: 400, WantField: "cursor"},
		{Name: "limit over 100", Method: "GET", Path: events + "?limit=101", Token: mt, WantStatus: 400, WantField: "limit"},
		{Name: "unknown parameter", Method: "GET", Path: events + "?kind=created", Token: mt, WantStatus: 400},
		{Name: "no token", Method: "GET", Path: events, WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "malformed id", Method: "GET", Path: "/api/leads/nope/events", Token: mt, WantStatus: 400},
	})
	t.Run("cursor page", func(t *testing.T) {
		got := data[[]eventJSON](t, a.do(t, "GET", events+"?limit=3&cursor="+cursor, nil, mt))
		if len(got) != 3 || got[0].Kind != "interaction_logged" {
			t.Fatalf("cursor page: %+v", got)
		}
	})
}

// TestLeadRestore covers the REST restore route: managers only, deleted
// leads only, and a restore that would duplicate a live lead's phone or
// email is a CONFLICT naming the field, not a 500.
func TestLeadRestore(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	ctx := context.Background()
	gone := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	live := a.SeedLead(t, nil)
	phoneTwin := a.SeedLead(t, nil)
	emailTwin := a.SeedLead(t, nil)
	for _, l := range []*db.Lead{gone, phoneTwin, emailTwin} {
		if _, err := db.SetLeadDeleted(ctx, a.DB, l.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	// Live leads now hold the deleted twins' phone and email.
	a.SeedLead(t, func(l *db.Lead) { l.Phone, l.PhoneE164 = phoneTwin.Phone, phoneTwin.PhoneE164 })
	a.SeedLead(t, func(l *db.Lead) { l.Email = emailTwin.Email })
	restore := func(l *db.Lead) string { return "/api/leads/" + l.ID.String() + "/restore" }
	a.run(t, []servertest.Scenario{
		{Name: "telecaller cannot restore", Method: "POST", Path: restore(gone), Token: tt, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "manager restores", Method: "POST", Path: restore(gone), Token: mt, WantStatus: 200,
			WantContains: []string{`"deletedAt":null`, `"id":"` + gone.ID.String() + `"`}, After: header("ETag", `"3"`)},
		{Name: "the telecaller sees it again", Method: "GET", Path: "/api/leads/" + gone.ID.String(), Token: tt, WantStatus: 200},
		{Name: "restoring a live lead", Method: "POST", Path: restore(live), Token: mt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "restore colliding on phone", Method: "POST", Path: restore(phoneTwin), Token: mt, WantStatus: 409, WantCode: "CONFLICT", WantField: "phone"},
		{Name: "restore colliding on email", Method: "POST", Path: restore(emailTwin), Token: mt, WantStatus: 409, WantCode: "CONFLICT", WantField: "email"},
		{Name: "unknown lead", Method: "POST", Path: "/api/leads/0190b1d2-0000-7000-8000-000000000000/restore", Token: mt, WantStatus: 404},
		{Name: "the restored event names the manager", Method: "GET", Path: "/api/leads/" + gone.ID.String() + "/events", Token: mt, WantStatus: 200,
			WantContains: []string{`"kind":"restored"`, `"actorId":"` + mgr.ID.String() + `"`, `"total":1`}},
	})
	var n int
	if err := a.DB.NewRaw("SELECT count(*) FROM lead_events WHERE lead_id IN (?, ?)", phoneTwin.ID, emailTwin.ID).Scan(ctx, &n); err != nil || n != 0 {
		t.Fatalf("failed restores left %d events (%v)", n, err)
	}
}

// TestBulkEvents: bulk create, upsert and assignment write one event per
// changed lead in the bulk transaction; a dry run writes none.
func TestBulkEvents(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt := a.Token(t, mgr)
	existing := a.SeedLead(t, nil)
	ctx := context.Background()
	count := func(kind string) int {
		n, err := a.DB.NewSelect().Table("lead_events").Where("kind = ?", kind).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	body := map[string]any{"mode": "upsert", "leads": []map[string]any{
		{"name": "New one", "phone": "9811111111"},
		{"name": "New two", "email": "two@example.com"},
		{"name": "Renamed", "phone": *existing.PhoneE164},
	}}
	if r := a.do(t, "POST", "/api/leads/bulk?dryRun=true", body, mt); r.Status != 200 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	if n := count("bulk_created") + count("bulk_updated"); n != 0 {
		t.Fatalf("dry run wrote %d events", n)
	}
	r := a.do(t, "POST", "/api/leads/bulk", body, mt)
	if r.Status != 200 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	if c, u := count("bulk_created"), count("bulk_updated"); c != 2 || u != 1 {
		t.Fatalf("bulk events: %d created, %d updated; want 2 and 1", c, u)
	}
	r = a.do(t, "POST", "/api/leads/bulk-assign", map[string]any{"leadIds": []string{existing.ID.String()}, "assigneeIds": []string{tc.ID.String()}}, mt)
	if r.Status != 200 {
		t.Fatalf("bulk assign: %d %s", r.Status, r.Body)
	}
	if n := count("bulk_assigned"); n != 1 {
		t.Fatalf("bulk_assigned events: %d", n)
	}
	ev := data[[]eventJSON](t, a.do(t, "GET", "/api/leads/"+existing.ID.String()+"/events", nil, mt))
	if len(ev) != 2 || ev[0].Kind != "bulk_assigned" || ev[1].Kind != "bulk_updated" || string(ev[1].Changes["name"]) == "" {
		t.Fatalf("existing lead's events: %+v", ev)
	}
}

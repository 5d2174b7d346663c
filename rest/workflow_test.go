package rest_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestQueueAndFollowUps(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC) // 12:00 in India
	a := newAPI(t, servertest.WithClock(func() time.Time { return now }))
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt, ot := a.Token(t, mgr), a.Token(t, tc), a.Token(t, other)
	due := now.Add(-time.Hour)
	fu := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID, l.NextFollowUpAt, l.Status = &tc.ID, &due, db.StatusFollowUp })
	free := a.SeedLead(t, func(l *db.Lead) { l.Priority = db.PriorityHigh })

	a.run(t, []servertest.Scenario{
		{Name: "own due follow-up first", Method: "GET", Path: "/api/queue/next", Token: tt, WantStatus: 200,
			WantContains: []string{`"id":"` + fu.ID.String() + `"`, `"reason":"follow_up_due"`, `"localTime":"12:00"`}},
		{Name: "an unassigned lead is claimed", Method: "GET", Path: "/api/queue/next", Token: ot, WantStatus: 200,
			WantContains: []string{`"id":"` + free.ID.String() + `"`, `"reason":"claimed"`, `"assignedToId":"` + other.ID.String() + `"`}},
		{Name: "nothing left for a third caller", Method: "GET", Path: "/api/queue/next", Token: mt, WantStatus: 200,
			WantContains: []string{`{"success":true,"data":null}`}},
		{Name: "no token", Method: "GET", Path: "/api/queue/next", WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "own agenda", Method: "GET", Path: "/api/follow-ups?tz=Asia/Kolkata", Token: tt, WantStatus: 200,
			WantContains: []string{`"overdue":[{"id":"` + fu.ID.String() + `"`, `"dueToday":[]`, `"upcoming":[]`, `"timeZone":"Asia/Kolkata"`}},
		{Name: "manager reads a telecaller's agenda", Method: "GET", Path: "/api/follow-ups?telecallerId=" + tc.ID.String() + "&from=2026-03-01&to=2026-03-20", Token: mt, WantStatus: 200,
			WantContains: []string{`"telecallerId":"` + tc.ID.String() + `"`, `"overdue":[{"id":"` + fu.ID.String() + `"`}},
		{Name: "telecaller reading another's agenda", Method: "GET", Path: "/api/follow-ups?telecallerId=" + tc.ID.String(), Token: ot, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "bad telecallerId", Method: "GET", Path: "/api/follow-ups?telecallerId=nope", Token: tt, WantStatus: 400, WantField: "telecallerId"},
	})
}

func TestDispositionRuleRoutes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	lead := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	a.run(t, []servertest.Scenario{
		{Name: "everyone reads the rules", Method: "GET", Path: "/api/disposition-rules", Token: tt, WantStatus: 200,
			WantContains: []string{`"outcome":"no_answer","statusAfter":null,"retryAfterMinutes":120,"maxAttempts":6,"statusAtMaxAttempts":"lost"`}},
		{Name: "manager sets a rule", Method: "PUT", Path: "/api/disposition-rules/wrong_number", Token: mt,
			Body: map[string]any{"statusAfter": "lost"}, WantStatus: 200,
			WantContains: []string{`"outcome":"wrong_number","statusAfter":"lost"`, `"custom":true`}},
		{Name: "the rule acts", Method: "POST", Path: "/api/leads/" + lead.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "call", "outcome": "wrong_number"}, WantStatus: 201, WantContains: []string{`"statusAfter":"lost"`}},
		{Name: "callback without followUpAt", Method: "POST", Path: "/api/leads/" + lead.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "call", "outcome": "callback_requested"}, WantStatus: 400, WantField: "followUpAt"},
		{Name: "unknown outcome", Method: "PUT", Path: "/api/disposition-rules/hung_up", Token: mt, Body: map[string]any{}, WantStatus: 400, WantField: "outcome"},
		{Name: "unknown field", Method: "PUT", Path: "/api/disposition-rules/busy", Token: mt, Body: map[string]any{"retryAfter": 5}, WantStatus: 400, WantField: "retryAfter"},
		{Name: "telecaller cannot set", Method: "PUT", Path: "/api/disposition-rules/busy", Token: tt, Body: map[string]any{}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "reset brings the built-in rule back", Method: "DELETE", Path: "/api/disposition-rules/wrong_number", Token: mt, WantStatus: 200,
			WantContains: []string{`"outcome":"wrong_number","statusAfter":null`, `"custom":false`}},
	})
}

func TestDoNotCallRoutes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	lead := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	csvType := []string{"Content-Type", "text/csv"}
	a.run(t, []servertest.Scenario{
		{Name: "a do-not-call disposition lists the phone", Method: "POST", Path: "/api/leads/" + lead.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "call", "outcome": "do_not_call"}, WantStatus: 201, WantContains: []string{`"statusAfter":"do_not_call"`}},
		{Name: "later outbound calls are refused", Method: "POST", Path: "/api/leads/" + lead.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "call"}, WantStatus: 400, WantField: "type"},
		{Name: "a later import row with that phone fails", Method: "POST", Path: "/api/leads/import?mode=skip", Token: mt, Headers: csvType,
			Body: csvFile("name,phone", "Again,"+*lead.PhoneE164, "Fresh,"+phone(900)), WantStatus: 200,
			WantContains: []string{`{"index":0,"status":"error","id":null,"error":{"code":"VALIDATION_ERROR","field":"phone","message":"This phone number is on the do-not-call list."}}`,
				`"totals":{"created":1,"updated":0,"skipped":0,"error":1}`}},
		{Name: "managers add a number", Method: "POST", Path: "/api/do-not-call", Token: mt, Body: map[string]any{"phone": "98765 00001", "reason": "asked by email"},
			WantStatus: 201, WantContains: []string{`"phoneE164":"+919876500001"`, `"reason":"asked by email"`}},
		{Name: "a create with a listed number fails", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": "Listed", "phone": "+91 98765 00001"},
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "managers list them", Method: "GET", Path: "/api/do-not-call?limit=10", Token: mt, WantStatus: 200,
			WantContains: []string{`"phoneE164":"+919876500001"`, `"phoneE164":"` + *lead.PhoneE164 + `","leadId":"` + lead.ID.String() + `"`}},
		{Name: "telecallers may not", Method: "GET", Path: "/api/do-not-call", Token: tt, WantStatus: 403},
		{Name: "a bad number", Method: "POST", Path: "/api/do-not-call", Token: mt, Body: map[string]any{"phone": "12"}, WantStatus: 400, WantField: "phone"},
		{Name: "managers remove a number", Method: "DELETE", Path: "/api/do-not-call/" + url.PathEscape("+919876500001"), Token: mt, WantStatus: 200,
			WantContains: []string{`"phoneE164":"+919876500001"`}},
		{Name: "removing it twice", Method: "DELETE", Path: "/api/do-not-call/" + url.PathEscape("+919876500001"), Token: mt, WantStatus: 404},
		{Name: "now it may be created", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": "Listed", "phone": "+91 98765 00001"}, WantStatus: 201},
	})
}

func TestAutoAssignRoutes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr := a.SeedUser(t, db.RoleManager)
	x, y := a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt := a.Token(t, mgr)
	l1, l2 := a.SeedLead(t, nil), a.SeedLead(t, nil)
	a.run(t, []servertest.Scenario{
		{Name: "bulk-assign least loaded", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt,
			Body:       map[string]any{"leadIds": []string{l1.ID.String(), l2.ID.String()}, "assigneeIds": []string{x.ID.String(), y.ID.String()}, "strategy": "least_loaded"},
			WantStatus: 200, WantContains: []string{`"assigned":2`, `{"assigneeId":"` + x.ID.String() + `","count":1}`}},
		{Name: "bulk-assign bad strategy", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt,
			Body: map[string]any{"leadIds": []string{l1.ID.String()}, "assigneeIds": []string{x.ID.String()}, "strategy": "random"}, WantStatus: 400, WantField: "strategy"},
		{Name: "bulk create assigns round-robin", Method: "POST", Path: "/api/leads/bulk", Token: mt,
			Body: map[string]any{"leads": []map[string]any{{"name": "A", "phone": phone(800)}, {"name": "B", "phone": phone(801)}},
				"assign": map[string]any{"assigneeIds": []string{x.ID.String(), y.ID.String()}}}, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				n, err := a.DB.NewSelect().Model((*db.Lead)(nil)).Where("phone_e164 IN ('+919800000800', '+919800000801')").Where("assigned_to IS NOT NULL").Count(context.Background())
				if err != nil || n != 2 {
					t.Fatalf("assigned = %d (%v), want 2", n, err)
				}
			}},
		{Name: "import assigns what it creates", Method: "POST", Path: "/api/leads/import?assigneeIds=" + y.ID.String() + "&assignStrategy=round_robin", Token: mt,
			Headers: []string{"Content-Type", "text/csv"}, Body: csvFile("name,phone", "C,"+phone(802)), WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				var l db.Lead
				if err := a.DB.NewSelect().Model(&l).Where("phone_e164 = '+919800000802'").Scan(context.Background()); err != nil || l.AssignedToID == nil || *l.AssignedToID != y.ID {
					t.Fatalf("imported lead assigned to %v (%v), want %s", l.AssignedToID, err, y.ID)
				}
			}},
		{Name: "import with a strategy but nobody", Method: "POST", Path: "/api/leads/import?assignStrategy=least_loaded", Token: mt,
			Headers: []string{"Content-Type", "text/csv"}, Body: csvFile("name,phone", "D,"+phone(803)), WantStatus: 400, WantField: "assigneeIds"},
	})
}

func TestWebhookRoutes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, servertest.WithConfig(func(c *server.Config) { c.WebhookAllowHTTP = false }))
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	var id string
	a.run(t, []servertest.Scenario{
		{Name: "create shows the secret once", Method: "POST", Path: "/api/webhooks", Token: mt,
			Body: map[string]any{"url": "https://hooks.example.com/crm", "events": []string{"lead.created", "lead.converted"}, "description": "sales sheet"}, WantStatus: 201,
			WantContains: []string{`"secret":"whsec_`, `"events":["lead.converted","lead.created"]`, `"active":true`},
			After:        func(t *testing.T, r *servertest.Response) { id = data[struct{ ID string }](t, r).ID }},
		{Name: "list hides it", Method: "GET", Path: "/api/webhooks", Token: mt, WantStatus: 200,
			WantContains: []string{`"url":"https://hooks.example.com/crm"`}, WantAbsent: []string{`secret`}},
		{Name: "http is refused", Method: "POST", Path: "/api/webhooks", Token: mt,
			Body: map[string]any{"url": "http://hooks.example.com/crm", "events": []string{"lead.created"}}, WantStatus: 400, WantField: "url"},
		{Name: "credentials in the URL are refused", Method: "POST", Path: "/api/webhooks", Token: mt,
			Body: map[string]any{"url": "https://u:p@hooks.example.com/", "events": []string{"lead.created"}}, WantStatus: 400, WantField: "url"},
		{Name: "unknown event", Method: "POST", Path: "/api/webhooks", Token: mt,
			Body: map[string]any{"url": "https://hooks.example.com/", "events": []string{"lead.deleted"}}, WantStatus: 400, WantField: "events"},
		{Name: "telecallers may not", Method: "GET", Path: "/api/webhooks", Token: tt, WantStatus: 403},
	})
	lead := a.SeedLead(t, nil)
	a.run(t, []servertest.Scenario{
		{Name: "the delivery log shows the pending event", Method: "GET", Path: "/api/webhooks/" + id + "/deliveries?status=pending", Token: mt, WantStatus: 200,
			WantContains: []string{`"event":"lead.created"`, `"status":"pending"`, `"attempts":0`, `"id":"` + lead.ID.String() + `"`}},
		{Name: "deliveries of an unknown subscription", Method: "GET", Path: "/api/webhooks/00000000-0000-0000-0000-000000000000/deliveries", Token: mt, WantStatus: 404},
		{Name: "delete", Method: "DELETE", Path: "/api/webhooks/" + id, Token: mt, WantStatus: 200, WantContains: []string{`"id":"` + id + `"`}},
		{Name: "delete again", Method: "DELETE", Path: "/api/webhooks/" + id, Token: mt, WantStatus: 404},
	})
}

package rest_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestInteractionCreate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	own := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	theirs := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &other.ID })
	dnc := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID, l.Status = &tc.ID, db.StatusDoNotCall })
	path := "/api/leads/" + own.ID.String() + "/interactions"
	followUp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)

	a.run(t, []servertest.Scenario{
		{Name: "telecaller logs a call on their lead", Method: "POST", Path: path, Token: tt,
			Body: map[string]any{"type": "call", "outcome": "callback_requested", "durationSeconds": 95, "notes": "call back tomorrow",
				"followUpAt": followUp.Format(time.RFC3339)},
			WantStatus: 201,
			WantContains: []string{`"success":true`, `"leadId":"` + own.ID.String() + `"`, `"telecallerId":"` + tc.ID.String() + `"`,
				`"type":"call"`, `"direction":"outbound"`, `"outcome":"callback_requested"`, `"durationSeconds":95`, `"statusAfter":"contacted"`}},
		{Name: "the lead moved on", Method: "GET", Path: "/api/leads/" + own.ID.String(), Token: tt, WantStatus: 200,
			WantContains: []string{`"status":"contacted"`, `"attemptCount":1`, `"version":2`},
			After: func(t *testing.T, r *servertest.Response) {
				if l := data[lead](t, r); l.NextFollowUpAt == nil || !l.NextFollowUpAt.Equal(followUp) {
					t.Errorf("nextFollowUpAt = %v, want %v", l.NextFollowUpAt, followUp)
				}
			}},
		{Name: "a leadId equal to the path is accepted", Method: "POST", Path: path, Token: tt,
			Body: map[string]any{"leadId": own.ID, "type": "whatsapp", "direction": "inbound", "statusAfter": "interested"}, WantStatus: 201,
			WantContains: []string{`"direction":"inbound"`, `"statusAfter":"interested"`}},
		{Name: "a different leadId is rejected", Method: "POST", Path: path, Token: tt, Body: map[string]any{"leadId": theirs.ID, "type": "note"},
			WantStatus: 400, WantField: "leadId"},
		{Name: "leadId is not a uuid", Method: "POST", Path: path, Token: tt, Body: map[string]any{"leadId": "x", "type": "note"},
			WantStatus: 400, WantField: "leadId", WantContains: []string{"must be a UUID"}},
		{Name: "manager logs on any lead", Method: "POST", Path: "/api/leads/" + theirs.ID.String() + "/interactions", Token: mt,
			Body: map[string]any{"type": "note", "notes": "escalated"}, WantStatus: 201},
		{Name: "telecaller cannot log on another's lead", Method: "POST", Path: "/api/leads/" + theirs.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "note"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "no such lead", Method: "POST", Path: "/api/leads/" + uuid.NewString() + "/interactions", Token: mt,
			Body: map[string]any{"type": "note"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "outbound call to a do-not-call lead", Method: "POST", Path: "/api/leads/" + dnc.ID.String() + "/interactions", Token: tt,
			Body: map[string]any{"type": "call"}, WantStatus: 400, WantField: "type"},
		{Name: "type is required", Method: "POST", Path: path, Token: tt, Body: map[string]any{"notes": "?"}, WantStatus: 400, WantField: "type",
			WantContains: []string{`"message":"Invalid type: is required"`}},
		{Name: "upper-case type", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "CALL"}, WantStatus: 400, WantField: "type"},
		{Name: "unknown outcome", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "call", "outcome": "hung_up"}, WantStatus: 400, WantField: "outcome"},
		{Name: "unknown direction", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "call", "direction": "sideways"}, WantStatus: 400, WantField: "direction"},
		{Name: "duration overflows", Method: "POST", Path: path, Token: tt, Body: `{"type":"call","durationSeconds":1e40}`, WantStatus: 400, WantField: "durationSeconds"},
		{Name: "duration is a string", Method: "POST", Path: path, Token: tt, Body: `{"type":"call","durationSeconds":"95"}`, WantStatus: 400, WantField: "durationSeconds",
			WantContains: []string{"must be an integer"}},
		{Name: "negative duration", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "call", "durationSeconds": -1}, WantStatus: 400, WantField: "durationSeconds"},
		{Name: "occurred in the future", Method: "POST", Path: path, Token: tt,
			Body: map[string]any{"type": "call", "occurredAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, WantStatus: 400, WantField: "occurredAt"},
		{Name: "bad time", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "call", "occurredAt": "yesterday"}, WantStatus: 400, WantField: "occurredAt",
			WantContains: []string{"RFC 3339"}},
		{Name: "unknown field", Method: "POST", Path: path, Token: tt, Body: map[string]any{"type": "call", "callerId": "x"}, WantStatus: 400, WantField: "callerId"},
		{Name: "bad lead id", Method: "POST", Path: "/api/leads/abc/interactions", Token: tt, Body: map[string]any{"type": "note"}, WantStatus: 400, WantField: "id"},
		{Name: "no token", Method: "POST", Path: path, Body: map[string]any{"type": "note"}, WantStatus: 401},
	})
}

func TestInteractionList(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	own := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	theirs := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &other.ID })
	path := "/api/leads/" + own.ID.String() + "/interactions"
	base := time.Now().Add(-10 * time.Hour).UTC()
	var it []string
	for i, typ := range []string{"call", "sms", "call", "note"} {
		r := a.do(t, "POST", path, map[string]any{"type": typ, "occurredAt": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}, tt)
		if r.Status != 201 {
			t.Fatalf("log interaction: %d %s", r.Status, r.Body)
		}
		it = append(it, data[struct{ ID string }](t, r).ID)
	}
	listed := func(want ...string) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) { t.Helper(); sameIDs(t, ids(t, r), want...) }
	}

	a.run(t, []servertest.Scenario{
		{Name: "newest first", Method: "GET", Path: path, Token: tt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(it[3], it[2], it[1], it[0])(t, r)
				pagination(num(1), 20, 4, 1, false)(t, r)
			}},
		{Name: "page two of three a page", Method: "GET", Path: path + "?page=2&limit=3", Token: tt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(it[0])(t, r)
				pagination(num(2), 3, 4, 2, false)(t, r)
			}},
		{Name: "first page of two", Method: "GET", Path: path + "?limit=2", Token: tt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(it[3], it[2])(t, r)
				pagination(num(1), 2, 4, 2, true)(t, r)
			}},
		{Name: "type filter", Method: "GET", Path: path + "?type=call", Token: tt, WantStatus: 200, After: listed(it[2], it[0])},
		{Name: "type list", Method: "GET", Path: path + "?type=sms,note", Token: mt, WantStatus: 200, After: listed(it[3], it[1])},
		{Name: "telecaller cannot list another's lead", Method: "GET", Path: "/api/leads/" + theirs.ID.String() + "/interactions", Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "no such lead", Method: "GET", Path: "/api/leads/" + uuid.NewString() + "/interactions", Token: mt, WantStatus: 404},
		{Name: "upper-case type", Method: "GET", Path: path + "?type=CALL", Token: tt, WantStatus: 400, WantField: "type"},
		{Name: "unknown type", Method: "GET", Path: path + "?type=fax", Token: tt, WantStatus: 400, WantField: "type"},
		{Name: "lead filters do not apply here", Method: "GET", Path: path + "?status=new", Token: tt, WantStatus: 400, WantField: "status"},
		{Name: "limit over 100", Method: "GET", Path: path + "?limit=500", Token: tt, WantStatus: 400, WantField: "limit"},
		{Name: "bad cursor", Method: "GET", Path: path + "?cursor=xyz", Token: tt, WantStatus: 400, WantField: "cursor"},
		{Name: "bad lead id", Method: "GET", Path: "/api/leads/123/interactions", Token: tt, WantStatus: 400, WantField: "id"},
		{Name: "no token", Method: "GET", Path: path, WantStatus: 401},
	})

	t.Run("cursor pages through everything", func(t *testing.T) {
		r := a.do(t, "GET", path+"?limit=3", nil, tt)
		first := ids(t, r)
		r = a.do(t, "GET", path+"?limit=3&cursor="+url.QueryEscape(*decode(t, r).Pagination.NextCursor), nil, tt)
		sameIDs(t, append(first, ids(t, r)...), it[3], it[2], it[1], it[0])
		pagination(nil, 3, 4, 2, false)(t, r)
	})
	t.Run("a deleted lead's interactions are gone", func(t *testing.T) {
		if _, err := a.DB.NewUpdate().Table("leads").Set("deleted_at = now()").Where("id = ?", own.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		servertest.Check(t, servertest.Scenario{WantStatus: 404, WantCode: "NOT_FOUND"}, a.do(t, "GET", path, nil, mt))
	})
}

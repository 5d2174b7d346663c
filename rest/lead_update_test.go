package rest_test

import (
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestLeadUpdate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	company, notes := "Acme", "call after 5"
	own := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID, l.Company, l.Notes = &tc.ID, &company, &notes })
	theirs := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &other.ID })
	path := "/api/leads/" + own.ID.String()
	future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)

	a.run(t, []servertest.Scenario{
		{Name: "patch changes only what is given", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"name": "Renamed", "status": "qualified"},
			WantStatus: 200, WantContains: []string{`"name":"Renamed"`, `"status":"qualified"`, `"company":"Acme"`, `"notes":"call after 5"`, `"version":2`},
			After: header("ETag", `"2"`)},
		{Name: "put is a partial update too", Method: "PUT", Path: path, Token: tt, Body: map[string]any{"priority": "high", "tags": []string{"vip"}},
			WantStatus: 200, WantContains: []string{`"priority":"high"`, `"tags":["vip"]`, `"name":"Renamed"`, `"version":3`}, After: header("ETag", `"3"`)},
		{Name: "null clears a nullable field, absent leaves it", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"company": nil},
			WantStatus: 200, WantContains: []string{`"company":null`, `"notes":"call after 5"`}},
		{Name: "follow-up is set", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"nextFollowUpAt": future},
			WantStatus: 200, WantAbsent: []string{`"nextFollowUpAt":null`}},
		{Name: "follow-up cleared with null", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"nextFollowUpAt": nil},
			WantStatus: 200, WantContains: []string{`"nextFollowUpAt":null`, `"version":6`}},
		{Name: "If-Match with the current version", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "v6"},
			Headers: []string{"If-Match", `"6"`}, WantStatus: 200, WantContains: []string{`"version":7`}},
		{Name: "weak If-Match", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "v7"},
			Headers: []string{"If-Match", `W/"7"`}, WantStatus: 200, WantContains: []string{`"version":8`}},
		{Name: "bare If-Match digits", Method: "PUT", Path: path, Token: tt, Body: map[string]any{"notes": "v8"},
			Headers: []string{"If-Match", `8`}, WantStatus: 200, WantContains: []string{`"version":9`}},
		{Name: "If-Match any version", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "v9"},
			Headers: []string{"If-Match", `*`}, WantStatus: 200, WantContains: []string{`"version":10`}},
		{Name: "body version", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "v10", "version": 10},
			WantStatus: 200, WantContains: []string{`"version":11`}},
		{Name: "stale If-Match", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "late"}, Headers: []string{"If-Match", `"3"`},
			WantStatus: 409, WantCode: "CONFLICT", WantField: "version", WantContains: []string{`"meta":{"currentVersion":11}`}},
		{Name: "stale body version", Method: "PUT", Path: path, Token: tt, Body: map[string]any{"notes": "late", "version": 2},
			WantStatus: 409, WantCode: "CONFLICT", WantField: "version"},
		{Name: "If-Match and body version disagree", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"version": 11},
			Headers: []string{"If-Match", `"10"`}, WantStatus: 400, WantField: "version"},
		{Name: "If-Match is not a version", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{}, Headers: []string{"If-Match", `"abc"`},
			WantStatus: 400, WantField: "If-Match"},
		{Name: "If-Match list", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{}, Headers: []string{"If-Match", `"1", "2"`},
			WantStatus: 400, WantField: "If-Match"},
		{Name: "version zero", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"version": 0}, WantStatus: 400, WantField: "version"},
		{Name: "version is a string", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"version": "11"}, WantStatus: 400, WantField: "version"},
		{Name: "the version after a failed update is unchanged", Method: "GET", Path: path, Token: tt, WantStatus: 200, After: header("ETag", `"11"`)},
		{Name: "email and phone cannot both go", Method: "PATCH", Path: path, Token: mt, Body: map[string]any{"email": nil, "phone": nil},
			WantStatus: 400, WantCode: "VALIDATION_ERROR"},
		{Name: "upper-case status", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"status": "NEW"}, WantStatus: 400, WantField: "status",
			WantContains: []string{"must be one of new, contacted"}},
		{Name: "read-only field", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"id": own.ID}, WantStatus: 400, WantField: "id",
			WantContains: []string{`"message":"Unknown field \"id\"."`}},
		{Name: "telecaller cannot reassign", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"assignedToId": other.ID}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "manager reassigns", Method: "PATCH", Path: path, Token: mt, Body: map[string]any{"assignedToId": other.ID}, WantStatus: 200,
			WantContains: []string{`"assignedToId":"` + other.ID.String() + `"`}},
		{Name: "the old assignee lost it", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"name": "x"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "manager unassigns with null", Method: "PATCH", Path: path, Token: mt, Body: map[string]any{"assignedToId": nil}, WantStatus: 200,
			WantContains: []string{`"assignedToId":null`}},
		{Name: "telecaller cannot update another's lead", Method: "PATCH", Path: "/api/leads/" + theirs.ID.String(), Token: tt,
			Body: map[string]any{"name": "mine now"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "follow-up in the past", Method: "PATCH", Path: path, Token: mt, Body: map[string]any{"nextFollowUpAt": "2001-01-01T00:00:00Z"}, WantStatus: 400, WantField: "nextFollowUpAt"},
		{Name: "duplicate email", Method: "PATCH", Path: path, Token: mt, Body: map[string]any{"email": *theirs.Email}, WantStatus: 409, WantCode: "CONFLICT", WantField: "email"},
		{Name: "no token", Method: "PATCH", Path: path, Body: map[string]any{"name": "x"}, WantStatus: 401},
		{Name: "bad id", Method: "PUT", Path: "/api/leads/zzz", Token: mt, Body: map[string]any{"name": "x"}, WantStatus: 400, WantField: "id"},
	})
}

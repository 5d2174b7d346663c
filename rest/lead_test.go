package rest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// lead is the REST JSON of a lead, as the tests read it.
type lead struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Email          *string        `json:"email"`
	Phone          *string        `json:"phone"`
	PhoneE164      *string        `json:"phoneE164"`
	Company        *string        `json:"company"`
	Status         string         `json:"status"`
	Source         string         `json:"source"`
	Priority       string         `json:"priority"`
	AssignedToID   *string        `json:"assignedToId"`
	Notes          *string        `json:"notes"`
	Tags           []string       `json:"tags"`
	CustomFields   map[string]any `json:"customFields"`
	NextFollowUpAt *time.Time     `json:"nextFollowUpAt"`
	AttemptCount   int            `json:"attemptCount"`
	Version        int            `json:"version"`
	DeletedAt      *time.Time     `json:"deletedAt"`
}

// header returns an After hook checking one response header.
func header(name, want string) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestLeadCreate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	existing := a.SeedLead(t, nil)
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)

	a.run(t, []servertest.Scenario{
		{Name: "manager creates with every field", Method: "POST", Path: "/api/leads", Token: mt,
			Body: map[string]any{"name": " Asha Rao ", "email": "Asha@Example.com", "phone": "+91 98100 12345", "company": "Rao & Sons",
				"source": "referral", "status": "interested", "priority": "urgent", "assignedToId": other.ID, "notes": "met at expo",
				"tags": []string{"expo", "expo", "q4"}, "customFields": map[string]any{"city": "Pune"}, "nextFollowUpAt": future},
			WantStatus: 201,
			WantContains: []string{`"success":true`, `"name":"Asha Rao"`, `"email":"asha@example.com"`, `"phoneE164":"+919810012345"`,
				`"source":"referral"`, `"status":"interested"`, `"priority":"urgent"`, `"assignedToId":"` + other.ID.String() + `"`,
				`"tags":["expo","q4"]`, `"customFields":{"city":"Pune"}`, `"version":1`, `"createdById":"` + mgr.ID.String() + `"`},
			After: func(t *testing.T, r *servertest.Response) {
				l := data[lead](t, r)
				header("ETag", `"1"`)(t, r)
				header("Location", "/api/leads/"+l.ID)(t, r)
			}},
		{Name: "defaults apply", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": "Plain", "email": "plain@example.com"},
			WantStatus: 201, WantContains: []string{`"status":"new"`, `"source":"other"`, `"priority":"medium"`, `"assignedToId":null`, `"tags":[]`, `"customFields":{}`}},
		{Name: "nulls for optional fields are accepted", Method: "POST", Path: "/api/leads", Token: mt,
			Body:       map[string]any{"name": "Nulls", "email": "nulls@example.com", "phone": nil, "source": nil, "tags": nil, "customFields": nil},
			WantStatus: 201, WantContains: []string{`"phone":null`, `"source":"other"`}},
		{Name: "telecaller's lead is assigned to them", Method: "POST", Path: "/api/leads", Token: tt, Body: map[string]any{"name": "Mine", "phone": "+91 98100 00002"},
			WantStatus: 201, WantContains: []string{`"assignedToId":"` + tc.ID.String() + `"`}},
		{Name: "telecaller cannot assign to another", Method: "POST", Path: "/api/leads", Token: tt,
			Body: map[string]any{"name": "X", "email": "x1@example.com", "assignedToId": other.ID}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "no token", Method: "POST", Path: "/api/leads", Body: map[string]any{"name": "X", "email": "x2@example.com"}, WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "no token beats a bad body", Method: "POST", Path: "/api/leads", Body: "{", WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "duplicate phone in another format", Method: "POST", Path: "/api/leads", Token: mt,
			Body:     map[string]any{"name": "Dup", "phone": strings.TrimPrefix(*existing.PhoneE164, "+91")},
			WantCode: "CONFLICT", WantStatus: 409, WantField: "phone", WantContains: []string{`"meta":{"existingLeadId":"` + existing.ID.String() + `"}`}},
		{Name: "neither phone nor email", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": "X"}, WantStatus: 400, WantField: "phone"},
		{Name: "blank name", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": "  ", "email": "x3@example.com"}, WantStatus: 400, WantField: "name"},
		{Name: "missing name", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"email": "x4@example.com"}, WantStatus: 400, WantField: "name",
			WantContains: []string{`"message":"Invalid name: is required"`}},
		{Name: "null name", Method: "POST", Path: "/api/leads", Token: mt, Body: map[string]any{"name": nil, "email": "x5@example.com"}, WantStatus: 400, WantField: "name"},
		{Name: "follow-up in the past", Method: "POST", Path: "/api/leads", Token: mt,
			Body: map[string]any{"name": "X", "email": "x6@example.com", "nextFollowUpAt": "2020-01-01T00:00:00Z"}, WantStatus: 400, WantField: "nextFollowUpAt"},
		{Name: "unknown assignee", Method: "POST", Path: "/api/leads", Token: mt,
			Body: map[string]any{"name": "X", "email": "x7@example.com", "assignedToId": uuid.New()}, WantStatus: 400, WantField: "assignedToId"},
	})
}

func TestLeadGet(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	own := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	theirs := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &other.ID })
	unassigned := a.SeedLead(t, nil)
	gone := a.SeedLead(t, nil)
	a.do(t, "DELETE", "/api/leads/"+gone.ID.String(), nil, mt)

	a.run(t, []servertest.Scenario{
		{Name: "manager reads any lead", Method: "GET", Path: "/api/leads/" + theirs.ID.String(), Token: mt, WantStatus: 200,
			WantContains: []string{`"id":"` + theirs.ID.String() + `"`, `"deletedAt":null`}, After: header("ETag", `"1"`)},
		{Name: "telecaller reads their own lead", Method: "GET", Path: "/api/leads/" + own.ID.String(), Token: tt, WantStatus: 200},
		{Name: "telecaller cannot read another's lead", Method: "GET", Path: "/api/leads/" + theirs.ID.String(), Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "telecaller cannot read an unassigned lead", Method: "GET", Path: "/api/leads/" + unassigned.ID.String(), Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "deleted lead", Method: "GET", Path: "/api/leads/" + gone.ID.String(), Token: mt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "no such lead", Method: "GET", Path: "/api/leads/" + uuid.NewString(), Token: mt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "id is not a uuid", Method: "GET", Path: "/api/leads/42", Token: mt, WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: "id"},
		{Name: "id without dashes", Method: "GET", Path: "/api/leads/" + strings.ReplaceAll(own.ID.String(), "-", ""), Token: mt, WantStatus: 400, WantField: "id"},
		{Name: "id with an injected quote", Method: "GET", Path: "/api/leads/1'%20OR%20'1'='1", Token: mt, WantStatus: 400, WantField: "id"},
		{Name: "unknown query parameter", Method: "GET", Path: "/api/leads/" + own.ID.String() + "?include=all", Token: mt, WantStatus: 400, WantField: "include"},
		{Name: "no token", Method: "GET", Path: "/api/leads/" + own.ID.String(), WantStatus: 401, WantCode: "UNAUTHORIZED"},
	})
}

func TestLeadDelete(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	own := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	path := "/api/leads/" + own.ID.String()

	a.run(t, []servertest.Scenario{
		{Name: "telecaller may not delete, even their own", Method: "DELETE", Path: path, Token: tt, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "manager soft-deletes and gets the lead back", Method: "DELETE", Path: path, Token: mt, WantStatus: 200,
			WantContains: []string{`"id":"` + own.ID.String() + `"`, `"version":2`}, WantAbsent: []string{`"deletedAt":null`},
			After: func(t *testing.T, r *servertest.Response) {
				if data[lead](t, r).DeletedAt == nil {
					t.Error("deletedAt is not set")
				}
				header("ETag", `"2"`)(t, r)
			}},
		{Name: "a deleted lead is gone", Method: "GET", Path: path, Token: mt, WantStatus: 404},
		{Name: "deleting twice", Method: "DELETE", Path: path, Token: mt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "bad id", Method: "DELETE", Path: "/api/leads/nope", Token: mt, WantStatus: 400, WantField: "id"},
		{Name: "no token", Method: "DELETE", Path: path, WantStatus: 401},
	})
}

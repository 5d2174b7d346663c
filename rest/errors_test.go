package rest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestErrorEnvelopes pins the whole body of one answer per error status:
// the seed's envelope, the code, the message and details.
func TestErrorEnvelopes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	l := a.SeedLead(t, nil)
	missing := uuid.NewString()
	big := `{"name":"` + strings.Repeat("x", int(a.Config.MaxBodyBytes)) + `"}`

	rows := []struct {
		name, method, path, body, token string
		headers                         []string
		status                          int
		want                            string
	}{
		{"400 bad field", "POST", "/api/leads", `{"name":"x","email":"x@example.com","status":"NEW"}`, mt, nil, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"Invalid status: must be one of new, contacted, interested, follow_up, qualified, converted, not_interested, lost, do_not_call","details":{"field":"status","message":"must be one of new, contacted, interested, follow_up, qualified, converted, not_interested, lost, do_not_call"}}}`},
		{"400 bad path id", "GET", "/api/leads/123", "", mt, nil, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"Invalid id: must be a UUID","details":{"field":"id","message":"must be a UUID"}}}`},
		{"400 malformed body", "POST", "/api/leads", `{"name"`, mt, nil, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"Invalid body: is not valid JSON: it ends too early","details":{"field":"body","message":"is not valid JSON: it ends too early"}}}`},
		{"401 no token", "GET", "/api/leads", "", "", nil, 401,
			`{"success":false,"error":{"code":"UNAUTHORIZED","message":"Authentication required: send Authorization: Bearer <token>."}}`},
		{"401 bad token", "GET", "/api/leads", "", "eyJhbGciOiJIUzI1NiJ9.e30.x", nil, 401, ""},
		{"403 telecaller deletes", "DELETE", "/api/leads/" + l.ID.String(), "", tt, nil, 403,
			`{"success":false,"error":{"code":"FORBIDDEN","message":"Only managers and admins can delete leads."}}`},
		{"404 no such lead", "GET", "/api/leads/" + missing, "", mt, nil, 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"Lead not found."}}`},
		{"404 no such endpoint", "GET", "/api/contacts", "", mt, nil, 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"No such endpoint: GET /api/contacts."}}`},
		{"405 wrong method", "DELETE", "/api/leads", "", mt, nil, 405,
			`{"success":false,"error":{"code":"METHOD_NOT_ALLOWED","message":"DELETE is not allowed on /api/leads; use GET, HEAD, POST."}}`},
		{"409 stale version", "PATCH", "/api/leads/" + l.ID.String(), `{"notes":"x"}`, mt, []string{"If-Match", `"7"`}, 409,
			`{"success":false,"error":{"code":"CONFLICT","message":"The lead was changed by someone else (now at version 1); reload and retry.","details":{"field":"version","message":"does not match the current version"},"meta":{"currentVersion":1}}}`},
		{"409 duplicate", "POST", "/api/leads", `{"name":"Dup","email":"` + *l.Email + `"}`, mt, nil, 409,
			`{"success":false,"error":{"code":"CONFLICT","message":"A lead with this email already exists (` + l.ID.String() + `).","details":{"field":"email","message":"already in use"},"meta":{"existingLeadId":"` + l.ID.String() + `"}}}`},
		{"413 body too large", "POST", "/api/leads", big, mt, nil, 413,
			`{"success":false,"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is larger than 1048576 bytes."}}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var body any
			if row.body != "" {
				body = row.body
			}
			r := a.do(t, row.method, row.path, body, row.token, row.headers...)
			if r.Status != row.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, row.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var got bytes.Buffer
			if err := json.Compact(&got, r.Body); err != nil {
				t.Fatalf("not JSON: %s", r.Body)
			}
			if row.want != "" && got.String() != row.want {
				t.Errorf("body =\n%s\nwant\n%s", got.String(), row.want)
			}
			codes := map[int]string{400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
				405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE"}
			servertest.Check(t, servertest.Scenario{WantCode: codes[row.status], WantContains: []string{`{"success":false,"error":{"code":"`}}, r)
		})
	}
}

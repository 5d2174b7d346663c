package rest_test

import (
	"encoding/json"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestSeedDocsExamples runs the SDK examples of the public documentation
// (../shared/seed-api-docs.txt) as their clients send them, with only the
// host and the token swapped.
func TestSeedDocsExamples(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	token := a.Token(t, a.SeedUser(t, db.RoleManager))
	newLead := a.SeedLead(t, nil)
	a.SeedLead(t, func(l *db.Lead) { l.Status = db.StatusContacted })

	// Python requests: headers as written, json= body, plus what requests adds.
	python := []string{"Authorization", "Bearer " + token, "Content-Type", "application/json",
		"User-Agent", "python-requests/2.32.3", "Accept", "*/*", "Accept-Encoding", "gzip, deflate", "Connection", "keep-alive"}
	pythonBody := map[string]any{"name": "John Doe", "email": "john@example.com", "phone": "123-456-7890", "company": "Acme Corp"}

	// curl -d sends the text between the quotes byte for byte.
	curlBody := `{
    "name": "John Doe",
    "email": "john@example.com",
    "phone": "123-456-7890",
    "company": "Acme Corp"
  }`
	curl := []string{"Authorization", "Bearer your_jwt_token", "Content-Type", "application/json", "User-Agent", "curl/8.5.0", "Accept", "*/*"}
	curl[1] = "Bearer " + token

	// fetch: JSON.stringify(leadData) with the two headers of the example.
	fetchBody := `{"name":"Jane Roe","email":"jane@example.com","phone":"+91 98765 43210","company":"Globex"}`
	fetch := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token, "Accept", "*/*"}

	// axios: baseURL /api, params {page: 1, limit: 20, status: 'new'}.
	axios := []string{"Authorization", "Bearer " + token, "Accept", "application/json, text/plain, */*", "User-Agent", "axios/1.7.9"}

	a.run(t, []servertest.Scenario{
		{Name: "python requests: create lead", Method: "POST", Path: "/api/leads", Body: pythonBody, Headers: python, WantStatus: 201,
			WantContains: []string{`"success":true`, `"name":"John Doe"`, `"email":"john@example.com"`, `"phone":"123-456-7890"`,
				`"phoneE164":"+911234567890"`, `"company":"Acme Corp"`, `"status":"new"`},
			After: func(t *testing.T, r *servertest.Response) {
				// lead = response.json(): the lead is in data.
				var lead struct {
					Success bool `json:"success"`
					Data    struct {
						ID        string `json:"id"`
						PhoneE164 string `json:"phoneE164"`
					} `json:"data"`
				}
				if err := json.Unmarshal(r.Body, &lead); err != nil || !lead.Success || lead.Data.ID == "" || lead.Data.PhoneE164 != "+911234567890" {
					t.Fatalf("response.json() = %s (%v)", r.Body, err)
				}
				// The curl example creates the same person: make room for it.
				servertest.Check(t, servertest.Scenario{WantStatus: 200}, a.do(t, "DELETE", "/api/leads/"+lead.Data.ID, nil, token))
			}},
		{Name: "curl: create lead", Method: "POST", Path: "/api/leads", Body: curlBody, Headers: curl, WantStatus: 201,
			WantContains: []string{`"name":"John Doe"`, `"phoneE164":"+911234567890"`}},
		{Name: "curl: the same lead again is a duplicate", Method: "POST", Path: "/api/leads", Body: curlBody, Headers: curl,
			WantStatus: 409, WantCode: "CONFLICT", WantField: "phone"},
		{Name: "fetch: create lead", Method: "POST", Path: "/api/leads", Body: fetchBody, Headers: fetch, WantStatus: 201,
			WantContains: []string{`"phoneE164":"+919876543210"`}},
		{Name: "curl: get leads", Method: "GET", Path: "/api/leads?page=1&limit=20", Headers: curl[:2], WantStatus: 200,
			WantContains: []string{`"success":true`, `"pagination":{"page":1,"limit":20,"total":4,"totalIsEstimate":false,"totalPages":1,"hasNext":false,"nextCursor":null}`}},
		{Name: "axios: get new leads", Method: "GET", Path: "/api/leads?page=1&limit=20&status=new", Headers: axios, WantStatus: 200,
			WantContains: []string{`"pagination":{"page":1,"limit":20,"total":3,"totalIsEstimate":false,"totalPages":1,"hasNext":false,"nextCursor":null}`, newLead.ID.String()},
			WantAbsent:   []string{`"status":"contacted"`}},
		{Name: "an anonymous client gets the documented 401", Method: "GET", Path: "/api/leads?page=1&limit=20", WantStatus: 401,
			WantContains: []string{`{"success":false,"error":{"code":"UNAUTHORIZED","message":"Authentication required: send Authorization: Bearer <token>."}}`}},
	})
}

package rest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	post := func(name, body string, field string, contains ...string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "POST", Path: "/api/leads", Body: body, Token: mt,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field, WantContains: contains}
	}
	a.run(t, []servertest.Scenario{
		post("malformed JSON", `{"name": "x",}`, "body", "is not valid JSON (at byte 14)"),
		post("truncated JSON", `{"name":`, "body", "is not valid JSON: it ends too early"),
		post("two JSON values", `{"name":"x","email":"a@example.com"} {}`, "body", "must hold exactly one JSON value"),
		post("trailing garbage", `{"name":"x","email":"a@example.com"}xyz`, "body", "must hold exactly one JSON value"),
		post("an array", `[{"name":"x"}]`, "body", "must be a JSON object"),
		post("null", `null`, "body", "must be a JSON object"),
		post("a string", `"John Doe"`, "body", "must be a JSON object"),
		post("empty body", ``, "body", "is required"),
		post("whitespace only", " \n\t ", "body", "is required"),
		post("unknown field", `{"name":"x","email":"a@example.com","foo":1}`, "foo", `"message":"Unknown field \"foo\"."`),
		post("field names are case-sensitive", `{"Name":"x","email":"a@example.com"}`, "Name"),
		post("snake_case field name", `{"name":"x","email":"a@example.com","assigned_to":null}`, "assigned_to"),
		post("duplicate key", `{"name":"x","name":"y","email":"a@example.com"}`, "name", "is given twice"),
		post("name is a number", `{"name":123,"email":"a@example.com"}`, "name", `"message":"Invalid name: must be a string"`),
		post("email is a boolean", `{"name":"x","email":true}`, "email", "must be a string"),
		post("tags is a string", `{"name":"x","email":"a@example.com","tags":"vip"}`, "tags", "must be an array of strings"),
		post("tags holds a number", `{"name":"x","email":"a@example.com","tags":[1]}`, "tags", "must be an array of strings"),
		post("customFields is an array", `{"name":"x","email":"a@example.com","customFields":[1]}`, "customFields", "must be a JSON object"),
		post("customFields holds a huge number", `{"name":"x","email":"a@example.com","customFields":{"n":1e400}}`, "customFields"),
		post("assignedToId is a number", `{"name":"x","email":"a@example.com","assignedToId":42}`, "assignedToId", "must be a UUID"),
		post("assignedToId is not a uuid", `{"name":"x","email":"a@example.com","assignedToId":"42"}`, "assignedToId", "must be a UUID"),
		post("time is a number", `{"name":"x","email":"a@example.com","nextFollowUpAt":1767225600}`, "nextFollowUpAt", "RFC 3339"),
		post("time without a zone", `{"name":"x","email":"a@example.com","nextFollowUpAt":"2099-01-01T10:00:00"}`, "nextFollowUpAt", "RFC 3339"),
		post("upper-case enum", `{"name":"x","email":"a@example.com","status":"NEW"}`, "status", "must be one of new, contacted"),
		post("bogus enum", `{"name":"x","email":"a@example.com","source":"bogus"}`, "source", "must be one of website, referral"),
		post("enum is a number", `{"name":"x","email":"a@example.com","priority":1}`, "priority"),
		post("deep nesting", `{"name":"x","customFields":{"a":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}}`, "body"),
		{Name: "text/plain is refused", Method: "POST", Path: "/api/leads", Body: `{"name":"x","email":"a@example.com"}`, Token: mt,
			Headers: []string{"Content-Type", "text/plain"}, WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: "Content-Type",
			WantContains: []string{`"message":"The request body must be JSON: send Content-Type: application/json."`}},
		{Name: "a form post (curl -d without -H) is refused", Method: "POST", Path: "/api/leads", Body: `name=x`, Token: mt,
			Headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, WantStatus: 400, WantField: "Content-Type"},
		{Name: "charset parameter is fine", Method: "POST", Path: "/api/leads", Body: `{"name":"Charset","email":"charset@example.com"}`, Token: mt,
			Headers: []string{"Content-Type", "application/json; charset=utf-8"}, WantStatus: 201},
		{Name: "control characters are stored safely", Method: "POST", Path: "/api/leads", Body: `{"name":"Tab\there","email":"ctl@example.com"}`, Token: mt,
			WantStatus: 201, WantContains: []string{`"name":"Tab\there"`}},
	})
}

// TestPayloadTooLarge covers both ways a body can be over the limit: a
// declared Content-Length (refused before reading) and a chunked body
// (refused while decoding).
func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	big := []byte(`{"name":"big","email":"big@example.com","notes":"` + strings.Repeat("x", int(a.Config.MaxBodyBytes)) + `"}`)
	want := `{"success":false,"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is larger than 1048576 bytes."}}`

	t.Run("declared length", func(t *testing.T) {
		r := a.do(t, "POST", "/api/leads", big, mt)
		servertest.Check(t, servertest.Scenario{WantStatus: 413, WantCode: "PAYLOAD_TOO_LARGE", WantContains: []string{want}}, r)
	})
	t.Run("chunked", func(t *testing.T) {
		req, err := http.NewRequest("POST", a.Server.URL+"/api/leads", io.MultiReader(bytes.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+mt)
		if req.ContentLength != 0 {
			t.Fatalf("ContentLength = %d, want unknown", req.ContentLength)
		}
		r := a.send(t, req, big)
		servertest.Check(t, servertest.Scenario{WantStatus: 413, WantCode: "PAYLOAD_TOO_LARGE", WantContains: []string{want}}, r)
	})
	t.Run("patch", func(t *testing.T) {
		l := a.SeedLead(t, nil)
		r := a.do(t, "PATCH", "/api/leads/"+l.ID.String(), big, mt)
		servertest.Check(t, servertest.Scenario{WantStatus: 413, WantCode: "PAYLOAD_TOO_LARGE"}, r)
	})
}

// TestGarbageIsNeverAServerError throws malformed input at every write route
// and some hostile query strings at the list routes: each answer must be a
// 4xx in the error envelope (api.do checks the envelope).
func TestGarbageIsNeverAServerError(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	l := a.SeedLead(t, nil)
	id := l.ID.String()
	bodies := []string{
		``, `{`, `}`, `[]`, `0`, `-1e999`, `true`, `"\u0000"`, `{"":""}`, `{"name":null}`, `{"name":{}}`, `{"name":[]}`,
		`{"name":"\u0000"}`, `{"name":"x","email":"\u0000@example.com"}`, `{"name":"x","phone":"+91\u0000"}`,
		`{"name":"x","email":"a@example.com","customFields":{"\u0000":1}}`, `{"name":"x","email":"a@example.com","tags":["\u0000"]}`,
		`{"name":"x","email":"a@example.com","notes":"\ud800"}`, `{"type":"call","durationSeconds":9223372036854775808}`,
		`{"type":"call","durationSeconds":-9223372036854775809}`, `{"type":"call","durationSeconds":1.5}`, `{"type":"call","notes":"\u0000"}`,
		`{"type":"call","occurredAt":"0000-01-01T00:00:00Z"}`, `{"type":"call","followUpAt":"9999-12-31T23:59:59Z"}`,
		`{"type":"call","occurredAt":"2026-13-45T99:99:99Z"}`, `{"version":1e400}`, `{"version":-1}`, `{"version":null,"name":""}`,
		`{"name":"x","email":"a@example.com","nextFollowUpAt":"275760-09-13T00:00:00Z"}`, "\xff\xfe{}",
	}
	targets := []struct{ method, path string }{
		{"POST", "/api/leads"}, {"PATCH", "/api/leads/" + id}, {"PUT", "/api/leads/" + id}, {"POST", "/api/leads/" + id + "/interactions"},
	}
	for _, tg := range targets {
		for _, b := range bodies {
			r := a.do(t, tg.method, tg.path, b, mt)
			if r.Status < 400 && r.Status != 200 && r.Status != 201 || r.Status >= 500 {
				t.Errorf("%s %s %q → %d: %s", tg.method, tg.path, b, r.Status, r.Body)
			}
		}
	}
	queries := []string{
		"page=%00", "limit=%FF", "status=%00", "search=%00", "search=%27%3B%20DROP%20TABLE%20leads%3B--", "tag=%00",
		"assignedTo=%00", "createdFrom=%00", "cursor=" + strings.Repeat("A", 5000), "sort=%00", "sort=-", "sort=--name",
		"createdFrom=-0001-01-01", "createdFrom=99999-01-01", "createdFrom=0000-01-01T00:00:00Z", "createdTo=0001-01-01T00:00:00%2B01:00",
		"search=%E2%80%AE%F0%9F%98%80", "search=%FF%FE", "tag=%C0%80", "type=%FF", "assignedTo=%FF", "cursor=%FF",
	}
	for _, q := range queries {
		for _, p := range []string{"/api/leads?", "/api/leads/" + id + "/interactions?"} {
			r := a.do(t, "GET", p+q, nil, mt)
			if r.Status >= 500 {
				t.Errorf("GET %s%s → %d: %s", p, q, r.Status, r.Body)
			}
		}
	}
}

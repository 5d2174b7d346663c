package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph"
	"github.com/telecaller-crm/api/rest"
	"github.com/telecaller-crm/api/server/servertest"
)

// handler builds the REST handler alone; routing needs no database.
func handler() *rest.Handler {
	return rest.New(graph.NewResolver(nil, nil, graph.Settings{}), nil)
}

// docPath is the document's path for a mux pattern (servers: /api).
func docPath(pattern string) string { return strings.TrimPrefix(pattern, "/api") }

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api" {
		t.Errorf("servers = %v, want the one /api", doc.Servers)
	}
}

// TestEveryRouteIsDocumented fails when the mux serves a route, or takes a
// query parameter, that the document lacks, and the other way round.
func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, rt := range handler().Routes() {
		key := rt.Method + " " + rt.Path
		served[key] = true
		item := doc.Paths.Value(docPath(rt.Path))
		if item == nil || item.GetOperation(rt.Method) == nil {
			t.Errorf("route %s is served but not in the OpenAPI document", key)
			continue
		}
		var params []string
		for _, p := range append(item.Parameters, item.GetOperation(rt.Method).Parameters...) {
			if p.Value.In == "query" {
				params = append(params, p.Value.Name)
			}
		}
		slices.Sort(params)
		query := slices.Sorted(slices.Values(rt.Query))
		if !slices.Equal(params, query) {
			t.Errorf("route %s takes query parameters %v; the document lists %v", key, query, params)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if key := method + " /api" + path; !served[key] {
				t.Errorf("the document has %s, which no route serves", key)
			}
		}
	}
}

// TestDocumentedOperationsReachTheirHandlers sends every documented
// operation to the handler, anonymously: data routes must answer 401 (the
// route exists and asks for a token), documentation routes 200.
func TestDocumentedOperationsReachTheirHandlers(t *testing.T) {
	t.Parallel()
	doc, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	h := handler()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			target := "/api" + strings.ReplaceAll(path, "{id}", uuid.NewString())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
			want := http.StatusUnauthorized
			if op.Security != nil && len(*op.Security) == 0 {
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Errorf("%s %s → %d, want %d: %s", method, target, rec.Code, want, rec.Body)
			}
		}
	}
}

// TestErrorCodesAreDocumented keeps the document's ErrorCode enum equal to
// the codes REST can answer with.
func TestErrorCodesAreDocumented(t *testing.T) {
	t.Parallel()
	doc, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{apperr.Unauthorized, apperr.Forbidden, apperr.NotFound, apperr.Validation, apperr.Conflict,
		apperr.PayloadTooLarge, apperr.MethodNotAllowed, apperr.RateLimited, apperr.Internal, apperr.ServiceUnavailable}
	var documented []string
	for _, v := range doc.Components.Schemas["ErrorCode"].Value.Enum {
		documented = append(documented, v.(string))
	}
	slices.Sort(codes)
	slices.Sort(documented)
	if !slices.Equal(codes, documented) {
		t.Errorf("ErrorCode enum = %v, want %v", documented, codes)
	}
	for _, c := range codes {
		if !strings.Contains(doc.Components.Schemas["ErrorCode"].Value.Description, c) {
			t.Errorf("ErrorCode description does not give the status of %s", c)
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tok := a.Token(t, a.SeedUser(t, db.RoleManager))
	id := uuid.NewString()
	notAllowed := func(allow string) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) {
			if got := r.Header.Get("Allow"); got != allow {
				t.Errorf("Allow = %q, want %q", got, allow)
			}
		}
	}
	a.run(t, []servertest.Scenario{
		{Name: "unknown path", Method: "GET", Path: "/api/nope", Token: tok, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "unknown path without a token is still 404", Method: "GET", Path: "/api/leads/" + id + "/calls", WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "trailing slash is another path", Method: "GET", Path: "/api/leads/", Token: tok, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "delete on the collection", Method: "DELETE", Path: "/api/leads", Token: tok, WantStatus: 405, WantCode: "METHOD_NOT_ALLOWED",
			After: notAllowed("GET, HEAD, POST")},
		{Name: "post on a lead", Method: "POST", Path: "/api/leads/" + id, Body: map[string]any{}, Token: tok, WantStatus: 405, WantCode: "METHOD_NOT_ALLOWED",
			After: notAllowed("DELETE, GET, HEAD, PATCH, PUT")},
		{Name: "put on interactions", Method: "PUT", Path: "/api/leads/" + id + "/interactions", Token: tok, WantStatus: 405,
			After: notAllowed("GET, HEAD, POST")},
		{Name: "get on bulk is not a lead id", Method: "GET", Path: "/api/leads/bulk", Token: tok, WantStatus: 405, After: notAllowed("POST")},
		{Name: "patch on import is not a lead id", Method: "PATCH", Path: "/api/leads/import", Token: tok, WantStatus: 405, After: notAllowed("POST")},
		{Name: "post on me", Method: "POST", Path: "/api/me", Token: tok, WantStatus: 405, After: notAllowed("GET, HEAD")},
		{Name: "wrong method without a token is 405", Method: "PATCH", Path: "/api/openapi.json", WantStatus: 405, After: notAllowed("GET, HEAD")},
		{Name: "me", Method: "GET", Path: "/api/me", Token: tok, WantStatus: 200, WantContains: []string{`"role":"manager"`}},
		{Name: "me rejects query parameters", Method: "GET", Path: "/api/me?x=1", Token: tok, WantStatus: 400, WantField: "x"},
		{Name: "me without a token", Method: "GET", Path: "/api/me", WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "me with a bad token", Method: "GET", Path: "/api/me", Token: "not.a.jwt", WantStatus: 401, WantCode: "UNAUTHORIZED"},
	})
}

func TestDocsAreServed(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.run(t, []servertest.Scenario{
		{Name: "openapi document without a token", Method: "GET", Path: "/api/openapi.json", WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
				}
				if string(r.Body) != string(rest.OpenAPI()) {
					t.Error("served document differs from rest.OpenAPI()")
				}
				var v map[string]any
				if err := json.Unmarshal(r.Body, &v); err != nil || v["openapi"] != "3.1.0" {
					t.Errorf("not an OpenAPI 3.1 document: %v", err)
				}
			}},
		{Name: "docs page without a token", Method: "GET", Path: "/api/docs", WantStatus: 200,
			WantContains: []string{"<title>Telecaller CRM API</title>", `fetch("openapi.json")`},
			After: func(t *testing.T, r *servertest.Response) {
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
				}
				// Everything is embedded: no CDN, no external script, style or font.
				for _, s := range []string{"http://", "https://", "src=", "<link", "@import"} {
					if strings.Contains(string(r.Body), s) {
						t.Errorf("docs page refers to an external asset (%q)", s)
					}
				}
			}},
		{Name: "docs ignore tokens", Method: "GET", Path: "/api/docs", Token: "garbage", WantStatus: 200},
	})
}

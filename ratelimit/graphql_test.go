package ratelimit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/telecaller-crm/api/ratelimit"
)

// gqlServer is a gqlgen server over a small schema, behind the limiter's
// middleware and extension. ran counts operations that reached execution.
func gqlServer(t testing.TB, l *ratelimit.Limiter) (h http.Handler, ran *atomic.Int64) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { ping: String! }
		type Mutation { bulkCreateLeads: Int! createLead: Int! }
	`})
	ran = new(atomic.Int64)
	srv := handler.New(&graphql.ExecutableSchemaMock{
		ExecFunc: func(context.Context) graphql.ResponseHandler {
			ran.Add(1)
			return graphql.OneShot(&graphql.Response{Data: []byte(`{"ok":true}`)})
		},
		SchemaFunc:     func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) { return 1, true },
	})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(l.Extension())
	return l.Middleware(srv), ran
}

// gqlPost posts a GraphQL query as the given user.
func gqlPost(h http.Handler, user uuid.UUID, query string) *httptest.ResponseRecorder {
	body, _ := json.Marshal(map[string]any{"query": query})
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	r = asUser(user)(r)
	return serve(h, r)
}

func gqlCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var resp struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("not JSON: %s", rec.Body)
	}
	if len(resp.Errors) == 0 {
		return ""
	}
	code, _ := resp.Errors[0].Extensions["code"].(string)
	return code
}

func TestGraphQLCharges(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	tests := []struct {
		name          string
		query         string
		wantLimit     int64 // the reported limit
		wantRemaining int64
	}{
		{"query spends the hourly budget", `{ ping }`, 1000, 999},
		{"plain mutation spends the hourly budget", `mutation { createLead }`, 1000, 999},
		{"bulk mutation spends the bulk budget too", `mutation { bulkCreateLeads }`, 10, 9},
		{"aliased bulk mutations each spend a unit", `mutation { a: bulkCreateLeads b: bulkCreateLeads }`, 10, 8},
		{"bulk mutation through a fragment", `mutation { ...F } fragment F on Mutation { bulkCreateLeads }`, 10, 9},
		{"skipped bulk mutation is free", `mutation { createLead bulkCreateLeads @skip(if: true) }`, 1000, 999},
		{"a parse error is charged too", `{ ping`, 1000, 999},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := gqlServer(t, newLimiter(t, rdb, nil))
			rec := gqlPost(h, uuid.New(), tc.query)
			if l, r := header(t, rec, "X-RateLimit-Limit"), header(t, rec, "X-RateLimit-Remaining"); l != tc.wantLimit || r != tc.wantRemaining {
				t.Errorf("limit/remaining = %d/%d, want %d/%d; body %s", l, r, tc.wantLimit, tc.wantRemaining, rec.Body)
			}
			header(t, rec, "X-RateLimit-Reset")
		})
	}
}

func TestGraphQLBulkMutationLimit(t *testing.T) {
	t.Parallel()
	l := newLimiter(t, redisClient(t), nil)
	h, ran := gqlServer(t, l)
	user := uuid.New()
	for i := 1; i <= 10; i++ {
		if rec := gqlPost(h, user, `mutation { bulkCreateLeads }`); rec.Code != http.StatusOK || gqlCode(t, rec) != "" {
			t.Fatalf("bulk %d: status %d, body %s", i, rec.Code, rec.Body)
		}
	}
	rec := gqlPost(h, user, `mutation { bulkCreateLeads }`)
	wantLimited(t, rec, 10, 6*time.Second)
	if code := gqlCode(t, rec); code != "RATE_LIMITED" {
		t.Errorf("extensions.code = %q, want RATE_LIMITED", code)
	}
	if ran.Load() != 10 {
		t.Errorf("%d operations ran, want 10: the denied one must not", ran.Load())
	}
	// Reads still pass, and the denial did not spend the hourly budget.
	rec = gqlPost(h, user, `{ ping }`)
	if rec.Code != http.StatusOK || header(t, rec, "X-RateLimit-Remaining") != 989 {
		t.Errorf("read after denial: status %d, remaining %q", rec.Code, rec.Header().Get("X-RateLimit-Remaining"))
	}
	// More bulk fields than the budget holds can never run.
	many := "mutation {"
	for i := range 11 {
		many += fmt.Sprintf(" b%d: bulkCreateLeads", i)
	}
	rec = gqlPost(h, uuid.New(), many+" }")
	if rec.Code != http.StatusBadRequest || gqlCode(t, rec) != "VALIDATION_ERROR" {
		t.Errorf("11 bulk fields: status %d, body %s; want 400 VALIDATION_ERROR", rec.Code, rec.Body)
	}
}

func TestGraphQLExhaustedBeforeParsing(t *testing.T) {
	t.Parallel()
	h, ran := gqlServer(t, newLimiter(t, redisClient(t), func(c *ratelimit.Config) { c.AuthPerHour = 1 }))
	user := uuid.New()
	gqlPost(h, user, `{ ping }`)
	// A request that fails before any operation runs is charged and denied
	// as the response starts: the limiter's answer replaces gqlgen's.
	rec := gqlPost(h, user, `{ ping`)
	wantLimited(t, rec, 1, time.Hour)
	if code := gqlCode(t, rec); code != "RATE_LIMITED" {
		t.Errorf("extensions.code = %q, want RATE_LIMITED; body %s", code, rec.Body)
	}
	if ran.Load() != 1 {
		t.Errorf("%d operations ran, want 1", ran.Load())
	}
}

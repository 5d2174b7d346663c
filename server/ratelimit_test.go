package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph"
	"github.com/telecaller-crm/api/ratelimit"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// limitedEnv is a server with rate limiting on, over keys of its own.
func limitedEnv(t *testing.T, edit func(*server.Config)) *servertest.Env {
	t.Helper()
	return servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.RateLimitEnabled = true
		c.RateLimitKeyPrefix = "test:" + uuid.NewString()[:8] + ":"
		if edit != nil {
			edit(c)
		}
	}))
}

// wantHeaders checks the X-RateLimit-* headers of a response.
func wantHeaders(limit, remaining int) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		if got := r.Header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
			t.Errorf("X-RateLimit-Limit = %q, want %d", got, limit)
		}
		if got := r.Header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
			t.Errorf("X-RateLimit-Remaining = %q, want %d", got, remaining)
		}
		if _, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64); err != nil {
			t.Errorf("X-RateLimit-Reset = %q, want Unix seconds", r.Header.Get("X-RateLimit-Reset"))
		}
	}
}

// wantLimited checks a 429's headers; the scenario checks its body.
func wantLimited(limit int) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		wantHeaders(limit, 0)(t, r)
		if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("Retry-After = %q, want whole seconds", r.Header.Get("Retry-After"))
		}
	}
}

func wantNoHeaders(t *testing.T, r *servertest.Response) {
	t.Helper()
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("%s = %q on an unlimited path", h, v)
		}
	}
}

// TestRateLimitHeaders: REST and GraphQL carry the headers and spend one
// budget per caller; anonymous callers, bad tokens included, spend the IP's.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	env := limitedEnv(t, nil)
	tok := env.Token(t, env.SeedUser(t, db.RoleTelecaller))
	env.Run(t, []servertest.Scenario{
		{Name: "REST request spends the user's hourly budget", Method: http.MethodGet, Path: "/api/me", Token: tok,
			WantStatus: http.StatusOK, After: wantHeaders(1000, 999)},
		{Name: "GraphQL request spends the same budget", Query: `{ me { id } }`, Token: tok,
			WantStatus: http.StatusOK, After: wantHeaders(1000, 998)},
		{Name: "OpenAPI document counts as anonymous traffic", Method: http.MethodGet, Path: "/api/openapi.json",
			WantStatus: http.StatusOK, After: wantHeaders(100, 99)},
		{Name: "GraphQL playground counts as anonymous traffic", Method: http.MethodGet, Path: "/graphql", Headers: []string{"Accept", "text/html"},
			After: wantHeaders(100, 98)},
		{Name: "bad token spends the anonymous budget", Method: http.MethodGet, Path: "/api/me", Token: "not-a-token",
			WantStatus: http.StatusUnauthorized, WantCode: "UNAUTHORIZED", After: wantHeaders(100, 97)},
		{Name: "anonymous GraphQL spends the anonymous budget", Query: `{ me { id } }`,
			WantCode: "UNAUTHORIZED", After: wantHeaders(100, 96)},
		{Name: "unknown route still counts", Method: http.MethodGet, Path: "/nowhere",
			WantStatus: http.StatusNotFound, After: wantHeaders(100, 95)},
		{Name: "health check is not limited", Method: http.MethodGet, Path: "/healthz",
			WantStatus: http.StatusOK, After: wantNoHeaders},
	})
}

// TestRateLimitExceeded: the 429 envelope on REST and GraphQL, and the
// probes still answering once the budget is spent.
func TestRateLimitExceeded(t *testing.T) {
	t.Parallel()
	env := limitedEnv(t, func(c *server.Config) { c.RateLimitAnonPerHour = 2 })
	env.Run(t, []servertest.Scenario{
		{Name: "first anonymous request", Method: http.MethodGet, Path: "/api/openapi.json", WantStatus: http.StatusOK, After: wantHeaders(2, 1)},
		{Name: "second anonymous request", Method: http.MethodGet, Path: "/api/openapi.json", WantStatus: http.StatusOK, After: wantHeaders(2, 0)},
		{Name: "REST over the limit → RATE_LIMITED envelope", Method: http.MethodGet, Path: "/api/openapi.json",
			WantStatus: http.StatusTooManyRequests, WantCode: "RATE_LIMITED",
			WantContains: []string{`{"success":false,"error":{"code":"RATE_LIMITED","message":"Too many requests: the limit is 2 per hour. Try again in `, `"meta":{"retryAfter":`},
			After:        wantLimited(2)},
		{Name: "GraphQL over the limit → 429 with extensions.code", Query: `{ me { id } }`,
			WantStatus: http.StatusTooManyRequests, WantCode: "RATE_LIMITED",
			WantContains: []string{`"message":"Too many requests: the limit is 2 per hour.`}, WantAbsent: []string{`"data":{`},
			After: wantLimited(2)},
		{Name: "bad token over the limit is limited, not unauthorised", Method: http.MethodGet, Path: "/api/me", Token: "not-a-token",
			WantStatus: http.StatusTooManyRequests, WantCode: "RATE_LIMITED", After: wantLimited(2)},
		{Name: "health check still answers", Method: http.MethodGet, Path: "/healthz", WantStatus: http.StatusOK, After: wantNoHeaders},
		{Name: "readiness check still answers", Method: http.MethodGet, Path: "/readyz", WantStatus: http.StatusOK, After: wantNoHeaders},
	})
}

// TestRateLimitBulkRoutes: the bulk endpoints spend a per-minute budget on
// top of the hourly one; plain requests pass when it is spent. (The bulk
// handlers need not exist: whatever answers, the request is charged.)
func TestRateLimitBulkRoutes(t *testing.T) {
	t.Parallel()
	env := limitedEnv(t, nil)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	var rows []servertest.Scenario
	for i := 1; i <= 10; i++ {
		rows = append(rows, servertest.Scenario{Name: "bulk request " + strconv.Itoa(i), Method: http.MethodPost,
			Path: "/api/leads/bulk", Body: map[string]any{"leads": []any{}}, Token: tok, After: wantHeaders(10, 10-i)})
	}
	rows = append(rows,
		servertest.Scenario{Name: "11th bulk request in a minute → RATE_LIMITED", Method: http.MethodPost, Path: "/api/leads/import",
			Body: "name,phone\n", Token: tok, WantStatus: http.StatusTooManyRequests, WantCode: "RATE_LIMITED", After: wantLimited(10)},
		servertest.Scenario{Name: "plain request still passes; the denial spent nothing", Method: http.MethodGet, Path: "/api/me",
			Token: tok, WantStatus: http.StatusOK, After: wantHeaders(1000, 989)},
	)
	env.Run(t, rows)
}

// TestBulkMutationsAreRateLimited fails when the schema gains a bulk-looking
// mutation that the rate limiter does not count as bulk.
func TestBulkMutationsAreRateLimited(t *testing.T) {
	t.Parallel()
	bulk := map[string]bool{}
	for _, name := range ratelimit.DefaultBulkMutations() {
		bulk[name] = true
	}
	mutation := graph.NewExecutableSchema(graph.Config{}).Schema().Mutation
	for _, f := range mutation.Fields {
		if (strings.HasPrefix(f.Name, "bulk") || strings.HasPrefix(f.Name, "import")) && !bulk[f.Name] {
			t.Errorf("mutation %s looks bulk but is not in ratelimit.DefaultBulkMutations", f.Name)
		}
	}
}

// TestRateLimitRedisDown: with Redis unreachable, failing open serves
// without headers and /readyz says degraded; failing closed answers 503.
func TestRateLimitRedisDown(t *testing.T) {
	t.Parallel()
	deadRedis := servertest.Option(func(_ *server.Config, d *server.Deps) {
		// Nothing listens on port 1: connections are refused.
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = rdb.Close() })
		d.Redis = rdb
	})
	tests := []struct {
		name string
		open bool
		rows []servertest.Scenario
	}{
		{"fail open", true, []servertest.Scenario{
			{Name: "REST is served without headers", Method: http.MethodGet, Path: "/api/openapi.json", WantStatus: http.StatusOK, After: wantNoHeaders},
			{Name: "GraphQL is served without headers", Query: `{ me { id } }`, WantCode: "UNAUTHORIZED", After: wantNoHeaders},
			{Name: "readiness is degraded", Method: http.MethodGet, Path: "/readyz", WantStatus: http.StatusOK,
				WantContains: []string{`"status":"degraded"`, `"redis":"unavailable"`}},
		}},
		{"fail closed", false, []servertest.Scenario{
			{Name: "REST → SERVICE_UNAVAILABLE envelope", Method: http.MethodGet, Path: "/api/openapi.json",
				WantStatus: http.StatusServiceUnavailable, WantCode: "SERVICE_UNAVAILABLE", WantContains: []string{`{"success":false,"error":{"code":"SERVICE_UNAVAILABLE"`}},
			{Name: "GraphQL → 503 with extensions.code", Query: `{ me { id } }`,
				WantStatus: http.StatusServiceUnavailable, WantCode: "SERVICE_UNAVAILABLE"},
			{Name: "readiness is unavailable", Method: http.MethodGet, Path: "/readyz", WantStatus: http.StatusServiceUnavailable},
			{Name: "health check still answers", Method: http.MethodGet, Path: "/healthz", WantStatus: http.StatusOK},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := servertest.New(t, deadRedis, servertest.WithConfig(func(c *server.Config) {
				c.RateLimitEnabled = true
				c.RateLimitFailOpen = tc.open
			}))
			env.Run(t, tc.rows)
		})
	}
}

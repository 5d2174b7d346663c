package ratelimit_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/ratelimit"
)

func TestRemainingCountsDownExactly(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	tests := []struct {
		name  string
		opts  []reqOpt
		limit int
		wait  time.Duration // the longest Retry-After once exhausted
	}{
		{"signed-in user: 1000 an hour", []reqOpt{asUser(uuid.New())}, 1000, 3600 * time.Second / 1000},
		{"anonymous IP: 100 an hour", []reqOpt{from("198.51.100.7:1234")}, 100, 3600 * time.Second / 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newLimiter(t, rdb, nil).Middleware(noContent)
			start := time.Now().Unix()
			for i := 1; i <= tc.limit; i++ {
				rec := serve(h, req(http.MethodGet, "/api/leads", tc.opts...))
				if rec.Code != http.StatusNoContent {
					t.Fatalf("request %d: status %d, body %s", i, rec.Code, rec.Body)
				}
				if got := header(t, rec, "X-RateLimit-Limit"); got != int64(tc.limit) {
					t.Fatalf("request %d: X-RateLimit-Limit = %d, want %d", i, got, tc.limit)
				}
				if got, want := header(t, rec, "X-RateLimit-Remaining"), int64(tc.limit-i); got != want {
					t.Fatalf("request %d: X-RateLimit-Remaining = %d, want %d", i, got, want)
				}
				if got := header(t, rec, "X-RateLimit-Reset"); got < start || got > time.Now().Unix()+3601 {
					t.Fatalf("request %d: X-RateLimit-Reset = %d, outside the hour", i, got)
				}
				if rec.Header().Get("Retry-After") != "" {
					t.Fatalf("request %d: Retry-After on an allowed request", i)
				}
			}
			wantLimited(t, serve(h, req(http.MethodGet, "/api/leads", tc.opts...)), tc.limit, tc.wait)
		})
	}
}

func TestAnonymousHundredAndFirstRequest(t *testing.T) {
	t.Parallel()
	h := newLimiter(t, redisClient(t), nil).Middleware(noContent)
	for i := 1; i <= 100; i++ {
		if rec := serve(h, req(http.MethodGet, "/api/openapi.json")); rec.Code != http.StatusNoContent {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	rec := serve(h, req(http.MethodGet, "/api/openapi.json"))
	wantLimited(t, rec, 100, 36*time.Second)
	want := `{"success":false,"error":{"code":"RATE_LIMITED","message":"Too many requests: the limit is 100 per hour. Try again in `
	if got := rec.Body.String(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("body = %s, want the error envelope", got)
	}
	// Another IP still has its own budget.
	if rec := serve(h, req(http.MethodGet, "/api/openapi.json", from("192.0.2.2:1"))); rec.Code != http.StatusNoContent {
		t.Errorf("other IP: status %d, want 204", rec.Code)
	}
}

func TestBulkBudget(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)

	t.Run("11th bulk request in a minute is denied while reads pass", func(t *testing.T) {
		t.Parallel()
		h := newLimiter(t, rdb, nil).Middleware(noContent)
		user := asUser(uuid.New())
		for i := 1; i <= 10; i++ {
			rec := serve(h, req(http.MethodPost, "/api/leads/bulk", user))
			if rec.Code != http.StatusNoContent {
				t.Fatalf("bulk %d: status %d", i, rec.Code)
			}
			// The bulk limit is the tighter one, so the headers report it.
			if l, r := header(t, rec, "X-RateLimit-Limit"), header(t, rec, "X-RateLimit-Remaining"); l != 10 || r != int64(10-i) {
				t.Fatalf("bulk %d: limit/remaining = %d/%d, want 10/%d", i, l, r, 10-i)
			}
		}
		wantLimited(t, serve(h, req(http.MethodPost, "/api/leads/bulk", user)), 10, 6*time.Second)
		rec := serve(h, req(http.MethodGet, "/api/leads", user))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("read after bulk denial: status %d", rec.Code)
		}
		// 10 bulk requests and this read spent the hourly budget; the denial did not.
		if l, r := header(t, rec, "X-RateLimit-Limit"), header(t, rec, "X-RateLimit-Remaining"); l != 1000 || r != 989 {
			t.Errorf("read: limit/remaining = %d/%d, want 1000/989", l, r)
		}
	})

	t.Run("bulk denial does not spend the hourly budget", func(t *testing.T) {
		t.Parallel()
		h := newLimiter(t, rdb, func(c *ratelimit.Config) { c.AuthPerHour = 5; c.BulkPerMinute = 1 }).Middleware(noContent)
		user := asUser(uuid.New())
		serve(h, req(http.MethodPost, "/api/leads/import", user))
		for i := 0; i < 3; i++ {
			wantLimited(t, serve(h, req(http.MethodPost, "/api/leads/import", user)), 1, 60*time.Second)
		}
		rec := serve(h, req(http.MethodGet, "/api/me", user))
		if got := header(t, rec, "X-RateLimit-Remaining"); got != 3 {
			t.Errorf("hourly remaining after 1 bulk, 3 denied bulk and 1 read = %d, want 3", got)
		}
	})

	t.Run("headers report the hourly limit when it is the tighter", func(t *testing.T) {
		t.Parallel()
		h := newLimiter(t, rdb, func(c *ratelimit.Config) { c.AuthPerHour = 3 }).Middleware(noContent)
		rec := serve(h, req(http.MethodPost, "/api/leads/bulk-assign", asUser(uuid.New())))
		if l, r := header(t, rec, "X-RateLimit-Limit"), header(t, rec, "X-RateLimit-Remaining"); l != 3 || r != 2 {
			t.Errorf("limit/remaining = %d/%d, want 3/2", l, r)
		}
	})

	t.Run("routes", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			method, path string
			bulk         bool
		}{
			{http.MethodPost, "/api/leads/bulk", true},
			{http.MethodPost, "/api/leads/import", true},
			{http.MethodPost, "/api/leads/bulk-assign", true},
			{http.MethodGet, "/api/leads/bulk", false},
			{http.MethodPost, "/api/leads", false},
			{http.MethodPost, "/api/leads/bulk/", false},
		}
		for _, tc := range tests {
			h := newLimiter(t, rdb, nil).Middleware(noContent)
			rec := serve(h, req(tc.method, tc.path, asUser(uuid.New())))
			if got := header(t, rec, "X-RateLimit-Limit") == 10; got != tc.bulk {
				t.Errorf("%s %s: bulk = %v, want %v", tc.method, tc.path, got, tc.bulk)
			}
		}
	})
}

func TestPlainAndBulkShareTheHourlyState(t *testing.T) {
	t.Parallel()
	// Plain requests go through redis_rate, bulk ones through the multi-key
	// script: both must read and write the same GCRA state.
	h := newLimiter(t, redisClient(t), func(c *ratelimit.Config) { c.AuthPerHour = 20 }).Middleware(noContent)
	user := asUser(uuid.New())
	for i, path := range []string{"/api/leads", "/api/leads/bulk", "/api/leads", "/api/leads/bulk", "/api/leads"} {
		method := http.MethodGet
		if path == "/api/leads/bulk" {
			method = http.MethodPost
		}
		rec := serve(h, req(method, path, user))
		if path == "/api/leads" {
			if got := header(t, rec, "X-RateLimit-Remaining"); got != int64(20-i-1) {
				t.Fatalf("request %d: remaining = %d, want %d", i+1, got, 20-i-1)
			}
		}
	}
}

func TestTwoServersShareOneBudget(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	prefix := uniquePrefix(t, rdb)
	// Two limiters with their own Redis clients, like two replicas.
	mk := func() http.Handler {
		c := clientFor(t, rdb.Options().Addr)
		return ratelimit.New(c, ratelimit.Config{KeyPrefix: prefix, AnonPerHour: 10, FailOpen: true, Timeout: 5 * time.Second}).Middleware(noContent)
	}
	servers := []http.Handler{mk(), mk()}
	for i := 1; i <= 10; i++ {
		rec := serve(servers[i%2], req(http.MethodGet, "/api/leads"))
		if got := header(t, rec, "X-RateLimit-Remaining"); got != int64(10-i) {
			t.Fatalf("request %d on server %d: remaining = %d, want %d", i, i%2, got, 10-i)
		}
	}
	for i := range servers {
		wantLimited(t, serve(servers[i], req(http.MethodGet, "/api/leads")), 10, 360*time.Second)
	}
}

func TestExemptPaths(t *testing.T) {
	t.Parallel()
	h := newLimiter(t, redisClient(t), func(c *ratelimit.Config) { c.AnonPerHour = 1 }).Middleware(noContent)
	serve(h, req(http.MethodGet, "/api/leads"))
	wantLimited(t, serve(h, req(http.MethodGet, "/graphql")), 1, time.Hour)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/graphql/assets/graphiql.js"} {
		rec := serve(h, req(http.MethodGet, path))
		if rec.Code != http.StatusNoContent || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: status %d, X-RateLimit-Limit %q; want 204 without headers", path, rec.Code, rec.Header().Get("X-RateLimit-Limit"))
		}
	}
}

func TestAnonymousKeys(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	tests := []struct {
		name        string
		first, next []reqOpt
		shared      bool
	}{
		{"IPv6 addresses in one /64 share a budget",
			[]reqOpt{from("[2001:db8:1:2::1]:1")}, []reqOpt{from("[2001:db8:1:2:ffff::9]:2")}, true},
		{"IPv6 addresses in different /64s do not",
			[]reqOpt{from("[2001:db8:1:2::1]:1")}, []reqOpt{from("[2001:db8:1:3::1]:1")}, false},
		{"X-Forwarded-For from an untrusted peer is ignored",
			[]reqOpt{from("203.0.113.9:1")}, []reqOpt{from("203.0.113.9:1"), xff("198.51.100.1")}, true},
		{"X-Forwarded-For from a trusted proxy names the client",
			[]reqOpt{from("10.0.0.2:1"), xff("198.51.100.1")}, []reqOpt{from("10.0.0.2:1"), xff("198.51.100.2")}, false},
		{"a signed-in user does not spend the IP budget",
			[]reqOpt{from("203.0.113.10:1"), asUser(uuid.New())}, []reqOpt{from("203.0.113.10:1")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLimiter(t, rdb, func(c *ratelimit.Config) {
				c.AnonPerHour = 1
				c.TrustedProxies = trustedProxies()
			})
			h := l.Middleware(noContent)
			serve(h, req(http.MethodGet, "/api/leads", tc.first...))
			rec := serve(h, req(http.MethodGet, "/api/leads", tc.next...))
			if got := rec.Code == http.StatusTooManyRequests; got != tc.shared {
				t.Errorf("second request limited = %v, want %v", got, tc.shared)
			}
		})
	}
}

// roundTrips counts the commands and pipelines a Redis client sends.
type roundTrips struct{ n atomic.Int64 }

func (*roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

func TestOneRoundTripPerRequest(t *testing.T) {
	t.Parallel()
	rdb := clientFor(t, redisClient(t).Options().Addr)
	trips := &roundTrips{}
	rdb.AddHook(trips)
	l := newLimiter(t, rdb, nil)
	h := l.Middleware(noContent)
	gql, _ := gqlServer(t, l)
	user := uuid.New()
	tests := []struct {
		name string
		do   func()
	}{
		{"plain REST", func() { serve(h, req(http.MethodGet, "/api/leads", asUser(user))) }},
		{"bulk REST (two limits)", func() { serve(h, req(http.MethodPost, "/api/leads/bulk", asUser(user))) }},
		{"GraphQL query", func() { gqlPost(gql, user, `{ ping }`) }},
		{"GraphQL bulk mutation (two limits)", func() { gqlPost(gql, user, `mutation { bulkCreateLeads }`) }},
	}
	for _, tc := range tests {
		tc.do() // the first use of a script may load it (EVALSHA, NOSCRIPT, EVAL)
		before := trips.n.Load()
		for range 3 {
			tc.do()
		}
		if got := trips.n.Load() - before; got != 3 {
			t.Errorf("%s: 3 requests made %d Redis round trips, want 3", tc.name, got)
		}
	}
}

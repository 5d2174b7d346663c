package ratelimit_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/ratelimit"
)

// gate is a Redis hook that counts commands and holds the first one until
// opened, so that the requests arriving meanwhile gather into one batch.
// With fail set, every command after the first fails instead of being sent.
type gate struct {
	calls atomic.Int64
	held  chan struct{} // closed once the first command is held
	open  chan struct{}
	fail  error
}

func newGate() *gate { return &gate{held: make(chan struct{}), open: make(chan struct{})} }

func (*gate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch g.calls.Add(1) {
		case 1:
			close(g.held)
			<-g.open
		default:
			if g.fail != nil {
				return g.fail
			}
		}
		return next(ctx, cmd)
	}
}

func (g *gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// gatedClient is a Redis client of the test's own behind g, with
// AllowAtMost's script already loaded so that each charge is one command.
func gatedClient(t *testing.T, g *gate) *redis.Client {
	t.Helper()
	rdb := clientFor(t, redisClient(t).Options().Addr)
	key := uniquePrefix(t, rdb) + "warm"
	if _, err := redis_rate.NewLimiter(rdb).AllowAtMost(context.Background(), key, redis_rate.PerHour(10), 1); err != nil {
		t.Fatal(err)
	}
	rdb.AddHook(g)
	return rdb
}

// waitUntil polls cond: it synchronises with goroutines, it does not time them.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

// concurrently serves the requests at once and returns their responses in
// order. With g, the first is sent alone and held in Redis while the others
// join the next batch one after another, in order; whileHeld, if not nil,
// runs then, with a channel per request closed when it has returned.
func concurrently(t *testing.T, l *ratelimit.Limiter, g *gate, reqs []*http.Request, whileHeld func(returned []chan struct{})) []*httptest.ResponseRecorder {
	t.Helper()
	h := l.Middleware(noContent)
	recs := make([]*httptest.ResponseRecorder, len(reqs))
	returned := make([]chan struct{}, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		returned[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(returned[i])
			if g == nil {
				<-start
			}
			recs[i] = serve(h, r)
		}()
		if g != nil && i == 0 {
			<-g.held
		} else if g != nil {
			waitUntil(t, "the request to join the batch", func() bool { return ratelimit.Waiting(l) == i })
		}
	}
	close(start)
	if g != nil {
		if whileHeld != nil {
			whileHeld(returned)
		}
		close(g.open)
	}
	wg.Wait()
	return recs
}

func TestConcurrentRequestsOnOneKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n, budget int
		gathered  bool // the first request is held until the others wait: two calls
	}{
		{"budget for some, requests as they come", 20, 5, false},
		{"budget for all but one, requests as they come", 30, 29, false},
		{"budget for some, the batch allows part", 20, 5, true},
		{"budget for the first only, the batch allows none", 10, 1, true},
		{"budget for all, the batch allows all", 10, 10, true},
		{"budget for all but the last of the batch", 10, 9, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGate()
			if !tc.gathered {
				g = nil
			}
			trips := &roundTrips{}
			rdb := clientFor(t, redisClient(t).Options().Addr)
			if g != nil {
				rdb = gatedClient(t, g)
			}
			rdb.AddHook(trips)
			l := newLimiter(t, rdb, func(c *ratelimit.Config) { c.AuthPerHour = tc.budget })
			user := asUser(uuid.New())
			reqs := make([]*http.Request, tc.n)
			for i := range reqs {
				reqs[i] = req(http.MethodGet, "/api/leads", user)
			}
			recs := concurrently(t, l, g, reqs, nil)
			calls := trips.n.Load()

			var remaining []int
			var retryAfter []int64
			interval := time.Hour / time.Duration(tc.budget)
			for i, rec := range recs {
				switch rec.Code {
				case http.StatusNoContent:
					remaining = append(remaining, int(header(t, rec, "X-RateLimit-Remaining")))
					if rec.Header().Get("Retry-After") != "" {
						t.Errorf("request %d: Retry-After on an allowed request", i)
					}
				default:
					wantLimited(t, rec, tc.budget, interval)
					retryAfter = append(retryAfter, header(t, rec, "Retry-After"))
				}
			}
			// A denial in a batch waits as long as one made alone afterwards
			// (less the second that may have passed).
			if len(retryAfter) > 0 {
				alone := serve(l.Middleware(noContent), req(http.MethodGet, "/api/leads", user))
				wantLimited(t, alone, tc.budget, interval)
				for _, got := range retryAfter {
					if want := header(t, alone, "Retry-After"); got != want && got != want+1 {
						t.Errorf("Retry-After in the batch = %d, alone afterwards %d", got, want)
					}
				}
			}
			if g != nil {
				// One after another, in the batch's order, they were told
				// what requests charged one at a time would have been.
				for i, rec := range recs {
					if allowed := rec.Code == http.StatusNoContent; allowed != (i < tc.budget) {
						t.Errorf("request %d: status %d, want allowed = %v", i, rec.Code, i < tc.budget)
					} else if allowed && header(t, rec, "X-RateLimit-Remaining") != int64(tc.budget-1-i) {
						t.Errorf("request %d: Remaining %s, want %d", i, rec.Header().Get("X-RateLimit-Remaining"), tc.budget-1-i)
					}
				}
			}
			slices.Sort(remaining)
			want := make([]int, tc.budget)
			for i := range want {
				want[i] = i
			}
			if !slices.Equal(remaining, want) {
				t.Errorf("Remaining of the allowed requests = %v, want each of %v once", remaining, want)
			}
			if s := l.Stats(); s.Allowed != int64(tc.budget) || s.Limited != int64(tc.n-tc.budget+min(1, len(retryAfter))) || s.RedisErrors != 0 {
				t.Errorf("stats = %+v, want %d allowed and %d limited", s, tc.budget, tc.n-tc.budget)
			}
			switch {
			case g != nil && calls != 2:
				t.Errorf("%d requests made %d Redis calls, want 2 (the first, then the rest together)", tc.n, calls)
			case calls > int64(tc.n)+2: // +2: loading a script (EVALSHA, NOSCRIPT, EVAL)
				t.Errorf("%d requests made %d Redis calls, want at most one each", tc.n, calls)
			default:
				t.Logf("%d requests made %d Redis calls", tc.n, calls)
			}
			if n := ratelimit.KeysInFlight(l); n != 0 {
				t.Errorf("%d keys still in flight after every request returned", n)
			}
		})
	}
}

func TestWaiterHangingUpLeavesItsBatch(t *testing.T) {
	t.Parallel()
	g := newGate()
	l := newLimiter(t, gatedClient(t, g), func(c *ratelimit.Config) { c.AuthPerHour = 10; c.FailOpen = false })
	user := asUser(uuid.New())
	// The first request is held in Redis; the second, whose caller hangs up,
	// and the three others wait for the next batch.
	reqs := make([]*http.Request, 5)
	for i := range reqs {
		reqs[i] = req(http.MethodGet, "/api/leads", user)
	}
	ctx, cancel := context.WithCancel(reqs[1].Context())
	defer cancel()
	reqs[1] = reqs[1].WithContext(ctx)
	recs := concurrently(t, l, g, reqs, func(returned []chan struct{}) {
		cancel()
		<-returned[1] // while the call it waited for is still held
	})

	if rec := recs[1]; rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "cancelled") {
		t.Errorf("hung-up request: status %d, body %s; want 503 cancelled", rec.Code, rec.Body)
	}
	var remaining []int
	for i, rec := range slices.Delete(recs, 1, 2) {
		if rec.Code != http.StatusNoContent {
			t.Fatalf("request %d: status %d, body %s", i, rec.Code, rec.Body)
		}
		remaining = append(remaining, int(header(t, rec, "X-RateLimit-Remaining")))
	}
	slices.Sort(remaining)
	// The hung-up request was not charged.
	if want := []int{6, 7, 8, 9}; !slices.Equal(remaining, want) {
		t.Errorf("Remaining = %v, want %v", remaining, want)
	}
	if s := l.Stats(); s.RedisErrors != 0 || s.Allowed != 4 {
		t.Errorf("stats = %+v, want 4 allowed and no Redis errors", s)
	}
	if g.calls.Load() != 2 {
		t.Errorf("Redis calls = %d, want 2", g.calls.Load())
	}
}

func TestRedisFailureFailsTheWholeBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failOpen   bool
		wantStatus int
	}{
		{"fail open serves them all", true, http.StatusNoContent},
		{"fail closed refuses them all", false, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGate()
			g.fail = errors.New("connection reset by peer")
			var logs lockedBuffer
			l := newLimiter(t, gatedClient(t, g), func(c *ratelimit.Config) {
				c.FailOpen = tc.failOpen
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			user := asUser(uuid.New())
			reqs := make([]*http.Request, 6)
			for i := range reqs {
				reqs[i] = req(http.MethodGet, "/api/leads", user)
			}
			recs := concurrently(t, l, g, reqs, nil)

			if rec := recs[0]; rec.Code != http.StatusNoContent || header(t, rec, "X-RateLimit-Remaining") != 999 {
				t.Errorf("first request, before the failure: status %d, headers %v", rec.Code, rec.Header())
			}
			for i, rec := range recs[1:] {
				if rec.Code != tc.wantStatus {
					t.Errorf("request %d of the batch: status %d, want %d; body %s", i, rec.Code, tc.wantStatus, rec.Body)
				}
				if rec.Header().Get("X-RateLimit-Remaining") != "" {
					t.Errorf("request %d of the batch: rate-limit headers without Redis: %v", i, rec.Header())
				}
			}
			s := l.Stats()
			if s.RedisErrors != 5 || s.FailedOpen+s.FailedClosed != 5 || (s.FailedOpen == 5) != tc.failOpen {
				t.Errorf("stats = %+v, want 5 Redis errors counted by fail mode", s)
			}
			if n := strings.Count(logs.String(), "Redis unavailable"); n != 1 {
				t.Errorf("logged %d times, want once:\n%s", n, logs.String())
			}
			if g.calls.Load() != 2 {
				t.Errorf("Redis calls = %d, want 2", g.calls.Load())
			}
		})
	}
}

package ratelimit_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/ratelimit"
)

// lockedBuffer collects log output from concurrent requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failOpen   bool
		path       string
		wantStatus int
		wantCode   string
	}{
		{"fail open serves REST", true, "/api/leads", http.StatusNoContent, ""},
		{"fail open serves GraphQL", true, "/graphql", http.StatusNoContent, ""},
		{"fail closed answers REST 503", false, "/api/leads", http.StatusServiceUnavailable, `"code":"SERVICE_UNAVAILABLE"`},
		{"fail closed answers GraphQL 503", false, "/graphql", http.StatusServiceUnavailable, `"extensions":{"code":"SERVICE_UNAVAILABLE"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			// Port 1 on loopback refuses connections: Redis is down.
			l := ratelimit.New(clientFor(t, "127.0.0.1:1"), ratelimit.Config{
				FailOpen: tc.failOpen,
				Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
			})
			h := l.Middleware(noContent)
			for i := 0; i < 5; i++ {
				start := time.Now()
				rec := serve(h, req(http.MethodGet, tc.path, asUser(uuid.New())))
				if took := time.Since(start); took > time.Second {
					t.Errorf("request %d took %v: a dead Redis must not stall requests", i, took)
				}
				if rec.Code != tc.wantStatus {
					t.Fatalf("request %d: status %d, want %d; body %s", i, rec.Code, tc.wantStatus, rec.Body)
				}
				if !strings.Contains(rec.Body.String(), tc.wantCode) {
					t.Errorf("body %s lacks %s", rec.Body, tc.wantCode)
				}
				if rec.Header().Get("X-RateLimit-Remaining") != "" {
					t.Errorf("rate-limit headers without Redis: %v", rec.Header())
				}
			}
			if n := strings.Count(logs.String(), "Redis unavailable"); n != 1 {
				t.Errorf("logged %d times in five requests, want once a minute:\n%s", n, logs.String())
			}
			s := l.Stats()
			if s.RedisErrors != 5 || s.FailedOpen+s.FailedClosed != 5 || (s.FailedOpen == 5) != tc.failOpen {
				t.Errorf("stats = %+v, want 5 Redis errors counted by fail mode", s)
			}
		})
	}
}

func TestCooldownSkipsADeadRedis(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(clientFor(t, "127.0.0.1:1"), ratelimit.Config{FailOpen: true, Timeout: 200 * time.Millisecond, Cooldown: time.Minute})
	h := l.Middleware(noContent)
	serve(h, req(http.MethodGet, "/api/leads")) // pays the timeout, starts the cooldown
	start := time.Now()
	for i := 0; i < 100; i++ {
		serve(h, req(http.MethodGet, "/api/leads"))
	}
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("100 requests in the cooldown took %v; they should not wait for Redis", took)
	}
}

func TestRedisStoppedAndRestarted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		failOpen  bool
		whileDown int
	}{
		{"fail open", true, http.StatusNoContent},
		{"fail closed", false, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			cmd := startRedis(t, port)
			rdb := clientFor(t, "127.0.0.1:"+strconv.Itoa(port))
			l := ratelimit.New(rdb, ratelimit.Config{FailOpen: tc.failOpen, AnonPerHour: 10, Cooldown: 100 * time.Millisecond})
			h := l.Middleware(noContent)

			if rec := serve(h, req(http.MethodGet, "/api/leads")); rec.Code != http.StatusNoContent || header(t, rec, "X-RateLimit-Remaining") != 9 {
				t.Fatalf("before: status %d, remaining %q", rec.Code, rec.Header().Get("X-RateLimit-Remaining"))
			}
			stopRedis(t, cmd, port)
			for i := 0; i < 3; i++ {
				if rec := serve(h, req(http.MethodGet, "/api/leads")); rec.Code != tc.whileDown {
					t.Fatalf("while down: status %d, want %d", rec.Code, tc.whileDown)
				}
			}
			startRedis(t, port)
			time.Sleep(150 * time.Millisecond) // past the cooldown
			rec := serve(h, req(http.MethodGet, "/api/leads"))
			// NOSAVE lost the old state: the budget starts afresh.
			if rec.Code != http.StatusNoContent || header(t, rec, "X-RateLimit-Remaining") != 9 {
				t.Fatalf("after restart: status %d, remaining %q", rec.Code, rec.Header().Get("X-RateLimit-Remaining"))
			}
		})
	}
}

func TestCallerHangingUpIsNotARedisFailure(t *testing.T) {
	t.Parallel()
	l := newLimiter(t, redisClient(t), func(c *ratelimit.Config) { c.FailOpen = false })
	h := l.Middleware(noContent)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	serve(h, req(http.MethodGet, "/api/leads").WithContext(ctx))
	// No cooldown started: the next caller is charged normally, not refused.
	if rec := serve(h, req(http.MethodGet, "/api/leads")); rec.Code != http.StatusNoContent {
		t.Fatalf("next request: status %d, body %s", rec.Code, rec.Body)
	}
	if s := l.Stats(); s.RedisErrors != 0 {
		t.Errorf("stats = %+v, want no Redis errors", s)
	}
}

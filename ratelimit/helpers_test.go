package ratelimit_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/ratelimit"
)

// redisClient connects to the Redis of REDIS_URL (set by `make test`); the
// test fails, not skips, without it.
func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Fatal("REDIS_URL is not set: run the tests with `make test`")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	return clientFor(t, opt.Addr)
}

// clientFor is a client of the Redis at addr that honours context deadlines,
// as server.Open makes it.
func clientFor(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// uniquePrefix is a key prefix of the test's own; its keys are deleted when
// the test ends.
func uniquePrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	prefix := "test:" + uuid.NewString()[:8] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, "rate:"+prefix+"*").Result()
		for _, k := range keys {
			_ = rdb.Del(ctx, k).Err()
		}
	})
	return prefix
}

// newLimiter makes a Limiter over rdb with a unique key prefix, failing open
// unless edit says otherwise.
func newLimiter(t testing.TB, rdb redis.UniversalClient, edit func(*ratelimit.Config)) *ratelimit.Limiter {
	t.Helper()
	// A generous timeout: these tests are about limits, not a slow Redis,
	// and a busy machine must not turn them into fail-open passes.
	cfg := ratelimit.Config{KeyPrefix: uniquePrefix(t, rdb), FailOpen: true, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	return ratelimit.New(rdb, cfg)
}

// noContent is the handler behind the limiter in these tests.
var noContent = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusNoContent)
})

// req builds a request from 192.0.2.1 (or the peer given by from).
type reqOpt func(*http.Request) *http.Request

func asUser(id uuid.UUID) reqOpt {
	return func(r *http.Request) *http.Request {
		return r.WithContext(auth.NewContext(r.Context(), &auth.Principal{UserID: id, Role: auth.RoleManager}))
	}
}

func from(peer string) reqOpt {
	return func(r *http.Request) *http.Request { r.RemoteAddr = peer; return r }
}

func xff(values ...string) reqOpt {
	return func(r *http.Request) *http.Request {
		for _, v := range values {
			r.Header.Add("X-Forwarded-For", v)
		}
		return r
	}
}

func req(method, path string, opts ...reqOpt) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = "192.0.2.1:40000"
	for _, o := range opts {
		r = o(r)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// header reads an integer header, failing the test when it is missing.
func header(t testing.TB, rec *httptest.ResponseRecorder, name string) int64 {
	t.Helper()
	v := rec.Header().Get(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s = %q; status %d, body %s", name, v, rec.Code, rec.Body)
	}
	return n
}

// wantLimited checks a 429: all four headers and the RATE_LIMITED code in body.
func wantLimited(t testing.TB, rec *httptest.ResponseRecorder, limit int, maxWait time.Duration) {
	t.Helper()
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429; body %s", rec.Code, rec.Body)
	}
	if got := header(t, rec, "X-RateLimit-Limit"); got != int64(limit) {
		t.Errorf("X-RateLimit-Limit = %d, want %d", got, limit)
	}
	if got := header(t, rec, "X-RateLimit-Remaining"); got != 0 {
		t.Errorf("X-RateLimit-Remaining = %d, want 0", got)
	}
	now := time.Now().Unix()
	if got := header(t, rec, "X-RateLimit-Reset"); got < now || got > now+3601 {
		t.Errorf("X-RateLimit-Reset = %d, not within the hour after %d", got, now)
	}
	if got := header(t, rec, "Retry-After"); got < 1 || got > int64(maxWait.Seconds())+1 {
		t.Errorf("Retry-After = %d, want 1..%v", got, maxWait)
	}
	if !strings.Contains(rec.Body.String(), `"RATE_LIMITED"`) {
		t.Errorf("body lacks RATE_LIMITED: %s", rec.Body)
	}
}

// freePort is a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRedis runs a throwaway redis-server on port and waits until it answers.
func startRedis(t testing.TB, port int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server (it is installed by scripts/services.sh): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	probe := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer probe.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if probe.Ping(context.Background()).Err() == nil {
			return cmd
		}
	}
	t.Fatalf("redis-server on port %d did not start", port)
	return nil
}

// stopRedis shuts a throwaway redis-server down without saving.
func stopRedis(t testing.TB, cmd *exec.Cmd, port int) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer c.Close()
	_ = c.ShutdownNoSave(context.Background()).Err() // the connection drops: an error is expected
	_ = cmd.Wait()
}

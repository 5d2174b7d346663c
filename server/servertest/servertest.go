// Package servertest runs the whole server stack against a real Postgres
// database of the test's own, for API scenario tests.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/server"
)

// Secret signs the tokens of test environments.
const Secret = "servertest-secret-0123456789abcdef"

// Env is a running server over a fresh database.
type Env struct {
	DB     *bun.DB
	DBURL  string
	Redis  redis.UniversalClient
	Config server.Config
	Server *httptest.Server
	// Handler is the server's handler, for tests that call it in-process.
	Handler http.Handler
}

// Option changes the configuration before the server is built.
type Option func(*server.Config, *server.Deps)

// WithConfig edits the server configuration.
func WithConfig(f func(*server.Config)) Option {
	return func(c *server.Config, _ *server.Deps) { f(c) }
}

// WithClock fixes the application clock.
func WithClock(now func() time.Time) Option {
	return func(_ *server.Config, d *server.Deps) { d.Now = now }
}

// New builds an Env: a migrated database of its own, the real server stack
// with rate limiting off unless an option turns it on, and an httptest
// server. Everything is released when the test ends. It fails the test when
// DATABASE_URL or REDIS_URL is missing.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	bdb, dsn := dbtest.New(t)
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is not set: run the tests with `make test`")
	}
	ropt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(ropt)
	t.Cleanup(func() { _ = rdb.Close() })
	cfg, err := server.LoadConfig(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "REDIS_URL":
			return redisURL
		case "SUPABASE_JWT_SECRET":
			return Secret
		case "RATE_LIMIT_ENABLED":
			return "false"
		case "RATE_LIMIT_TIMEOUT":
			// Tests that enable limits are about limits, not a slow Redis:
			// a busy machine must not turn them into fail-open passes.
			return "5s"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(Secret)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	deps := server.Deps{DB: bdb, Redis: rdb, Verifier: v, Logger: logger}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	h := server.New(cfg, deps)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &Env{DB: bdb, DBURL: dsn, Redis: rdb, Config: cfg, Server: ts, Handler: h}
}

// SeedUser stores a user with the given role and returns it.
func (e *Env) SeedUser(t testing.TB, role db.UserRole) *db.User {
	t.Helper()
	id := uuid.New()
	u := &db.User{ID: id, Email: "u" + id.String()[:8] + "@test.dev", FullName: string(role) + " " + id.String()[:4], Role: role}
	if err := db.UpsertUser(context.Background(), e.DB, u); err != nil {
		t.Fatalf("seed user: %v", err)
	}
	return u
}

// Token signs a token for u with the role stored on it.
func (e *Env) Token(t testing.TB, u *db.User) string {
	t.Helper()
	tok, err := auth.SignHS256([]byte(Secret), auth.TokenSpec{UserID: u.ID, Email: u.Email, Name: u.FullName, Role: auth.Role(u.Role), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// SeedLead stores a lead with a unique phone and email, after edit changes it.
func (e *Env) SeedLead(t testing.TB, edit func(*db.Lead)) *db.Lead {
	t.Helper()
	n := uniquePhone()
	email := "lead" + strings.ReplaceAll(uuid.NewString()[:13], "-", "") + "@example.com"
	l := &db.Lead{Name: "Lead " + n[len(n)-4:], Phone: &n, PhoneE164: &n, Email: &email,
		Source: db.SourceWebsite, Status: db.StatusNew, Priority: db.PriorityMedium}
	if edit != nil {
		edit(l)
	}
	if err := db.CreateLead(context.Background(), e.DB, l); err != nil {
		t.Fatalf("seed lead: %v", err)
	}
	return l
}

// uniquePhone returns a valid, random Indian mobile number in E.164.
func uniquePhone() string {
	u := uuid.New()
	digits := []byte("9")
	for _, b := range u[:9] {
		digits = append(digits, '0'+b%10)
	}
	return "+91" + string(digits)
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response (%v): %s", err, r.Body)
	}
}

// Do sends a request. body may be nil, a string or []byte (sent as is), or
// any other value (sent as JSON). headers are name/value pairs.
func (e *Env) Do(t testing.TB, method, path string, body any, token string, headers ...string) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// GraphQL posts a query with variables.
func (e *Env) GraphQL(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	return e.Do(t, http.MethodPost, "/graphql", map[string]any{"query": query, "variables": vars}, token)
}

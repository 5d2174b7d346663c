package server_test

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	listed := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.CORSAllowedOrigins = []string{"https://app.example.com", "http://localhost:5173"}
		c.CORSAllowCredentials = true
	}))
	anyOrigin := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.CORSAllowedOrigins = []string{"*"} }))
	off := servertest.New(t)
	tok := listed.Token(t, listed.SeedUser(t, db.RoleManager))
	preflight := []string{"Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "authorization, if-match"}
	with := func(h []string, kv ...string) []string { return append(append([]string{}, h...), kv...) }

	rows := []struct {
		name    string
		env     *servertest.Env
		method  string
		headers []string
		token   string
		status  int
		want    map[string]string // header → value ("" = absent)
	}{
		{"listed origin preflight", listed, "OPTIONS", with(preflight, "Origin", "https://app.example.com"), "", 204, map[string]string{
			"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", "Access-Control-Max-Age": "600"}},
		{"listed origin request", listed, "GET", []string{"Origin", "http://localhost:5173"}, tok, 200, map[string]string{
			"Access-Control-Allow-Origin": "http://localhost:5173", "Vary": "Origin"}},
		{"other origin preflight is refused", listed, "OPTIONS", with(preflight, "Origin", "https://evil.example.com"), "", 403, map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": ""}},
		{"other origin request gets no CORS headers", listed, "GET", []string{"Origin", "https://evil.example.com"}, tok, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"origin match is exact: another port", listed, "GET", []string{"Origin", "https://app.example.com:8443"}, tok, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"origin match is exact: suffix", listed, "GET", []string{"Origin", "https://app.example.com.evil.com"}, tok, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"origin match is exact: scheme", listed, "GET", []string{"Origin", "http://app.example.com"}, tok, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"null origin", listed, "OPTIONS", with(preflight, "Origin", "null"), "", 403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"wildcard never with credentials", anyOrigin, "OPTIONS", with(preflight, "Origin", "https://anyone.example"), "", 204, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": ""}},
		{"wildcard request", anyOrigin, "GET", []string{"Origin", "https://anyone.example"}, anyOrigin.Token(t, anyOrigin.SeedUser(t, db.RoleTelecaller)), 200, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": ""}},
		{"CORS off by default", off, "GET", []string{"Origin", "https://app.example.com"}, off.Token(t, off.SeedUser(t, db.RoleTelecaller)), 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := row.env.Do(t, row.method, "/api/me", nil, row.token, row.headers...)
			if r.Status != row.status {
				t.Fatalf("status %d, want %d: %s", r.Status, row.status, r.Body)
			}
			for k, v := range row.want {
				if got := strings.Join(r.Header.Values(k), ", "); (v == "" && got != "") || (v != "" && !strings.Contains(got, v)) {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestCORSConfig(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{"DATABASE_URL": "postgres://x", "REDIS_URL": "redis://x", "SUPABASE_JWT_SECRET": "s"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, row := range []struct {
		name string
		env  func(string) string
		ok   bool
	}{
		{"a list", env("CORS_ALLOWED_ORIGINS", "https://a.example, http://localhost:3000"), true},
		{"wildcard", env("CORS_ALLOWED_ORIGINS", "*"), true},
		{"wildcard with credentials is refused", env("CORS_ALLOWED_ORIGINS", "*", "CORS_ALLOW_CREDENTIALS", "true"), false},
		{"a path is not an origin", env("CORS_ALLOWED_ORIGINS", "https://a.example/app"), false},
		{"a pattern is not an origin", env("CORS_ALLOWED_ORIGINS", "https://*.example.com"), false},
		{"no scheme", env("CORS_ALLOWED_ORIGINS", "a.example"), false},
	} {
		t.Run(row.name, func(t *testing.T) {
			_, err := server.LoadConfig(row.env)
			if (err == nil) != row.ok {
				t.Fatalf("LoadConfig: %v, want ok=%v", err, row.ok)
			}
		})
	}
}

// TestSlowBody drips a request body one byte at a time: the server cuts the
// request off at BODY_READ_TIMEOUT with a 400 envelope instead of holding a
// connection and a goroutine for as long as the client likes.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.BodyReadTimeout = 500 * time.Millisecond }))
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.Server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name":"Slow","phone":"9876500000"}`
	_, err = conn.Write([]byte("POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer " + tok +
		"\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Drip for up to 60 s (far past the 500 ms cap); the server answers first.
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			answered <- resp
		}
		close(answered)
	}()
	for i := 0; i < 600; i++ {
		select {
		case resp, ok := <-answered:
			if !ok {
				return // connection closed: cut off too
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("slow body: %d, want 400", resp.StatusCode)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if i < len(body)-1 {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return // the server hung up
			}
		}
	}
	t.Fatal("the server waited 60 s for a dripping body")
}

func itoa(n int) string { return strconv.Itoa(n) }

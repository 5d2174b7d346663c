package main_test

// Docker cannot run here, so these tests check what can be checked without
// it: the Dockerfile's paths and stages, that .dockerignore keeps every file
// the build needs, that docker-compose.yml wires a configuration the server
// accepts, and that the binary built as the Dockerfile builds it is static
// and runs on environment variables alone (bad config: one line, non-zero
// exit; good config: migrations on start, then serving).

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"debug/elf"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/server"
)

// root is the repository root, the Docker build context.
const root = "../.."

// TestDockerfile checks the stages, that COPY sources exist in the build
// context, and that the built binary is what the final stage copies and runs.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := parseDockerfile(t)
	ignore := readDockerignore(t)

	goVersion := goDirective(t)
	if from := df.args("FROM"); len(from) != 2 ||
		!strings.HasPrefix(from[0], "golang:"+goVersion+"-") || !strings.HasSuffix(from[0], " AS build") ||
		!strings.HasPrefix(from[1], "gcr.io/distroless/static") || !strings.HasSuffix(from[1], ":nonroot") {
		t.Errorf("stages = %q, want golang:%s-… AS build, then gcr.io/distroless/static…:nonroot", from, goVersion)
	}
	if !slices.ContainsFunc(df.args("ENV"), func(s string) bool { return strings.Contains(s, "CGO_ENABLED=0") }) {
		t.Error("the build stage does not set CGO_ENABLED=0 (distroless/static has no libc)")
	}
	if users := df.args("USER"); len(users) != 1 || !strings.HasPrefix(users[0], "nonroot") {
		t.Errorf("USER = %q, want nonroot", users)
	}

	var copied string // the binary the final stage copies
	for _, c := range df.args("COPY") {
		f := strings.Fields(c)
		if strings.HasPrefix(f[0], "--from=") {
			copied = f[1]
			continue
		}
		for _, src := range f[:len(f)-1] {
			if src == "." {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("COPY %s: %v", src, err)
			}
			if ignore.excludes(src) {
				t.Errorf("COPY %s: excluded by .dockerignore", src)
			}
		}
	}
	build := regexp.MustCompile(`go build .*-o (\S+) (\./\S+)$`)
	var out, pkg string
	for _, r := range df.args("RUN") {
		if m := build.FindStringSubmatch(r); m != nil {
			out, pkg = m[1], m[2]
		}
	}
	if _, err := os.Stat(filepath.Join(root, pkg, "main.go")); pkg == "" || err != nil {
		t.Errorf("go build package %q: %v", pkg, err)
	}
	if out == "" || copied != out {
		t.Errorf("the final stage copies %q, but go build writes %q", copied, out)
	}
	entry := jsonArray(t, df.args("ENTRYPOINT"))
	if len(entry) != 1 || !strings.HasSuffix(out, path.Base(entry[0])) {
		t.Errorf("ENTRYPOINT %q does not run the built binary %s", entry, out)
	}
	if cmd := jsonArray(t, df.args("CMD")); !slices.Equal(cmd, []string{"serve", "--migrate"}) {
		t.Errorf("CMD = %q, want serve --migrate", cmd)
	}
	if expose := df.args("EXPOSE"); len(expose) != 1 || !slices.Contains(df.args("ENV"), "HTTP_ADDR=:"+expose[0]) {
		t.Errorf("EXPOSE %q does not match ENV HTTP_ADDR %q", expose, df.args("ENV"))
	}
}

// TestDockerignoreKeepsBuildInputs lists every file `go build ./cmd/crm`
// reads from this module (Go files and //go:embed files) and checks that
// .dockerignore leaves each in the build context.
func TestDockerignoreKeepsBuildInputs(t *testing.T) {
	t.Parallel()
	ignore := readDockerignore(t)
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}
{{end}}{{end}}`, "./cmd/crm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	listing, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(listing)) {
		rel, err := filepath.Rel(abs, f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	for _, f := range files {
		if ignore.excludes(f) {
			t.Errorf(".dockerignore excludes %s, which the build needs", f)
		}
	}
	for _, f := range []string{".git/HEAD", "crm", "bin/crm", "playground/web/node_modules/react/index.js", ".data/jwt-secret"} {
		if !ignore.excludes(f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
	t.Logf("%d build inputs, none excluded", len(files))
}

// TestCompose checks docker-compose.yml: the three services, health checks
// the api waits for, and an api environment that the server's configuration
// knows and accepts.
func TestCompose(t *testing.T) {
	t.Parallel()
	c := parseCompose(t)
	want := map[string]string{
		"services.postgres.image":                         "postgres:15",
		"services.redis.image":                            "redis:7",
		"services.api.build":                              ".",
		"services.api.depends_on.postgres.condition":      "service_healthy",
		"services.api.depends_on.redis.condition":         "service_healthy",
		"services.api.environment.DATABASE_URL":           "postgres://crm:crm@postgres:5432/crm?sslmode=disable",
		"services.api.environment.REDIS_URL":              "redis://redis:6379/0",
		"services.postgres.environment.POSTGRES_USER":     "crm",
		"services.postgres.environment.POSTGRES_PASSWORD": "crm",
		"services.postgres.environment.POSTGRES_DB":       "crm",
		"services.api.command":                            `["serve", "--migrate"]`,
		"services.redis.healthcheck.test":                 `["CMD", "redis-cli", "ping"]`,
		"services.postgres.healthcheck.test":              `["CMD-SHELL", "pg_isready -U crm -d crm"]`,
		"services.api.ports":                              "8080:8080",
		"services.api.environment.HTTP_ADDR":              ":8080",
		"services.api.environment.DEFAULT_PHONE_REGION":   "IN",
	}
	for k, v := range want {
		if got := c[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if c["services.api.environment.SUPABASE_JWT_SECRET"] == "" {
		t.Error("the api has no SUPABASE_JWT_SECRET")
	}

	// Every api variable is one the server reads, and together they load.
	known := map[string]bool{}
	_, _ = server.LoadConfig(func(k string) string { known[k] = true; return "" })
	env := map[string]string{}
	for k, v := range c {
		name, ok := strings.CutPrefix(k, "services.api.environment.")
		if !ok {
			continue
		}
		if !known[name] {
			t.Errorf("the api's environment sets %s, which the server does not read", name)
		}
		env[name] = expandDefault(v)
	}
	if _, err := server.LoadConfig(func(k string) string { return env[k] }); err != nil {
		t.Errorf("the api's environment does not load: %v", err)
	}
}

// TestStaticBinaryRunsOnEnvOnly builds the binary as the Dockerfile does and
// runs it with nothing but the variables given: version, bad configuration
// (one line on stderr, non-zero exit), then serve --migrate on an empty
// database until SIGTERM.
func TestStaticBinaryRunsOnEnvOnly(t *testing.T) {
	t.Parallel()
	bin := buildLikeDockerfile(t)

	out, errOut, code := runCrm(t, bin, nil, "version")
	if code != 0 || out != "crm docker-test\n" {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"no configuration", nil, "DATABASE_URL is required"},
		{"a bad number", []string{"DATABASE_URL=postgres://x", "REDIS_URL=redis://x", "SUPABASE_JWT_SECRET=s", "RATE_LIMIT_AUTH_PER_HOUR=lots"}, "RATE_LIMIT_AUTH_PER_HOUR"},
	} {
		_, errOut, code := runCrm(t, bin, tc.env, "serve", "--migrate")
		lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
		if code == 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "crm: ") || !strings.Contains(lines[0], tc.want) {
			t.Errorf("serve with %s: exit %d, stderr %q; want non-zero and one line naming %s", tc.name, code, errOut, tc.want)
		}
	}
	t.Run("serve --migrate on an empty database", func(t *testing.T) {
		serveMigrated(t, bin)
	})
}

// serveMigrated starts `crm serve --migrate` on an empty database and checks
// that it migrated (an authenticated request upserts its user), serves the
// embedded playground, and exits 0 on SIGTERM.
func serveMigrated(t *testing.T, bin string) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is not set: run the tests with `make test`")
	}
	const secret = "docker-test-secret-0123456789abcdef"
	cmd := exec.Command(bin, "serve", "--migrate")
	cmd.Env = []string{"DATABASE_URL=" + emptyDatabase(t), "REDIS_URL=" + redisURL,
		"SUPABASE_JWT_SECRET=" + secret, "HTTP_ADDR=127.0.0.1:0", "SHUTDOWN_TIMEOUT=5s"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	addr := make(chan string, 1)
	logs := &bytes.Buffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		close(addr)
	}()
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("crm serve exited before listening: %s", logs)
		}
		base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("crm serve did not listen within 30s: %s", logs)
	}

	tok, err := auth.SignHS256([]byte(secret), auth.TokenSpec{UserID: uuid.New(), Email: "docker@test.dev", Name: "Docker Test", Role: auth.RoleManager, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, accept, token, want string }{
		{"/healthz", "", "", ""},
		{"/api/me", "application/json", tok, `"email":"docker@test.dev"`},
		{"/graphql", "text/html", "", "<!doctype html>"},
	} {
		req, _ := http.NewRequest(http.MethodGet, base+c.path, nil)
		req.Header.Set("Accept", c.accept)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", c.path, err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s: %d %.200s", c.path, res.StatusCode, body)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("crm serve after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("crm serve did not stop within 15s of SIGTERM")
	}
}

// buildLikeDockerfile builds ./cmd/crm with the Dockerfile's settings.
func buildLikeDockerfile(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=docker-test", "-o", bin, "./cmd/crm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary is dynamically linked; distroless/static has no libc")
		}
	}
	return bin
}

// runCrm runs the binary with only env as its environment.
func runCrm(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("run crm %v: %v", args, err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// emptyDatabase creates a database with no tables, dropped when the test
// ends, and returns its URL.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	admin := dbtest.URL(t)
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	name := "crm_docker_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := conn.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = conn.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

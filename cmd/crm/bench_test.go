package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/bench"
	"github.com/telecaller-crm/api/seed"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestBenchAgainstServer runs `crm bench` briefly against the real server
// stack over a small seeded database, with rate limiting on, and checks
// the table and the JSON report.
func TestBenchAgainstServer(t *testing.T) {
	t.Parallel()
	e := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.RateLimitEnabled, c.RateLimitAuthPerHour = true, 1000000
		c.RateLimitKeyPrefix = "bench-test-" + strings.ReplaceAll(t.Name(), "/", "-") + ":"
	}))
	if _, err := seed.Run(context.Background(), e.DB, seed.Options{Seed: 1, Leads: 60}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--url", e.Server.URL, "--database-url", e.DBURL, "--duration", "1s", "--warmup", "100ms",
		"--clients", "2", "--only", "^(rest_list|rest_get|rest_create|rest_patch|rest_interaction)$", "--json", "--out", out}
	if err := run(context.Background(), args, env("SUPABASE_JWT_SECRET", servertest.Secret), &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"rest_list", "sql_list", "rest_get", "sql_get", "rest_patch", "sql_patch", "rest_create", "sql_create", "rest_interaction", "sql_interaction", "API/SQL"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %s:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 10 || rep.Machine.CPUs == 0 || rep.Clients != 2 || rep.Telecallers != 2 {
		t.Fatalf("report = %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (%s)", r.Name, r.Requests, r.Errors, r.FirstError)
		}
		if r.Pair == "" && r.Ratio <= 0 {
			t.Errorf("%s: no ratio to its baseline", r.Name)
		}
		// The test database's backends and this process do the work.
		if r.CPUPerRequest["postgres"] <= 0 || r.CPUPerRequest["client"] <= 0 {
			t.Errorf("%s: CPU per request %v, want Postgres's and the client's", r.Name, r.CPUPerRequest)
		}
	}
}

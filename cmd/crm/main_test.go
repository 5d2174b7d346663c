package main

import (
	"bytes"
	"context"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/seed"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestCommands(t *testing.T) {
	t.Parallel()
	const secret = "cmd-test-secret"
	tests := []struct {
		name    string
		args    []string
		env     func(string) string
		wantErr string
		wantOut string
	}{
		{name: "version", args: []string{"version"}, env: env(), wantOut: "crm dev"},
		{name: "help", args: []string{"help"}, env: env(), wantOut: "Commands:"},
		{name: "no command", args: nil, env: env(), wantErr: "missing command"},
		{name: "unknown command", args: []string{"frobnicate"}, env: env(), wantErr: `unknown command "frobnicate"`},
		{name: "serve without configuration", args: []string{"serve"}, env: env(), wantErr: "DATABASE_URL is required"},
		{name: "serve with a bad number", args: []string{"serve"}, env: env("DATABASE_URL", "x", "REDIS_URL", "y", "SUPABASE_JWT_SECRET", "z", "RATE_LIMIT_AUTH_PER_HOUR", "lots"), wantErr: "RATE_LIMIT_AUTH_PER_HOUR must be"},
		{name: "migrate without a database", args: []string{"migrate", "up"}, env: env(), wantErr: "DATABASE_URL is not set"},
		{name: "migrate with a bad action", args: []string{"migrate"}, env: env("DATABASE_URL", "postgres://x"), wantErr: "migrate needs one of"},
		{name: "token with a bad role", args: []string{"token", "--role", "boss"}, env: env("SUPABASE_JWT_SECRET", secret), wantErr: "--role"},
		{name: "token for an unknown user", args: []string{"token", "--role", "manager", "--user", "nobody"}, env: env("SUPABASE_JWT_SECRET", secret), wantErr: "neither a demo user nor a uuid"},
		{name: "every demo token", args: []string{"token", "--all"}, env: env("SUPABASE_JWT_SECRET", secret), wantOut: "export TOKEN_MANAGER="},
		{name: "serve --help", args: []string{"serve", "--help"}, env: env(), wantErr: "flag: help requested"},
		{name: "migrate --help", args: []string{"migrate", "--help"}, env: env(), wantErr: "flag: help requested"},
		{name: "token --help", args: []string{"token", "-h"}, env: env(), wantErr: "flag: help requested"},
		{name: "import --help", args: []string{"import", "--help"}, env: env(), wantErr: "flag: help requested"},
		{name: "seed --help", args: []string{"seed", "--help"}, env: env(), wantErr: "flag: help requested"},
		{name: "bench --help", args: []string{"bench", "--help"}, env: env(), wantErr: "flag: help requested"},
		{name: "bench without a database", args: []string{"bench"}, env: env(), wantErr: "--database-url (or DATABASE_URL) is required"},
		{name: "bench with a bad filter", args: []string{"bench", "--only", "("}, env: env("DATABASE_URL", "postgres://x"), wantErr: "--only"},
		{name: "serve with profiles on the network", args: []string{"serve"}, env: env("DATABASE_URL", "x", "REDIS_URL", "y", "SUPABASE_JWT_SECRET", "z", "PPROF_ADDR", "0.0.0.0:6060"), wantErr: "PPROF_ADDR must be a loopback host:port"},
		{name: "serve with profiles on a public name", args: []string{"serve"}, env: env("DATABASE_URL", "x", "REDIS_URL", "y", "SUPABASE_JWT_SECRET", "z", "PPROF_ADDR", "example.com:6060"), wantErr: "PPROF_ADDR must be a loopback host:port"},
		{name: "serve with a bad count bound", args: []string{"serve"}, env: env("DATABASE_URL", "x", "REDIS_URL", "y", "SUPABASE_JWT_SECRET", "z", "LEAD_COUNT_EXACT_LIMIT", "-1"), wantErr: "LEAD_COUNT_EXACT_LIMIT must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, tc.env, &out, &errOut)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Fatalf("output %q lacks %q", out.String(), tc.wantOut)
			}
		})
	}
}

func TestTokenVerifies(t *testing.T) {
	t.Parallel()
	const secret = "cmd-test-secret"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "--role", "manager"}, env("SUPABASE_JWT_SECRET", secret), &out, &out); err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	p, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	mgr, _ := seed.FindDemoUser("manager", "")
	if p.Role != auth.RoleManager || p.UserID != mgr.ID {
		t.Fatalf("principal = %+v, want the demo manager", p)
	}
}

func TestMigrateAndSeed(t *testing.T) {
	t.Parallel()
	_, dsn := dbtest.New(t)
	e := env("DATABASE_URL", dsn)
	var out bytes.Buffer
	for _, args := range [][]string{{"migrate", "status"}, {"migrate", "up"}, {"seed", "--leads", "40"}, {"seed", "--leads", "40"}} {
		out.Reset()
		if err := run(context.Background(), args, e, &out, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		t.Logf("%v: %s", args, out.String())
	}
	if !strings.Contains(out.String(), "nothing inserted") {
		t.Fatalf("second seed wrote again: %s", out.String())
	}
}

// serve tunes the collector unless the environment sets Go's own knobs.
// Not parallel: it changes the test process's collector.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tt := range []struct {
		env       map[string]string
		wantTuned bool
	}{
		{map[string]string{}, true},
		{map[string]string{"GOGC": "100"}, false},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, false},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		tuned := tuneGC(func(k string) string { return tt.env[k] })
		gc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1)
		debug.SetGCPercent(gc)
		if tuned != tt.wantTuned {
			t.Errorf("env %v: tuned = %v, want %v", tt.env, tuned, tt.wantTuned)
		}
		wantGC, wantLimit := 100, int64(math.MaxInt64)
		if tt.wantTuned {
			wantGC, wantLimit = serverGCPercent, serverMemoryLimit
		}
		if gc != wantGC || limit != wantLimit {
			t.Errorf("env %v: GOGC %d, limit %d; want %d, %d", tt.env, gc, limit, wantGC, wantLimit)
		}
	}
}

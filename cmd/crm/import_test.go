package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestImportCommand(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	dir := t.TempDir()
	file := filepath.Join(dir, "leads.csv")
	csv := "Name,Phone Number,E-mail,Lead Source\nJohn Doe,123-456-7890,john@example.com,website\nNo Contact,,,\nJane Roe,+91 98100 00002,jane@example.com,Cold Call\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	run1 := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"import", "--url", env.Server.URL, "--token", tok}, args...), noEnv(), &out, &errOut)
		return out.String(), err
	}
	out, err := run1("--dry-run", file)
	if err != nil || !strings.Contains(out, "2 created, 0 updated, 0 skipped, 1 rejected (dry run") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	out, err = run1(file)
	if err != nil || !strings.Contains(out, "import: 2 created, 0 updated, 0 skipped, 1 rejected\n") {
		t.Fatalf("import: %q %v", out, err)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	if out, err = run1("--mode", "skip", "--rejects", rejects, file); err != nil || !strings.Contains(out, rejects) {
		t.Fatalf("rejects: %q %v", out, err)
	}
	if b, _ := os.ReadFile(rejects); !strings.Contains(string(b), "No Contact") || strings.Contains(string(b), "John Doe") {
		t.Fatalf("rejects file = %q", b)
	}
	if _, err := run1("--mode", "merge", file); err == nil || !strings.Contains(err.Error(), "--mode") {
		t.Fatalf("bad mode: %v", err)
	}
	var out2, errOut bytes.Buffer
	err = run(context.Background(), []string{"import", "--url", env.Server.URL, "--token", "garbage", file}, noEnv(), &out2, &errOut)
	if err == nil || !strings.Contains(err.Error(), "401 UNAUTHORIZED") {
		t.Fatalf("bad token: %v", err)
	}
}

// noEnv is an empty environment.
func noEnv() func(string) string { return func(string) string { return "" } }

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

// importCmd uploads a CSV to a running server's POST /api/leads/import, the
// same path API clients use, and prints the totals (and, with --rejects, a
// CSV of the rejected rows).
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crm import [flags] leads.csv\n\nUploads a CSV of leads to a running server (POST /api/leads/import).\n\nFlags:")
		fs.PrintDefaults()
	}
	server := fs.String("url", envOr(getenv, "CRM_URL", "http://localhost:8080"), "server base URL (CRM_URL)")
	token := fs.String("token", getenv("CRM_TOKEN"), "bearer token (CRM_TOKEN); default: a dev token for the demo manager, signed with the local secret")
	mode := fs.String("mode", "create", "create, upsert or skip: what to do with leads that already exist")
	dryRun := fs.Bool("dry-run", false, "validate and report without writing")
	rejects := fs.String("rejects", "", "write the rejected rows as CSV to this file")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs one CSV file")
	}
	if _, err := db.ParseEnum(db.BulkModes, *mode); err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if *token == "" {
		if *token, err = demoManagerToken(getenv); err != nil {
			return err
		}
	}
	format := "json"
	if *rejects != "" {
		format = "csv"
	}
	q := url.Values{"mode": {*mode}, "dryRun": {fmt.Sprint(*dryRun)}, "format": {format}}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	bar := progressbar.DefaultBytes(st.Size(), "uploading")
	progressbar.OptionSetWriter(stderr)(bar)
	body := io.TeeReader(f, bar)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*server, "/")+"/api/leads/import?"+q.Encode(), body)
	if err != nil {
		return err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	_ = bar.Finish()
	fmt.Fprintln(stderr)
	if resp.StatusCode != http.StatusOK {
		return apiError(resp)
	}
	if format == "csv" {
		return saveRejects(resp.Body, *rejects, stdout)
	}
	var out struct {
		Data struct {
			Totals db.BulkTotals `json:"totals"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	t := out.Data.Totals
	fmt.Fprintf(stdout, "import: %d created, %d updated, %d skipped, %d rejected%s\n", t.Created, t.Updated, t.Skipped, t.Error, dryRunNote(*dryRun))
	return nil
}

func saveRejects(body io.Reader, path string, stdout io.Writer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "import: done; rejected rows (%d bytes of CSV) written to %s\n", n, path)
	return nil
}

// apiError turns an error envelope into a one-line error.
func apiError(resp *http.Response) error {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if json.Unmarshal(b, &env) == nil && env.Error.Code != "" {
		return fmt.Errorf("server answered %d %s: %s", resp.StatusCode, env.Error.Code, env.Error.Message)
	}
	return fmt.Errorf("server answered %s", resp.Status)
}

func demoManagerToken(getenv func(string) string) (string, error) {
	secret, err := devSecret(getenv)
	if err != nil {
		return "", fmt.Errorf("no --token given and %w", err)
	}
	m, _ := seed.FindDemoUser(db.RoleManager, "")
	return auth.SignHS256(secret, auth.TokenSpec{UserID: m.ID, Email: m.Email, Name: m.FullName, Role: auth.RoleManager, TTL: time.Hour})
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func dryRunNote(dry bool) string {
	if dry {
		return " (dry run: nothing written)"
	}
	return ""
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/bench"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

// benchCmd drives every workload against a running server and the same SQL
// through a pgx pool, one after the other, and prints the table.
func benchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "http://127.0.0.1:8080", "base URL of the running server")
	dsn := fs.String("database-url", getenv("DATABASE_URL"), "the server's database, for the raw-SQL baselines")
	duration := fs.Duration("duration", 20*time.Second, "measured time per workload")
	warmup := fs.Duration("warmup", 3*time.Second, "unmeasured time before each workload")
	clients := fs.Int("clients", 50, "concurrent clients (HTTP connections, pgx pool size)")
	only := fs.String("only", "", "run only workloads whose name matches this regular expression (baselines follow their API workload)")
	pid := fs.Int("server-pid", 0, "server process id for CPU and RSS (default: the process listening on --url's port)")
	jsonOn := fs.Bool("json", false, "also write the report, with the machine description, as JSON to --out")
	jsonOut := fs.String("out", "bench/results/latest.json", "the JSON report's file (with --json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		return errors.New("--database-url (or DATABASE_URL) is required for the baselines")
	}
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			return fmt.Errorf("--only: %w", err)
		}
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--url %q is not a URL", *target)
	}
	secret, err := devSecret(getenv)
	if err != nil {
		return err
	}
	manager, _ := seed.FindDemoUser(db.RoleManager, "")
	tok, err := auth.SignHS256(secret, auth.TokenSpec{UserID: manager.ID, Email: manager.Email, Name: manager.FullName, Role: auth.RoleManager, TTL: 2 * time.Hour})
	if err != nil {
		return err
	}
	proc, err := serverProc(*pid, u)
	if err != nil {
		fmt.Fprintln(stderr, "bench: no server CPU/RSS:", err)
	}

	pcfg, err := pgxpool.ParseConfig(*dsn)
	if err != nil {
		return fmt.Errorf("--database-url: %w", err)
	}
	pcfg.MaxConns, pcfg.MinConns = int32(*clients), int32(*clients)
	for k, v := range db.ListPlannerParams() { // plan as the server's list pool does
		pcfg.ConnConfig.RuntimeParams[k] = v
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = *clients, *clients
	t := &bench.Target{
		BaseURL:   strings.TrimRight(*target, "/"),
		HTTP:      &http.Client{Transport: tr, Timeout: 30 * time.Second},
		Token:     tok,
		ManagerID: manager.ID,
		Pool:      pool,
		TelecallerToken: func(u bench.User) (string, error) {
			return auth.SignHS256(secret, auth.TokenSpec{UserID: u.ID, Email: u.Email, Name: u.FullName, Role: auth.RoleTelecaller, TTL: 2 * time.Hour})
		},
	}
	if err := t.Prepare(ctx, 5000); err != nil {
		return err
	}
	writers := min(*clients, len(t.Callers))
	fmt.Fprintf(stderr, "bench: calls and lead updates come from %d telecallers (%d clients), each on their own leads\n", writers, *clients)

	rep := bench.Report{
		StartedAt: time.Now().UTC(), Commit: gitCommit(ctx), Machine: bench.DescribeMachine(),
		Target: *target, Duration: duration.String(), Warmup: warmup.String(), Clients: *clients,
		Telecallers: writers,
	}
	_ = pool.QueryRow(ctx, "SHOW server_version").Scan(&rep.Machine.Postgres)
	meters := otherParties(ctx, pool, getenv("REDIS_URL"), stderr)
	opt := bench.Options{Duration: *duration, Warmup: *warmup, Clients: *clients}
	selected := map[string]bool{}
	for _, w := range t.Workloads() {
		name := w.Name
		if w.Pair != "" {
			name = w.Pair
		}
		if filter != nil && !filter.MatchString(name) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		selected[w.Name] = true
		watch := bench.Watch{Server: proc, Meters: meters}
		if w.Pair != "" {
			watch.Server = nil // the server idles while the baseline runs
		}
		res := bench.Run(ctx, w, opt, watch)
		fmt.Fprintf(stderr, "bench: %-28s %8.0f req/s  p99 %6.2f ms  errors %d  load1 %.2f\n",
			res.Name, res.PerSecond, float64(res.Latency.P99)/float64(time.Millisecond), res.Errors, res.Load1)
		rep.Results = append(rep.Results, res)
	}
	if len(selected) == 0 {
		return fmt.Errorf("--only %q matches no workload", *only)
	}
	rep.Pair()
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if *jsonOn {
		if err := rep.WriteJSON(*jsonOut); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "bench: wrote", *jsonOut)
	}
	return nil
}

// serverProc is the process to watch: --server-pid, else the local process
// listening on the target's port.
func serverProc(pid int, u *url.URL) (*bench.Proc, error) {
	if pid > 0 {
		return &bench.Proc{PID: pid}, nil
	}
	_, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		portStr = "80"
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, err
	}
	return bench.FindListener(port)
}

// otherParties are the local processes besides the server whose CPU each
// request costs: Postgres's processes working for the benchmark database,
// Redis (the process listening on REDIS_URL's port) and this harness.
// Postgres is left out when none of its processes is visible (not local).
func otherParties(ctx context.Context, pool *pgxpool.Pool, redisURL string, stderr io.Writer) map[string]bench.Meter {
	meters := map[string]bench.Meter{"client": &bench.Proc{PID: os.Getpid()}}
	if pg := (bench.DatabaseBackends{Pool: pool}); bench.Visible(pg) {
		meters["postgres"] = pg
	} else {
		fmt.Fprintln(stderr, "bench: no Postgres CPU: its processes are not visible here")
	}
	if u, err := url.Parse(redisURL); err == nil && u.Port() != "" {
		port, _ := strconv.Atoi(u.Port())
		if p, err := bench.FindListener(port); err == nil {
			meters["redis"] = p
		} else {
			fmt.Fprintln(stderr, "bench: no Redis CPU:", err)
		}
	}
	return meters
}

// gitCommit is the checked-out commit, or "" outside a git work tree.
func gitCommit(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Command crm runs the Telecaller CRM API and its maintenance tasks.
//
//	crm serve                      serve HTTP on HTTP_ADDR
//	crm migrate up|down|status     manage the database schema
//	crm seed [--seed N --leads N]  load demo users, leads and interactions
//	crm seed --large [--leads N --interactions M]
//	                               COPY a large benchmark data set
//	crm token --role R [--user U]  print a dev token signed with the local secret
//	crm import leads.csv           upload a CSV of leads to a running server
//	crm bench [--url U --duration D --clients N --json]
//	                               load-test a running server against raw SQL
//	crm version                    print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h/--help printed the usage
	case err != nil:
		fmt.Fprintln(os.Stderr, "crm:", err)
		os.Exit(2)
	}
}

// run dispatches a subcommand; it is main without the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("missing command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return seedCmd(ctx, rest, getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, getenv, stdout, stderr)
	case "token":
		return token(rest, getenv, stdout, stderr)
	case "bench":
		return benchCmd(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "crm", version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: crm <command> [flags]

Commands:
  serve                       serve the API on HTTP_ADDR (default :8080)
  migrate up|down|status      apply, roll back or list database migrations
  seed [--seed N] [--leads N] load demo users, leads and interactions (idempotent)
  seed --large [--seed N] [--leads N] [--interactions M] [--connections C]
                              COPY a large benchmark data set into a database
                              without leads: 50 more telecallers, N leads over
                              a year, exactly M interactions (default 5 per
                              lead), C batches at once (default 2), with a
                              progress bar; implied by --interactions or
                              --leads > 10000
  token --role R [--user U]   print a dev token for a demo user (or any uuid)
  import [flags] leads.csv    upload a CSV of leads to a running server
  bench [--url U] [--duration D] [--clients N] [--json]
                              load-test a running server, each workload
                              followed by the same SQL straight through pgx
  version                     print the version

Configuration comes from the environment; see README.md.
`)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

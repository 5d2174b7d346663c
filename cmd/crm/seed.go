package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

// largeThreshold is the lead count above which `crm seed` switches to the
// large, COPY-based mode on its own.
const largeThreshold = 10_000

func seedCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt seed.Options
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed; the same seed gives the same data")
	fs.IntVar(&opt.Leads, "leads", 300, "number of leads")
	large := fs.Bool("large", false, fmt.Sprintf("load a large benchmark data set with COPY (implied by --interactions or --leads > %d)", largeThreshold))
	interactions := fs.Int("interactions", 0, "exact number of interactions in the large mode (default 5 per lead)")
	connections := fs.Int("connections", 2, "large mode: batches copied at once, one Postgres connection (and core) each")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "interactions" {
			*large = true
		}
	})
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	// The large mode needs a connection per copier plus one for its lock.
	bdb, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: max(4, *connections+1)})
	if err != nil {
		return err
	}
	defer bdb.Close()
	if *large || opt.Leads > largeThreshold {
		lopt := seed.LargeOptions{Seed: opt.Seed, Leads: opt.Leads, Interactions: *interactions, Connections: *connections}
		return seedLarge(ctx, bdb, lopt, stdout, stderr)
	}
	sum, err := seed.Run(ctx, bdb, opt)
	if err != nil {
		return err
	}
	if sum.Skipped {
		fmt.Fprintln(stdout, "seed: demo data already present, nothing inserted")
		return nil
	}
	fmt.Fprintf(stdout, "seed: %d users, %d leads, %d interactions\n", sum.Users, sum.Leads, sum.Interactions)
	return nil
}

// seedLarge runs seed.RunLarge with a progress bar on stderr (rows copied
// of leads + interactions) and prints a summary with the load rate.
func seedLarge(ctx context.Context, bdb *bun.DB, opt seed.LargeOptions, stdout, stderr io.Writer) error {
	if opt.Interactions == 0 {
		opt.Interactions = 5 * opt.Leads
	}
	bar := progressbar.NewOptions64(int64(opt.Leads+opt.Interactions),
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("seed: copying"),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
	)
	copied := false
	opt.Progress = func(p seed.LargeProgress) {
		_ = bar.Set64(int64(p.Leads + p.Interactions))
		if msg, ok := map[string]string{"index": "rebuilding indexes and keys", "rollups": "building analytics rollups", "analyze": "vacuum analyze"}[p.Stage]; ok {
			if !copied {
				_ = bar.Finish()
				copied = true
			}
			fmt.Fprintf(stderr, "seed: %s…\n", msg)
		}
	}
	sum, err := seed.RunLarge(ctx, bdb, opt)
	if err != nil {
		_ = bar.Exit()
		fmt.Fprintln(stderr)
		return err
	}
	fmt.Fprintf(stdout, "seed: %d users, %d leads, %d interactions in %s (%.0f rows/s); copy %s, indexes and rollups %s, vacuum analyze %s\n",
		sum.Users, sum.Leads, sum.Interactions, sum.Total.Round(time.Millisecond), sum.RowsPerSecond(),
		sum.Copy.Round(time.Millisecond), sum.Rebuild.Round(time.Millisecond), sum.Analyze.Round(time.Millisecond))
	return nil
}

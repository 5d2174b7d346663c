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
	connections := fs.Int("connections", 2, "large mode: batches copied, then indexes and rollups rebuilt, at once, one Postgres connection (and core) each")
	verbose := fs.Bool("verbose", false, "large mode: print each index, key, trigger and rollup rebuild with its time")
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
		return seedLarge(ctx, bdb, lopt, *verbose, stdout, stderr)
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
// of leads + interactions), a line per stage (and, verbose, per rebuild
// step with its time), and prints a summary with the load rate.
func seedLarge(ctx context.Context, bdb *bun.DB, opt seed.LargeOptions, verbose bool, stdout, stderr io.Writer) error {
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
		if p.Stage == "copy" {
			_ = bar.Set64(int64(p.Leads + p.Interactions))
			return
		}
		if !copied {
			_ = bar.Set64(int64(p.Leads + p.Interactions))
			_ = bar.Finish()
			copied = true
		}
		switch {
		case p.Stage == "rebuild" && p.Step.Name == "":
			fmt.Fprintln(stderr, "seed: rebuilding indexes, keys and analytics rollups…")
		case p.Stage == "rebuild" && verbose:
			fmt.Fprintf(stderr, "seed:   %s %s %s\n", p.Step.Kind, p.Step.Name, p.Step.Took.Round(10*time.Millisecond))
		case p.Stage == "analyze":
			fmt.Fprintln(stderr, "seed: vacuum analyze…")
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

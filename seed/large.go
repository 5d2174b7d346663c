package seed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// LargeOptions size the large data set RunLarge loads. Zero fields take
// their defaults.
type LargeOptions struct {
	// Seed picks the data set; the same Seed and Now give the same rows.
	// Default 1.
	Seed int64
	// Leads is how many leads to load. Default 1,000,000.
	Leads int
	// Interactions is exactly how many interactions to load, spread over the
	// leads that are not new (leads left without any stay new). Default 5
	// per lead.
	Interactions int
	// Now is the moment all dates are relative to: leads are created during
	// the year before it and nothing happens after it. Default time.Now().
	Now time.Time
	// Connections is how many batches are copied at once, each on a
	// connection of its own (Postgres works on one core per connection),
	// and how many indexes and rollups are rebuilt at once afterwards.
	// Default 2, capped by the pool size.
	Connections int
	// Progress, when set, is called after each batch is committed, when a
	// stage starts and after each rebuild step, one call at a time.
	Progress func(LargeProgress)
}

// LargeProgress reports how far RunLarge has got.
type LargeProgress struct {
	// Stage is "copy" while rows are being copied, "rebuild" while indexes,
	// foreign keys, triggers and the analytics rollups are rebuilt (at
	// once, on separate connections), then "analyze" while statistics and
	// the visibility map are refreshed.
	Stage string
	// Leads and Interactions count the rows copied so far.
	Leads, Interactions int
	// Step, during "rebuild", is the step just completed (empty when the
	// stage starts).
	Step db.BulkLoadStep
}

// LargeSummary says what RunLarge wrote and where the time went.
type LargeSummary struct {
	Users, Leads, Interactions int
	// Copy is the time spent generating and copying rows (both run at
	// once), Rebuild the time spent analyzing the loaded tables, then
	// rebuilding indexes, foreign keys, triggers and the analytics rollups
	// (Steps has each one's own time; they overlap), Analyze the time spent
	// on the final ANALYZE and VACUUM, and Total the wall time of the call.
	Copy, Rebuild, Analyze, Total time.Duration
	Steps                         []db.BulkLoadStep
}

// RowsPerSecond is the overall load rate: leads plus interactions per second
// of Total.
func (s LargeSummary) RowsPerSecond() float64 {
	if s.Total <= 0 {
		return 0
	}
	return float64(s.Leads+s.Interactions) / s.Total.Seconds()
}

// chunkLeads is how many leads (and their interactions) go in one batch.
const chunkLeads = 10_000

// withDefaults fills in the defaults and fits Connections into bdb's pool,
// which also needs a connection for the seed lock.
func (o LargeOptions) withDefaults(bdb *bun.DB) (LargeOptions, error) {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Leads == 0 {
		o.Leads = 1_000_000
	}
	if o.Interactions == 0 {
		o.Interactions = 5 * o.Leads
	}
	if o.Leads < 0 || o.Interactions < 0 {
		return o, errors.New("leads and interactions must not be negative")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = micro(o.Now.Round(0))
	if o.Connections <= 0 {
		o.Connections = 2
	}
	if limit := bdb.Stats().MaxOpenConnections; limit > 0 {
		o.Connections = max(1, min(o.Connections, limit-1))
	}
	if o.Progress == nil {
		o.Progress = func(LargeProgress) {}
	}
	return o, nil
}

// RunLarge loads a large, realistic data set for analytics benchmarks: the
// demo users plus a team of 50 telecallers (upserted), then opt.Leads leads
// created over the year before Now and exactly opt.Interactions interactions
// consistent with them (attempt counts, last contact, follow-ups and final
// status all agree with each lead's history). Rows are generated while they
// are streamed with COPY, in batches of 10,000 leads with their
// interactions; memory stays flat. The tables are empty, so the load first
// drops their secondary indexes and foreign keys and pauses the rollup
// triggers (db.DeferBulkLoadDDL saves their definitions), then rebuilds the
// very same ones and the analytics rollups, each in one pass and
// opt.Connections at once (db.FinishBulkLoad). Planner statistics and the
// visibility map are refreshed at the end.
//
// It loads only into a database without leads and returns an error
// otherwise. On failure it empties the tables again and restores their
// indexes; if the process dies instead, the next RunLarge does that first.
func RunLarge(ctx context.Context, bdb *bun.DB, opt LargeOptions) (LargeSummary, error) {
	start := time.Now()
	opt, err := opt.withDefaults(bdb)
	if err != nil {
		return LargeSummary{}, fmt.Errorf("seed: %w", err)
	}
	opt.Progress(LargeProgress{Stage: "copy"})
	sum, err := loadLarge(ctx, bdb, opt)
	if err != nil {
		return LargeSummary{}, fmt.Errorf("seed: %w", err)
	}
	sum.Copy = time.Since(start) - sum.Rebuild
	opt.Progress(LargeProgress{Stage: "analyze", Leads: sum.Leads, Interactions: sum.Interactions})
	analyzed := time.Now()
	if err := vacuumAnalyze(ctx, bdb); err != nil {
		return LargeSummary{}, fmt.Errorf("seed: %w", err)
	}
	sum.Analyze = time.Since(analyzed)
	sum.Total = time.Since(start)
	return sum, nil
}

// vacuumAnalyze gives the planner its statistics and sets the visibility
// map, so that index-only scans work from the first benchmark query and
// autovacuum has nothing left to do in the middle of one. interactions was
// analyzed after the copy and the rollup tables after their rebuild; leads
// is analyzed again for the statistics of its expression indexes. VACUUM
// cannot mark a page all-visible while the commits of its rows, or of
// transactions near them, are not flushed (the server may default to
// asynchronous commits): the synchronous ANALYZE commit before it flushes
// them all.
func vacuumAnalyze(ctx context.Context, bdb *bun.DB) error {
	err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = on"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "ANALYZE users, leads")
		return err
	})
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if _, err := bdb.ExecContext(ctx, "VACUUM users, leads, interactions"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// loadLarge holds the seed lock on a connection of its own while the
// users are upserted and the batches copied, so that two seeders of one
// database wait for each other.
func loadLarge(ctx context.Context, bdb *bun.DB, opt LargeOptions) (LargeSummary, error) {
	var sum LargeSummary
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return sum, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockKey); err != nil {
		return sum, fmt.Errorf("lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockKey) //nolint:errcheck
	pending, err := db.PendingBulkLoadDDL(ctx, conn)
	if err != nil {
		return sum, err
	}
	if pending {
		if err := undoLoad(ctx, bdb, opt.Connections); err != nil {
			return sum, fmt.Errorf("an earlier load was interrupted: %w", err)
		}
	}
	var exists bool
	if err := conn.NewRaw("SELECT EXISTS (SELECT 1 FROM leads)").Scan(ctx, &exists); err != nil {
		return sum, fmt.Errorf("check for leads: %w", err)
	}
	if exists {
		return sum, errors.New("the large data set loads into a database without leads; this one has some (use a fresh database)")
	}
	users := largeUsers()
	if err := upsertUsers(ctx, conn, users); err != nil {
		return sum, err
	}
	sum.Users = len(users)
	if err := db.DeferBulkLoadDDL(ctx, bdb, "leads", "interactions"); err != nil {
		return sum, fmt.Errorf("drop indexes for the load: %w", err)
	}
	sum.Leads, sum.Interactions, err = copyLarge(ctx, bdb, opt)
	if err != nil {
		return sum, errors.Join(err, undoLoad(ctx, bdb, opt.Connections))
	}
	rebuilt := time.Now()
	progress := LargeProgress{Stage: "rebuild", Leads: sum.Leads, Interactions: sum.Interactions}
	opt.Progress(progress)
	if err := rebuildLarge(ctx, bdb, opt, progress, &sum); err != nil {
		return sum, errors.Join(err, undoLoad(ctx, bdb, opt.Connections))
	}
	sum.Rebuild = time.Since(rebuilt)
	return sum, nil
}

// rebuildLarge analyzes the loaded tables, so that the rollups are planned
// for their real size, then rebuilds their indexes, keys and triggers and
// the analytics rollups on opt.Connections connections, adding each step to
// sum as it completes.
func rebuildLarge(ctx context.Context, bdb *bun.DB, opt LargeOptions, progress LargeProgress, sum *LargeSummary) error {
	var mu sync.Mutex
	step := func(s db.BulkLoadStep) {
		mu.Lock()
		defer mu.Unlock()
		sum.Steps = append(sum.Steps, s)
		progress.Step = s
		opt.Progress(progress)
	}
	start := time.Now()
	if _, err := bdb.ExecContext(ctx, "ANALYZE leads, interactions"); err != nil {
		return fmt.Errorf("analyze the loaded rows: %w", err)
	}
	step(db.BulkLoadStep{Kind: "analyze", Name: "leads, interactions", Took: time.Since(start)})
	// The generator wrote followed_up_at and the lead progress columns itself.
	err := db.FinishBulkLoad(ctx, bdb, db.BulkLoadFinish{Workers: opt.Connections, Rollups: db.BulkLoadRollups(), Done: step})
	if err != nil {
		return fmt.Errorf("rebuild indexes and rollups: %w", err)
	}
	return nil
}

// undoLoad empties the loaded tables and the rollups built from them, and
// puts back their indexes, keys and triggers, after a failed load or one
// interrupted in an earlier run (the tables were empty when the load began,
// so every row is the load's own).
// With the rows gone, the unique indexes always rebuild.
func undoLoad(ctx context.Context, bdb *bun.DB, workers int) error {
	ctx = context.WithoutCancel(ctx)
	tables := []bun.Ident{"interactions", "leads"}
	for _, r := range db.BulkLoadRollups() {
		for _, t := range r.Tables {
			tables = append(tables, bun.Ident(t))
		}
	}
	if _, err := bdb.ExecContext(ctx, "TRUNCATE ?", bun.In(tables)); err != nil {
		return fmt.Errorf("empty the partly loaded tables: %w", err)
	}
	if err := db.RestoreBulkLoadDDL(ctx, bdb, workers); err != nil {
		return fmt.Errorf("restore indexes after the failure: %w", err)
	}
	return nil
}

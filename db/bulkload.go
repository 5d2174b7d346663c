package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// A bulk load into empty tables runs much faster without the secondary
// indexes, foreign keys and rollup triggers: Postgres builds an index from
// sorted input in one pass instead of inserting row by row. DeferBulkLoadDDL
// takes them away and RestoreBulkLoadDDL puts the very same ones back. The
// definitions are read from the catalog (pg_get_indexdef,
// pg_get_constraintdef) and stored in bulk_load_deferred in the transaction
// that drops them, so a load that dies half way leaves behind what to
// restore: RestoreBulkLoadDDL (run again, or PendingBulkLoadDDL at start)
// finishes the job.

// rollupTriggers maintain data refresh_telecaller_rollups() and
// refresh_lead_rollups() recompute in one pass after a bulk load;
// leads_track_progress stays on.
var rollupTriggers = []string{"interactions_before_write", "interactions_after_write", "leads_after_write", "leads_after_update",
	"leads_rollups_inserted", "leads_rollups_updated", "leads_rollups_deleted"}

// DeferBulkLoadDDL drops the secondary indexes and foreign keys of tables
// (and the keys of other tables that point at them, so a failed load can be
// emptied with TRUNCATE) and disables the rollup triggers, after saving how to restore them. It
// refuses (CONFLICT) when any of the tables has rows or a previous load left
// work pending.
func DeferBulkLoadDDL(ctx context.Context, bdb *bun.DB, tables ...string) error {
	err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var pending int
		if err := tx.NewRaw("SELECT count(*) FROM bulk_load_deferred").Scan(ctx, &pending); err != nil {
			return err
		}
		if pending > 0 {
			return apperr.New(apperr.Conflict, "A previous bulk load did not finish: restore its indexes first.")
		}
		for _, t := range tables {
			var rows bool
			if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM ?)", bun.Ident(t)).Scan(ctx, &rows); err != nil {
				return err
			}
			if rows {
				return apperr.New(apperr.Conflict, "Bulk loads go into empty tables; %s has rows.", t)
			}
		}
		// Triggers first (restored last), then foreign keys, then indexes
		// (restored first, so the keys' checks can use them).
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_load_deferred (step, name, restore_sql)
			SELECT 3, t.tgname, format('ALTER TABLE %I ENABLE TRIGGER %I', c.relname, t.tgname)
			FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
			WHERE c.relnamespace = 'public'::regnamespace AND t.tgenabled <> 'D'
				AND c.relname IN (?) AND t.tgname IN (?)`, bun.In(tables), bun.In(rollupTriggers)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_load_deferred (step, name, restore_sql)
			SELECT 2, co.conname, format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, co.conname, pg_get_constraintdef(co.oid))
			FROM pg_constraint AS co JOIN pg_class AS c ON c.oid = co.conrelid
			WHERE co.contype = 'f' AND c.relnamespace = 'public'::regnamespace
				AND (c.relname IN (?) OR co.confrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname IN (?)))`,
			bun.In(tables), bun.In(tables)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_load_deferred (step, name, restore_sql)
			SELECT 1, ic.relname, pg_get_indexdef(i.indexrelid)
			FROM pg_index AS i JOIN pg_class AS ic ON ic.oid = i.indexrelid JOIN pg_class AS c ON c.oid = i.indrelid
			WHERE NOT i.indisprimary AND c.relnamespace = 'public'::regnamespace AND c.relname IN (?)
				AND NOT EXISTS (SELECT 1 FROM pg_constraint AS co WHERE co.conindid = i.indexrelid)`, bun.In(tables)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DO $$
			DECLARE r record;
			BEGIN
				FOR r IN SELECT d.step, d.name, c.relname AS tbl FROM bulk_load_deferred AS d
					LEFT JOIN pg_trigger AS t ON d.step = 3 AND t.tgname = d.name
					LEFT JOIN pg_constraint AS co ON d.step = 2 AND co.conname = d.name
					LEFT JOIN pg_class AS c ON c.oid = coalesce(t.tgrelid, co.conrelid)
				LOOP
					CASE r.step
						WHEN 3 THEN EXECUTE format('ALTER TABLE %I DISABLE TRIGGER %I', r.tbl, r.name);
						WHEN 2 THEN EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.tbl, r.name);
						ELSE EXECUTE format('DROP INDEX %I', r.name);
					END CASE;
				END LOOP;
			END $$`)
		return err
	})
	return formatError(err, "Bulk load")
}

// PendingBulkLoadDDL says whether a bulk load left indexes, keys or
// triggers to restore.
func PendingBulkLoadDDL(ctx context.Context, idb bun.IDB) (bool, error) {
	var n int
	err := idb.NewRaw("SELECT count(*) FROM bulk_load_deferred").Scan(ctx, &n)
	return n > 0, formatError(err, "Bulk load")
}

// RestoreBulkLoadDDL recreates what DeferBulkLoadDDL took away, as
// FinishBulkLoad does, without rebuilding any rollup.
func RestoreBulkLoadDDL(ctx context.Context, bdb *bun.DB, workers int) error {
	return FinishBulkLoad(ctx, bdb, BulkLoadFinish{Workers: workers})
}

// Rollup is data derived from the base tables that triggers keep in step
// with every write, and that a bulk load, which pauses those triggers,
// rebuilds once from scratch instead.
type Rollup struct {
	// Name says what is rebuilt, in progress reports.
	Name string
	// Tables are the tables Refresh fills, vacuumed and analyzed after it.
	Tables []string
	// Refresh rebuilds it in one set-based pass over the base tables. It
	// runs while the indexes are being built, so it must not need them.
	Refresh func(ctx context.Context, idb bun.IDB) error
}

// BulkLoadRollups are the rollups a bulk load into leads and interactions
// rebuilds. The loader writes followed_up_at and the lead progress columns
// itself, as the application would have; a new rollup refreshed by a SQL
// function of its own is one more entry here.
func BulkLoadRollups() []Rollup {
	return []Rollup{{
		Name:   "refresh_telecaller_rollups",
		Tables: []string{"lead_telecaller_firsts", "telecaller_activity", "telecaller_open_leads", "telecaller_follow_ups_due"},
		Refresh: func(ctx context.Context, idb bun.IDB) error {
			return RefreshTelecallerRollups(ctx, idb, false)
		},
	}, {
		Name:    "refresh_lead_rollups",
		Tables:  []string{"lead_activity", "lead_contact_delays", "lead_activity_changes"},
		Refresh: RefreshLeadRollups,
	}, {
		Name:    "refresh_lead_counts",
		Tables:  []string{"lead_counts", "lead_count_changes"},
		Refresh: RefreshLeadCounts,
	}}
}

// BulkLoadFinish says how FinishBulkLoad runs.
type BulkLoadFinish struct {
	// Workers is how many connections work at once (at least 1).
	Workers int
	// Rollups are rebuilt alongside the indexes.
	Rollups []Rollup
	// Done, when set, is called (from any worker) as each step completes.
	Done func(BulkLoadStep)
}

// BulkLoadStep is one completed step of FinishBulkLoad.
type BulkLoadStep struct {
	// Kind is "index", "foreign key", "trigger" or "rollup".
	Kind, Name string
	Took       time.Duration
}

// bulkLoadMemory is the maintenance_work_mem of each rebuild: a GIN
// trigram index over a million leads takes three to four times as long when
// its build has to flush to the index every 256MB.
const bulkLoadMemory = "1GB"

// bulkLoadSteps names the kinds of deferred steps, by number.
var bulkLoadSteps = map[int]string{1: "index", 2: "foreign key", 3: "trigger"}

// FinishBulkLoad recreates what DeferBulkLoadDDL took away and rebuilds
// opt.Rollups, on up to opt.Workers connections at once. The work is
// handed out longest first: the rollups, then the GIN indexes (a GIN build
// runs on one core), then the other indexes by the size of their table.
// The foreign keys follow once every index is back, one at a time (each
// locks both its tables), then the triggers; the rollups may still be
// running then, as they only read the tables. Each restore commits with the
// removal of its saved row, so after a failure FinishBulkLoad can be run
// again and picks up where it stopped. The first failure cancels the other
// steps and is returned.
func FinishBulkLoad(ctx context.Context, bdb *bun.DB, opt BulkLoadFinish) error {
	var indexes []string
	err := bdb.NewRaw(`SELECT name FROM bulk_load_deferred WHERE step = 1
		ORDER BY restore_sql LIKE '% USING gin %' DESC,
			coalesce(pg_relation_size(to_regclass(substring(restore_sql FROM ' ON (\S+) USING '))), 0) DESC,
			length(restore_sql) DESC, name`).Scan(ctx, &indexes)
	if err != nil {
		return formatError(err, "Bulk load")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := opt.Done
	if done == nil {
		done = func(BulkLoadStep) {}
	}
	// run does one step unless another has failed; the first failure
	// cancels the others.
	run := func(kind, name string, f func() error) {
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		if err := f(); err != nil {
			cancel(fmt.Errorf("%s %s: %w", kind, name, err))
			return
		}
		done(BulkLoadStep{Kind: kind, Name: name, Took: time.Since(start)})
	}

	var jobs []func()
	for _, r := range opt.Rollups {
		jobs = append(jobs, func() {
			run("rollup", r.Name, func() error { return refreshRollup(ctx, bdb, r) })
		})
	}
	var indexesDone sync.WaitGroup
	indexesDone.Add(len(indexes))
	for _, name := range indexes {
		jobs = append(jobs, func() {
			defer indexesDone.Done()
			run("index", name, func() error { return restoreOne(ctx, bdb, name) })
		})
	}
	// Queued last, so every index build has been picked up when a worker
	// takes this; it waits for them to end.
	jobs = append(jobs, func() {
		indexesDone.Wait()
		for step := 2; step <= 3; step++ {
			var names []string
			run("list", bulkLoadSteps[step], func() error {
				return bdb.NewRaw("SELECT name FROM bulk_load_deferred WHERE step = ? ORDER BY name", step).Scan(ctx, &names)
			})
			for _, name := range names {
				run(bulkLoadSteps[step], name, func() error { return restoreOne(ctx, bdb, name) })
			}
		}
	})
	runJobs(max(1, opt.Workers), jobs)
	return context.Cause(ctx)
}

// runJobs runs jobs in order on up to workers goroutines.
func runJobs(workers int, jobs []func()) {
	queue := make(chan func())
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range queue {
				job()
			}
		})
	}
	for _, job := range jobs {
		queue <- job
	}
	close(queue)
	wg.Wait()
}

// refreshRollup runs r in a transaction of its own, with room for its hash
// aggregates (they group millions of rows by (slot, telecaller) and (lead,
// telecaller), and spill to disk beyond hash_mem_multiplier × work_mem),
// then vacuums and analyzes its tables. The commit is synchronous: VACUUM
// cannot mark pages all-visible while the commit of their rows is not
// flushed (the server may default to asynchronous commits).
func refreshRollup(ctx context.Context, bdb *bun.DB, r Rollup) error {
	err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, set := range []string{"SET LOCAL hash_mem_multiplier = 4", "SET LOCAL synchronous_commit = on"} {
			if _, err := tx.ExecContext(ctx, set); err != nil {
				return err
			}
		}
		return r.Refresh(ctx, tx)
	})
	if err != nil || len(r.Tables) == 0 {
		return err
	}
	tables := make([]bun.Ident, len(r.Tables))
	for i, t := range r.Tables {
		tables[i] = bun.Ident(t)
	}
	_, err = bdb.ExecContext(ctx, "VACUUM (ANALYZE) ?", bun.In(tables))
	return err
}

func restoreOne(ctx context.Context, bdb *bun.DB, name string) error {
	return bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var stmt string
		err := tx.NewRaw("DELETE FROM bulk_load_deferred WHERE name = ? RETURNING restore_sql", name).Scan(ctx, &stmt)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '"+bulkLoadMemory+"'"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, stmt)
		return err
	})
}

// RefreshTelecallerRollups rebuilds the performance rollups from the
// interactions and leads; followUps also recomputes when each booked
// follow-up was completed (skip it when the loader wrote followed_up_at).
func RefreshTelecallerRollups(ctx context.Context, idb bun.IDB, followUps bool) error {
	_, err := idb.ExecContext(ctx, "SELECT refresh_telecaller_rollups(?)", followUps)
	return formatError(err, "Analytics")
}

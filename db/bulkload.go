package db

import (
	"context"
	"errors"
	"fmt"
	"sync"

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

// RestoreBulkLoadDDL recreates what DeferBulkLoadDDL took away: indexes
// first, built by up to workers connections at once with a large
// maintenance_work_mem, then foreign keys, then triggers. Each step commits
// with the removal of its saved row, so it can be run again after a
// failure and picks up where it stopped.
func RestoreBulkLoadDDL(ctx context.Context, bdb *bun.DB, workers int) error {
	for step := 1; step <= 3; step++ {
		var names []string
		if err := bdb.NewRaw("SELECT name FROM bulk_load_deferred WHERE step = ? ORDER BY name", step).Scan(ctx, &names); err != nil {
			return formatError(err, "Bulk load")
		}
		n := 1
		if step == 1 {
			n = max(1, workers)
		}
		jobs := make(chan string)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for w := range n {
			wg.Go(func() {
				for name := range jobs {
					if errs[w] == nil {
						errs[w] = restoreOne(ctx, bdb, name)
					}
				}
			})
		}
		for _, name := range names {
			jobs <- name
		}
		close(jobs)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

func restoreOne(ctx context.Context, bdb *bun.DB, name string) error {
	err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var stmt string
		err := tx.NewRaw("DELETE FROM bulk_load_deferred WHERE name = ? RETURNING restore_sql", name).Scan(ctx, &stmt)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, stmt)
		return err
	})
	if err != nil {
		return fmt.Errorf("restore %s: %w", name, err)
	}
	return nil
}

// RefreshTelecallerRollups rebuilds the performance rollups from the
// interactions and leads; followUps also recomputes when each booked
// follow-up was completed (skip it when the loader wrote followed_up_at).
func RefreshTelecallerRollups(ctx context.Context, idb bun.IDB, followUps bool) error {
	_, err := idb.ExecContext(ctx, "SELECT refresh_telecaller_rollups(?)", followUps)
	return formatError(err, "Analytics")
}

// Package seed fills a database with deterministic data: the fixed demo
// users (DemoUsers) and realistic leads with their call history. Run writes a
// small demo set (Generate makes it without a database) with batched
// INSERTs; RunLarge streams a large benchmark set, a million leads and more,
// with COPY, generating rows as they are written.
package seed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// Options tune the generated data. Zero fields take their defaults.
type Options struct {
	// Seed picks the data set; the same seed gives the same ids. Default 1.
	Seed int64
	// Leads is how many leads to generate. Default 300.
	Leads int
	// InteractionsPerLead is the average number of interactions over all
	// leads (new leads have none, every other lead at least one). Default 3.
	InteractionsPerLead float64
	// Now is the moment all dates are relative to. Default time.Now().
	Now time.Time
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Leads <= 0 {
		o.Leads = 300
	}
	if o.InteractionsPerLead <= 0 {
		o.InteractionsPerLead = 3
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	// Drop the monotonic reading and keep what Postgres stores.
	o.Now = micro(o.Now.Round(0))
	return o
}

// Summary says what Run wrote.
type Summary struct {
	// Users is the number of demo users upserted (always all of them).
	Users int
	// Leads and Interactions are the rows inserted; 0 when Skipped.
	Leads, Interactions int
	// Skipped is true when no lead was inserted: this seed's leads were
	// already there.
	Skipped bool
}

// batchSize is the number of rows per multi-row INSERT.
const batchSize = 500

// lockKey serialises concurrent seeders of one database (pg_advisory_xact_lock).
const lockKey = 0x7e1eca11

// Run upserts the demo users and inserts the demo leads and interactions for
// opt in one transaction. It is idempotent: leads already stored (by id, even
// soft-deleted) are left alone with their interactions, so running the same
// seed again inserts nothing and returns Skipped=true, and running it with
// more Leads adds only the extra ones (a seed's first N leads are the same
// whatever Leads is). A lead whose phone or email another live lead already
// has is left out too, so Summary counts what was really inserted. Errors are
// database errors.
func Run(ctx context.Context, idb *bun.DB, opt Options) (Summary, error) {
	ds := Generate(opt)
	var sum Summary
	err := idb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		sum, err = write(ctx, tx, ds)
		return err
	})
	if err != nil {
		return Summary{}, fmt.Errorf("seed: %w", err)
	}
	return sum, nil
}

// write stores ds inside tx.
func write(ctx context.Context, tx bun.Tx, ds Dataset) (Summary, error) {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", lockKey); err != nil {
		return Summary{}, fmt.Errorf("lock: %w", err)
	}
	if err := upsertUsers(ctx, tx, ds.Users); err != nil {
		return Summary{}, err
	}
	sum := Summary{Users: len(ds.Users)}
	inserted := make(map[uuid.UUID]bool, len(ds.Leads))
	for batch := range slices.Chunk(ds.Leads, batchSize) {
		var ids []uuid.UUID
		// DO NOTHING without a target skips leads already seeded (same id) and
		// leads whose phone or email a live lead already has.
		if _, err := tx.NewInsert().Model(&batch).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx, &ids); err != nil {
			return Summary{}, fmt.Errorf("insert leads: %w", err)
		}
		for _, id := range ids {
			inserted[id] = true
		}
	}
	sum.Leads = len(inserted)
	its := ds.Interactions
	if len(inserted) < len(ds.Leads) {
		its = make([]db.Interaction, 0, len(ds.Interactions))
		for _, it := range ds.Interactions {
			if inserted[it.LeadID] {
				its = append(its, it)
			}
		}
	}
	for batch := range slices.Chunk(its, batchSize) {
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return Summary{}, fmt.Errorf("insert interactions: %w", err)
		}
	}
	sum.Interactions = len(its)
	sum.Skipped = sum.Leads == 0
	return sum, nil
}

// upsertUsers inserts the users or refreshes their email, name and role,
// touching only rows that changed.
func upsertUsers(ctx context.Context, idb bun.IDB, users []db.User) error {
	_, err := idb.NewInsert().Model(&users).
		On("CONFLICT (id) DO UPDATE").
		Set("email = EXCLUDED.email, full_name = EXCLUDED.full_name, role = EXCLUDED.role, updated_at = now()").
		Where("(u.email, u.full_name, u.role) IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.full_name, EXCLUDED.role)").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert users: %w", err)
	}
	return nil
}

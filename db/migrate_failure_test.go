package db_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// A migration that fails half way must leave no changes and no mark, so
// that fixing it and running migrate up again just works.
func TestFailedMigrationIsNeitherAppliedNorMarked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	// Its own bookkeeping tables, so the real migrations' rows don't matter.
	if _, err := bdb.ExecContext(ctx, "DROP TABLE bun_migrations, bun_migration_locks"); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"20300101000001_good.tx.up.sql":   {Data: []byte("CREATE TABLE mig_good (id int)")},
		"20300101000001_good.tx.down.sql": {Data: []byte("DROP TABLE mig_good")},
		"20300101000002_bad.tx.up.sql":    {Data: []byte("CREATE TABLE mig_half (id int);\nSELECT no_such_function()")},
		"20300101000002_bad.tx.down.sql":  {Data: []byte("DROP TABLE mig_half")},
	}
	m, err := db.NewMigratorFS(bdb, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err == nil || !strings.Contains(err.Error(), "no_such_function") {
		t.Fatalf("Up = %v, want the failing statement's error", err)
	}
	var half, marked bool
	if err := bdb.QueryRowContext(ctx, "SELECT to_regclass('mig_half') IS NOT NULL, EXISTS (SELECT 1 FROM bun_migrations WHERE name = '20300101000002')").Scan(&half, &marked); err != nil {
		t.Fatal(err)
	}
	if half || marked {
		t.Errorf("after the failure: half-made table %v, marked applied %v; want neither", half, marked)
	}
	// Fixed, it applies on the next run.
	fsys["20300101000002_bad.tx.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE mig_half (id int)")}
	if m, err = db.NewMigratorFS(bdb, fsys); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up after the fix: %v", err)
	}
	if err := bdb.QueryRowContext(ctx, "SELECT to_regclass('mig_half') IS NOT NULL").Scan(&half); err != nil || !half {
		t.Fatalf("mig_half after the fix: %v, %v", half, err)
	}
}

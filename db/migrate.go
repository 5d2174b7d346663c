package db

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/telecaller-crm/api/db/migrations"
)

// Migrator applies the embedded migrations.
type Migrator struct{ m *migrate.Migrator }

// NewMigrator prepares the embedded migrations for idb.
func NewMigrator(idb *bun.DB) (*Migrator, error) {
	return newMigrator(idb, migrations.FS)
}

// newMigrator reads migrations from fsys. Each file runs in a transaction
// (the .tx. in its name) and is marked applied only when it succeeds, so a
// failed migration leaves neither half its changes nor a claim that it ran.
func newMigrator(idb *bun.DB, fsys fs.FS) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return &Migrator{m: migrate.NewMigrator(idb, ms, migrate.WithMarkAppliedOnSuccess(true))}, nil
}

// Up applies every pending migration as one group and returns their names.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	if err := m.m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := m.m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer m.m.Unlock(ctx) //nolint:errcheck
	group, err := m.m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate up: %w", err)
	}
	return names(group), nil
}

// Down rolls back the last applied group and returns the names rolled back.
func (m *Migrator) Down(ctx context.Context) ([]string, error) {
	if err := m.m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := m.m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer m.m.Unlock(ctx) //nolint:errcheck
	group, err := m.m.Rollback(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate down: %w", err)
	}
	return names(group), nil
}

// Status writes one line per migration: applied or pending.
func (m *Migrator) Status(ctx context.Context, w io.Writer) error {
	if err := m.m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	for _, mg := range ms {
		state := "pending"
		if mg.IsApplied() {
			state = fmt.Sprintf("applied (group %d, %s)", mg.GroupID, mg.MigratedAt.Format("2006-01-02 15:04:05"))
		}
		fmt.Fprintf(w, "%s_%s\t%s\n", mg.Name, mg.Comment, state)
	}
	return nil
}

func names(g *migrate.MigrationGroup) []string {
	if g == nil {
		return nil
	}
	out := make([]string, 0, len(g.Migrations))
	for _, mg := range g.Migrations {
		out = append(out, mg.Name+"_"+mg.Comment)
	}
	return out
}

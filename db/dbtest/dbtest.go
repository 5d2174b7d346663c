// Package dbtest gives each test a freshly migrated Postgres database of its
// own, cloned from a template so that setup stays fast.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/migrations"
)

// URL is the admin DATABASE_URL the tests run against. It fails the test,
// never skips it, when unset: a broken set-up must not pass as "no tests".
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with `make test`")
	}
	return u
}

// New returns a migrated, empty database of the test's own, dropped when the
// test ends. The returned URL points at it.
func New(t testing.TB) (*bun.DB, string) {
	t.Helper()
	ctx := context.Background()
	admin := URL(t)
	template := ensureTemplate(t, admin)
	name := "crm_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	sys := open(t, admin)
	defer sys.Close()
	// Cloning a template fails while anyone is connected to it, so retry briefly.
	var err error
	for i := 0; i < 50; i++ {
		if _, err = sys.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	dsn := withDatabase(t, admin, name)
	bdb := open(t, dsn)
	t.Cleanup(func() {
		_ = bdb.Close()
		sys := open(t, admin)
		defer sys.Close()
		if _, err := sys.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return bdb, dsn
}

// ensureTemplate creates, once per migration set, a migrated template database.
func ensureTemplate(t testing.TB, admin string) string {
	t.Helper()
	ctx := context.Background()
	name := "crm_tpl_" + migrationsHash(t)
	sys := open(t, admin)
	defer sys.Close()
	// Test binaries of several packages run at once: serialise template creation.
	conn, err := sys.Conn(ctx)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		t.Fatalf("lock: %v", err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(727274)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists); err != nil {
		t.Fatalf("check template: %v", err)
	}
	if exists {
		return name
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		t.Fatalf("drop stale template: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		t.Fatalf("create template: %v", err)
	}
	tdb := open(t, withDatabase(t, admin, building))
	m, err := db.NewMigrator(tdb)
	if err == nil {
		_, err = m.Up(ctx)
	}
	_ = tdb.Close()
	if err != nil {
		t.Fatalf("migrate template: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		t.Fatalf("rename template: %v", err)
	}
	return name
}

func migrationsHash(t testing.TB) string {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatalf("hash migrations: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func open(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	bdb, err := db.Open(context.Background(), dsn, db.Options{MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open %s: %v", redact(dsn), err)
	}
	return bdb
}

func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "DATABASE_URL"
	}
	return u.Redacted()
}

package db_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

func TestMigrationsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	m, err := db.NewMigrator(bdb)
	if err != nil {
		t.Fatal(err)
	}
	tables := func() int {
		var n int
		if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('users', 'leads', 'interactions')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// dbtest's databases come migrated: roll back, check, apply again.
	if n := tables(); n != 3 {
		t.Fatalf("fresh test database has %d of 3 tables", n)
	}
	down, err := m.Down(ctx)
	if err != nil || len(down) == 0 {
		t.Fatalf("down: %v %v", down, err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("after down: %d tables remain", n)
	}
	var status bytes.Buffer
	if err := m.Status(ctx, &status); err != nil || !strings.Contains(status.String(), "pending") {
		t.Fatalf("status after down = %q, %v", status.String(), err)
	}
	up, err := m.Up(ctx)
	if err != nil || len(up) != len(down) {
		t.Fatalf("up: %v %v", up, err)
	}
	if n := tables(); n != 3 {
		t.Fatalf("after up again: %d of 3 tables", n)
	}
	again, err := m.Up(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v, %v; want nothing", again, err)
	}
	var trgm bool
	if err := bdb.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')").Scan(&trgm); err != nil || !trgm {
		t.Fatalf("pg_trgm missing: %v", err)
	}
}

func TestSchemaRejectsBadRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	bad := []struct{ name, sql string }{
		{"lead without phone or email", "INSERT INTO leads (id, name) VALUES (gen_random_uuid(), 'x')"},
		{"unknown status", "INSERT INTO leads (id, name, email, status) VALUES (gen_random_uuid(), 'x', 'a@b.co', 'maybe')"},
		{"upper-case email", "INSERT INTO leads (id, name, email) VALUES (gen_random_uuid(), 'x', 'A@b.co')"},
		{"empty name", "INSERT INTO leads (id, name, email) VALUES (gen_random_uuid(), '', 'a@b.co')"},
		{"bad E.164", "INSERT INTO leads (id, name, phone, phone_e164) VALUES (gen_random_uuid(), 'x', '1', '12345')"},
		{"unknown role", "INSERT INTO users (id, role) VALUES (gen_random_uuid(), 'boss')"},
		{"unknown interaction type", "INSERT INTO interactions (id, lead_id, telecaller_id, type) VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'fax')"},
	}
	for _, tc := range bad {
		if _, err := bdb.ExecContext(ctx, tc.sql); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	// Two live leads cannot share a phone, but a deleted one frees it.
	if _, err := bdb.ExecContext(ctx, "INSERT INTO leads (id, name, phone, phone_e164, deleted_at) VALUES (gen_random_uuid(), 'a', 'x', '+919800000001', now())"); err != nil {
		t.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, "INSERT INTO leads (id, name, phone, phone_e164) VALUES (gen_random_uuid(), 'b', 'x', '+919800000001')"); err != nil {
		t.Fatalf("deleted lead blocks its phone: %v", err)
	}
	if _, err := bdb.ExecContext(ctx, "INSERT INTO leads (id, name, phone, phone_e164) VALUES (gen_random_uuid(), 'c', 'x', '+919800000001')"); err == nil {
		t.Fatal("two live leads share a phone")
	}
}

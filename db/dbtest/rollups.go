package dbtest

import (
	"context"
	"testing"

	"github.com/uptrace/bun"
)

// rollupState lists, in a stable order, everything the analytics rollups
// hold: non-empty telecaller_activity rows, the first contacts and
// conversions per lead and telecaller, the open-lead counts, the open
// bookings by due day (zero cells must be gone), when each booked follow-up
// was completed, and the lead report's non-zero lead_activity rows and
// contact-delay histogram, and the non-zero lead counts.
const rollupState = `SELECT x FROM (
	SELECT 'activity ' || t::text AS x FROM telecaller_activity AS t
	WHERE t.interactions <> 0 OR t.leads_contacted <> 0 OR t.conversions <> 0 OR t.first_call_at IS NOT NULL
	UNION ALL SELECT 'first ' || p::text FROM lead_telecaller_firsts AS p
	UNION ALL SELECT 'open ' || o::text FROM telecaller_open_leads AS o WHERE o.open_leads <> 0
	UNION ALL SELECT 'due ' || d::text FROM telecaller_follow_ups_due AS d
	UNION ALL SELECT 'followed ' || i.id::text || ' ' || coalesce(i.followed_up_at::text, '-')
	FROM interactions AS i WHERE i.follow_up_at IS NOT NULL
	UNION ALL SELECT 'lead ' || a::text FROM lead_activity AS a
	WHERE EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(a) - 'minutes' - 'bucket' - 'source') AS c WHERE c.value <> '0')
	UNION ALL SELECT 'delay ' || h::text FROM lead_contact_delays AS h WHERE h.leads <> 0
	UNION ALL SELECT 'count ' || c::text FROM lead_counts AS c WHERE c.leads <> 0
) AS s ORDER BY x`

// CheckRollups fails the test unless the rollups as the triggers left them
// equal a rebuild from scratch (refresh_telecaller_rollups,
// refresh_lead_rollups, refresh_lead_counts). It leaves the rebuilt rollups in place.
func CheckRollups(t testing.TB, bdb *bun.DB) {
	t.Helper()
	ctx := context.Background()
	var kept, rebuilt []string
	// Pending lead changes count once compacted into lead_activity and
	// lead_counts.
	if _, err := bdb.ExecContext(ctx, "SELECT compact_lead_activity(), compact_lead_counts()"); err != nil {
		t.Fatalf("compact lead changes: %v", err)
	}
	if err := bdb.NewRaw(rollupState).Scan(ctx, &kept); err != nil {
		t.Fatalf("read rollups: %v", err)
	}
	if _, err := bdb.ExecContext(ctx, "SELECT refresh_telecaller_rollups(true), refresh_lead_rollups(), refresh_lead_counts()"); err != nil {
		t.Fatalf("rebuild rollups: %v", err)
	}
	if err := bdb.NewRaw(rollupState).Scan(ctx, &rebuilt); err != nil {
		t.Fatalf("read rebuilt rollups: %v", err)
	}
	want := map[string]bool{}
	for _, r := range rebuilt {
		want[r] = true
	}
	got := map[string]bool{}
	bad := 0
	for _, r := range kept {
		got[r] = true
		if !want[r] && bad < 10 {
			t.Errorf("kept, not in a rebuild: %s", r)
			bad++
		}
	}
	for _, r := range rebuilt {
		if !got[r] && bad < 10 {
			t.Errorf("in a rebuild, not kept: %s", r)
			bad++
		}
	}
	if len(kept) != len(rebuilt) && bad == 0 {
		t.Errorf("kept %d rollup rows, a rebuild has %d", len(kept), len(rebuilt))
	}
}

// Schema lists the indexes, constraints and enabled triggers of the public
// tables, to compare two databases' schemas.
func Schema(t testing.TB, bdb *bun.DB) []string {
	t.Helper()
	var out []string
	err := bdb.NewRaw(`SELECT x FROM (
		SELECT pg_get_indexdef(i.indexrelid) AS x FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indrelid
		WHERE c.relnamespace = 'public'::regnamespace
		UNION ALL SELECT c.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
		FROM pg_constraint AS co JOIN pg_class AS c ON c.oid = co.conrelid WHERE c.relnamespace = 'public'::regnamespace
		UNION ALL SELECT c.relname || ' trigger ' || t.tgname || ' ' || t.tgenabled::text
		FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
		WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
	) AS s ORDER BY x`).Scan(context.Background(), &out)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	return out
}

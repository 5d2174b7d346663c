package seed_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/seed"
)

func TestRunLarge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	opt := seed.LargeOptions{Seed: 5, Leads: 5000, Interactions: 25000, Now: now}
	var last seed.LargeProgress
	opt.Progress = func(p seed.LargeProgress) { last = p }
	sum, err := seed.RunLarge(ctx, bdb, opt)
	if err != nil {
		t.Fatalf("RunLarge: %v", err)
	}
	if sum.Users != 55 || sum.Leads != 5000 || sum.Interactions != 25000 {
		t.Fatalf("summary = %+v, want 55 users, 5000 leads, 25000 interactions", sum)
	}
	if want := (seed.LargeProgress{Stage: "analyze", Leads: 5000, Interactions: 25000}); last != want {
		t.Errorf("last progress = %+v, want %+v", last, want)
	}
	kinds := map[string]int{}
	for _, s := range sum.Steps {
		kinds[s.Kind]++
	}
	// Triggers: four keep the telecaller rollups, three the lead rollups.
	if kinds["analyze"] != 1 || kinds["rollup"] != len(db.BulkLoadRollups()) || kinds["index"] < 20 || kinds["foreign key"] < 4 || kinds["trigger"] != 7 {
		t.Errorf("rebuild steps by kind = %v", kinds)
	}
	if got := tableCounts(t, bdb); got != (seed.Summary{Users: 55, Leads: 5000, Interactions: 25000}) {
		t.Fatalf("stored rows = %+v", got)
	}
	checkConsistent(t, bdb)

	t.Run("statistics and the visibility map are fresh", func(t *testing.T) {
		// A concurrent asynchronous commit elsewhere on the server can
		// delay a page or two, hence 90% rather than all.
		for _, table := range []string{"leads", "interactions"} {
			if n := count(t, bdb, `SELECT count(*) FROM pg_class WHERE relname = ?0
				AND reltuples > 0 AND relallvisible >= 0.9 * relpages`, table); n != 1 {
				t.Errorf("%s: not analyzed or not vacuumed", table)
			}
		}
	})

	t.Run("indexes, keys and triggers are back and the rollups match a rebuild", func(t *testing.T) {
		fresh, _ := dbtest.New(t)
		if got, want := dbtest.Schema(t, bdb), dbtest.Schema(t, fresh); !slices.Equal(got, want) {
			t.Errorf("schema after the load:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := count(t, bdb, "SELECT count(*) FROM bulk_load_deferred"); n != 0 {
			t.Errorf("%d deferred steps left", n)
		}
		if n := count(t, bdb, "SELECT count(*) FROM telecaller_activity"); n == 0 {
			t.Error("no rollups were built")
		}
		dbtest.CheckRollups(t, bdb)
	})

	t.Run("phones are valid E.164 and normalise from what was typed", func(t *testing.T) {
		var rows []struct {
			Phone     string `bun:"phone"`
			PhoneE164 string `bun:"phone_e164"`
		}
		if err := bdb.NewRaw("SELECT phone, phone_e164 FROM leads WHERE phone IS NOT NULL").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) < 4500 {
			t.Fatalf("only %d of 5000 leads have a phone", len(rows))
		}
		for _, r := range rows {
			n, err := phonenumbers.Parse(r.Phone, "IN")
			if err != nil || !phonenumbers.IsValidNumber(n) || phonenumbers.Format(n, phonenumbers.E164) != r.PhoneE164 {
				t.Fatalf("phone %q is not a valid number normalising to %q", r.Phone, r.PhoneE164)
			}
		}
	})

	t.Run("the mix looks like a year of a real calling floor", func(t *testing.T) {
		for what, query := range map[string]string{
			"soft-deleted (~1%)":           "SELECT count(*) FROM leads WHERE deleted_at IS NOT NULL",
			"unassigned (~15%)":            "SELECT count(*) FROM leads WHERE assigned_to IS NULL",
			"assigned to the manager":      "SELECT count(*) FROM leads WHERE assigned_to = ?1",
			"called by a former owner":     "SELECT count(DISTINCT l.id) FROM leads l JOIN interactions i ON i.lead_id = l.id WHERE i.telecaller_id <> l.assigned_to",
			"overdue follow-ups":           "SELECT count(*) FROM leads WHERE next_follow_up_at < ?0",
			"callbacks kept within 1 hour": "SELECT count(*) FROM interactions i WHERE i.follow_up_at IS NOT NULL AND EXISTS (SELECT 1 FROM interactions j WHERE j.lead_id = i.lead_id AND j.occurred_at > i.occurred_at AND j.occurred_at <= i.follow_up_at + interval '1 hour')",
			"created over 300 days ago":    "SELECT count(*) FROM leads WHERE created_at < ?0::timestamptz - interval '300 days'",
			"first called within 6 hours":  "SELECT count(*) FROM leads l WHERE (SELECT min(occurred_at) FROM interactions i WHERE i.lead_id = l.id) < l.created_at + interval '6 hours'",
		} {
			if n := count(t, bdb, query, now, seed.DemoUsers[1].ID); n == 0 {
				t.Errorf("no lead or interaction is %s", what)
			}
		}
		if n := count(t, bdb, "SELECT count(*) FROM leads WHERE deleted_at IS NOT NULL"); n < 15 || n > 100 {
			t.Errorf("%d of 5000 leads are soft-deleted, want about 50", n)
		}
		if n := count(t, bdb, "SELECT count(DISTINCT assigned_to) FROM leads"); n != 55 {
			t.Errorf("leads are assigned to %d users, want all 55", n)
		}
		recent := count(t, bdb, "SELECT count(*) FROM leads WHERE created_at >= ?0::timestamptz - interval '90 days'", now)
		oldest := count(t, bdb, "SELECT count(*) FROM leads WHERE created_at < ?0::timestamptz - interval '275 days'", now)
		if recent <= oldest*3/2 {
			t.Errorf("%d leads in the last 90 days and %d in the first 90, want growth", recent, oldest)
		}
		wantEveryEnumValue(t, bdb)
	})

	t.Run("a database with leads is refused", func(t *testing.T) {
		_, err := seed.RunLarge(ctx, bdb, seed.LargeOptions{Leads: 10, Now: now})
		if err == nil || !strings.Contains(err.Error(), "without leads") {
			t.Fatalf("second RunLarge = %v, want a refusal", err)
		}
		if got := tableCounts(t, bdb); got.Leads != 5000 || got.Interactions != 25000 {
			t.Errorf("rows after the refused run = %+v", got)
		}
	})
}

func TestRunLargeIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	digests := make([]string, 3)
	// The same seed copied by one and by two connections, then another seed.
	for i, run := range []struct {
		seed  int64
		conns int
	}{{9, 1}, {9, 2}, {10, 2}} {
		bdb, _ := dbtest.New(t)
		opt := seed.LargeOptions{Seed: run.seed, Leads: 800, Interactions: 3000, Now: now, Connections: run.conns}
		if _, err := seed.RunLarge(ctx, bdb, opt); err != nil {
			t.Fatalf("RunLarge %+v: %v", run, err)
		}
		var d []string
		for _, table := range []string{"leads", "interactions"} {
			var s string
			q := "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM ? AS t"
			if err := bdb.NewRaw(q, bun.Ident(table)).Scan(ctx, &s); err != nil {
				t.Fatal(err)
			}
			d = append(d, s)
		}
		digests[i] = strings.Join(d, "/")
	}
	if digests[0] != digests[1] {
		t.Error("two loads of seed 9 differ (one and two connections)")
	}
	if digests[0] == digests[2] {
		t.Error("seeds 9 and 10 load the same rows")
	}
}

func TestRunLargeOddSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                string
		leads, interactions int
	}{
		{"fewer interactions than contacted leads", 300, 40},
		{"a single interaction", 50, 1},
		{"many interactions per lead", 40, 2000},
		{"a single lead", 1, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bdb, _ := dbtest.New(t)
			sum, err := seed.RunLarge(context.Background(), bdb, seed.LargeOptions{Leads: tc.leads, Interactions: tc.interactions, Now: now})
			if err != nil {
				t.Fatalf("RunLarge: %v", err)
			}
			got := tableCounts(t, bdb)
			if sum.Leads != tc.leads || sum.Interactions != tc.interactions || got.Leads != tc.leads || got.Interactions != tc.interactions {
				t.Fatalf("summary %+v, stored %+v, want %d leads and %d interactions", sum, got, tc.leads, tc.interactions)
			}
			checkConsistent(t, bdb)
		})
	}
}

// checkConsistent runs the rules every loaded data set keeps; each query
// counts the rows breaking one, which must be none.
func checkConsistent(t *testing.T, bdb *bun.DB) {
	t.Helper()
	for name, query := range map[string]string{
		"attempt_count equals the interaction count": `SELECT count(*) FROM leads l
			WHERE l.attempt_count <> (SELECT count(*) FROM interactions i WHERE i.lead_id = l.id)`,
		"last_contacted_at is the newest interaction": `SELECT count(*) FROM leads l
			WHERE l.last_contacted_at IS DISTINCT FROM (SELECT max(occurred_at) FROM interactions i WHERE i.lead_id = l.id)`,
		"new leads have no interactions, others have some": `SELECT count(*) FROM leads
			WHERE (status = 'new') <> (attempt_count = 0)`,
		"interactions happen after the lead's creation and by now": `SELECT count(*) FROM interactions i
			JOIN leads l ON l.id = i.lead_id WHERE i.occurred_at <= l.created_at OR i.occurred_at > ?0`,
		"leads are created during the year before now": `SELECT count(*) FROM leads
			WHERE created_at < ?0::timestamptz - interval '365 days' OR created_at > ?0`,
		"the last outcome explains the final status": `SELECT count(*) FROM leads l
			JOIN LATERAL (SELECT outcome, status_after FROM interactions i WHERE i.lead_id = l.id
				ORDER BY occurred_at DESC, id DESC LIMIT 1) last ON true
			WHERE last.status_after IS DISTINCT FROM l.status
			OR (l.status IN ('converted', 'do_not_call', 'not_interested', 'interested') AND last.outcome IS DISTINCT FROM l.status)`,
		"the next follow-up is the one the last touch set": `SELECT count(*) FROM leads l
			WHERE (l.status IN ('follow_up', 'interested')) <> (l.next_follow_up_at IS NOT NULL)
			OR l.next_follow_up_at IS DISTINCT FROM (SELECT follow_up_at FROM interactions i WHERE i.lead_id = l.id
				ORDER BY occurred_at DESC LIMIT 1) AND l.next_follow_up_at IS NOT NULL`,
		"no two interactions of a lead share a moment": `SELECT count(*) FROM (SELECT lead_id, occurred_at
			FROM interactions GROUP BY 1, 2 HAVING count(*) > 1) dup`,
		"version counts the writes": `SELECT count(*) FROM leads
			WHERE version <> 1 + attempt_count + (deleted_at IS NOT NULL)::int`,
		"updated_at is the last write": `SELECT count(*) FROM leads
			WHERE updated_at <> coalesce(deleted_at, last_contacted_at, created_at)`,
		"phones are unique": "SELECT count(phone_e164) - count(DISTINCT phone_e164) FROM leads",
		"emails are unique": "SELECT count(email) - count(DISTINCT email) FROM leads",
		"ids are version 7 in creation order": `SELECT count(*) FROM leads
			WHERE substr(id::text, 15, 1) <> '7' OR left(replace(id::text, '-', ''), 12) <> lpad(to_hex(floor(extract(epoch FROM created_at) * 1000)::bigint), 12, '0')`,
		"progress columns agree with refresh_lead_progress()": progressQuery,
		"unassigned leads are worked by the manager": `SELECT count(*) FROM interactions i
			JOIN leads l ON l.id = i.lead_id WHERE l.assigned_to IS NULL AND i.telecaller_id <> ?1`,
	} {
		if n := count(t, bdb, query, now, seed.DemoUsers[1].ID); n != 0 {
			t.Errorf("%s: %d rows break the rule", name, n)
		}
	}
}

// progressQuery counts the leads whose first contact, conversion time or
// stage differ from what refresh_lead_progress() would compute.
const progressQuery = `SELECT count(*) FROM leads l
	LEFT JOIN (SELECT lead_id, min(occurred_at) FILTER (WHERE type <> 'note') AS first_at,
		min(occurred_at) FILTER (WHERE status_after = 'converted') AS converted_at,
		max(lead_stage_rank(status_after)) AS max_rank
		FROM interactions GROUP BY lead_id) p ON p.lead_id = l.id
	WHERE l.first_contacted_at IS DISTINCT FROM p.first_at
	OR l.converted_at IS DISTINCT FROM coalesce(p.converted_at, CASE WHEN l.status = 'converted' THEN l.updated_at END)
	OR l.stage <> greatest(lead_stage_rank(l.status), coalesce(p.max_rank, 0), CASE WHEN p.first_at IS NULL THEN 0 ELSE 1 END)`

func TestRunLargeRepairsAnInterruptedLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	fresh, _ := dbtest.New(t)
	// A load that died after taking the indexes away, leaving rows behind.
	if err := db.DeferBulkLoadDDL(ctx, bdb, "leads", "interactions"); err != nil {
		t.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, "INSERT INTO leads (id, name, email) VALUES (gen_random_uuid(), 'half loaded', 'half@example.com')"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeferBulkLoadDDL(ctx, bdb, "leads", "interactions"); err == nil {
		t.Fatal("a second deferral was accepted while one is pending")
	}
	if _, err := seed.RunLarge(ctx, bdb, seed.LargeOptions{Leads: 300, Interactions: 900, Now: now}); err != nil {
		t.Fatalf("RunLarge after an interrupted load: %v", err)
	}
	if got := tableCounts(t, bdb); got.Leads != 300 || got.Interactions != 900 {
		t.Errorf("rows = %+v, want the new load only", got)
	}
	if got, want := dbtest.Schema(t, bdb), dbtest.Schema(t, fresh); !slices.Equal(got, want) {
		t.Errorf("schema after the repair:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

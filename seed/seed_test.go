package seed_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/seed"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	sum, err := seed.Run(ctx, bdb, seed.Options{Now: now})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Skipped || sum.Users != 5 || sum.Leads != 300 || sum.Interactions < 300 {
		t.Fatalf("summary = %+v, want 5 users, 300 leads, ~900 interactions, not skipped", sum)
	}
	stored := tableCounts(t, bdb)
	if want := (seed.Summary{Users: 5, Leads: 300, Interactions: sum.Interactions}); stored != want {
		t.Fatalf("stored rows = %+v, want %+v", stored, want)
	}

	t.Run("every status, source and priority is present", func(t *testing.T) {
		wantEveryEnumValue(t, bdb)
	})

	t.Run("demo users have their roles", func(t *testing.T) {
		users, err := db.FindUsers(ctx, bdb, nil)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[db.UserRole]int{}
		for _, u := range users {
			d, ok := seed.FindDemoUser(u.Role, u.ID.String())
			if !ok || d.Email != u.Email || d.FullName != u.FullName {
				t.Errorf("stored user %+v does not match a demo user of its role", u)
			}
			roles[u.Role]++
		}
		if roles[db.RoleAdmin] != 1 || roles[db.RoleManager] != 1 || roles[db.RoleTelecaller] != 3 {
			t.Errorf("roles = %v, want 1 admin, 1 manager, 3 telecallers", roles)
		}
	})

	// Each check counts the rows breaking a rule; all must be zero.
	for name, query := range map[string]string{
		"attempt_count equals the interaction count": `SELECT count(*) FROM leads l
			WHERE l.attempt_count <> (SELECT count(*) FROM interactions i WHERE i.lead_id = l.id)`,
		"last_contacted_at is the newest interaction": `SELECT count(*) FROM leads l
			WHERE l.last_contacted_at IS DISTINCT FROM (SELECT max(occurred_at) FROM interactions i WHERE i.lead_id = l.id)`,
		"new leads have no interactions, others have some": `SELECT count(*) FROM leads
			WHERE (status = 'new') <> (attempt_count = 0)`,
		"interactions happen between the lead's creation and now": `SELECT count(*) FROM interactions i
			JOIN leads l ON l.id = i.lead_id WHERE i.occurred_at < l.created_at OR i.occurred_at > ?0`,
		"the assignee (or the manager) made the interactions": `SELECT count(*) FROM interactions i
			JOIN leads l ON l.id = i.lead_id WHERE i.telecaller_id <> coalesce(l.assigned_to, ?1)`,
		"missed calls last 0 s, connected calls 30-900 s": `SELECT count(*) FROM interactions
			WHERE type = 'call' AND ((outcome IN ('no_answer', 'busy') AND duration_seconds <> 0)
			OR (outcome IN ('connected', 'interested', 'converted') AND duration_seconds NOT BETWEEN 30 AND 900))`,
		"the last outcome explains the final status": `SELECT count(*) FROM leads l
			JOIN LATERAL (SELECT outcome FROM interactions i WHERE i.lead_id = l.id
				ORDER BY occurred_at DESC, id DESC LIMIT 1) last ON true
			WHERE l.status::text IN ('converted', 'do_not_call', 'not_interested', 'interested')
			AND last.outcome IS DISTINCT FROM l.status`,
		"follow_up and interested leads have a next follow-up": `SELECT count(*) FROM leads
			WHERE (status IN ('follow_up', 'interested')) <> (next_follow_up_at IS NOT NULL)`,
		"no two interactions of a lead share a moment": `SELECT count(*) FROM (SELECT lead_id, occurred_at
			FROM interactions GROUP BY 1, 2 HAVING count(*) > 1) dup`,
		"version counts the writes": `SELECT count(*) FROM leads
			WHERE version <> 1 + attempt_count + (deleted_at IS NOT NULL)::int`,
		"progress columns agree with refresh_lead_progress()": progressQuery,
	} {
		t.Run(name, func(t *testing.T) {
			if n := count(t, bdb, query, now, seed.DemoUsers[1].ID); n != 0 {
				t.Errorf("%d rows break the rule", n)
			}
		})
	}

	t.Run("the mix looks like a real pipeline", func(t *testing.T) {
		for what, query := range map[string]string{
			"only a phone":         "SELECT count(*) FROM leads WHERE email IS NULL",
			"only an email":        "SELECT count(*) FROM leads WHERE phone IS NULL",
			"soft-deleted":         "SELECT count(*) FROM leads WHERE deleted_at IS NOT NULL",
			"unassigned":           "SELECT count(*) FROM leads WHERE assigned_to IS NULL",
			"tagged":               "SELECT count(*) FROM leads WHERE cardinality(tags) > 0",
			"with custom fields":   "SELECT count(*) FROM leads WHERE custom_fields <> '{}'",
			"overdue follow-ups":   "SELECT count(*) FROM leads WHERE next_follow_up_at < ?0",
			"upcoming follow-ups":  "SELECT count(*) FROM leads WHERE next_follow_up_at > ?0::timestamptz + interval '1 day'",
			"non-call touches":     "SELECT count(*) FROM interactions WHERE type <> 'call'",
			"inbound interactions": "SELECT count(*) FROM interactions WHERE direction = 'inbound'",
		} {
			if n := count(t, bdb, query, now); n == 0 {
				t.Errorf("no lead or interaction is %s", what)
			}
		}
		per := map[uuid.UUID]int{}
		var assignees []uuid.UUID
		if err := bdb.NewRaw("SELECT assigned_to FROM leads WHERE assigned_to IS NOT NULL").Scan(ctx, &assignees); err != nil {
			t.Fatal(err)
		}
		for _, id := range assignees {
			per[id]++
		}
		if len(assignees) < 200 || len(per) != 3 {
			t.Fatalf("%d assigned leads over %d telecallers, want ~240 over 3", len(assignees), len(per))
		}
		for id, n := range per {
			if n < len(assignees)/5 {
				t.Errorf("telecaller %s has only %d of %d assigned leads", id, n, len(assignees))
			}
		}
	})

	t.Run("phones are valid and normalised to E.164", func(t *testing.T) {
		var rows []struct {
			Phone     string `bun:"phone"`
			PhoneE164 string `bun:"phone_e164"`
		}
		if err := bdb.NewRaw("SELECT phone, phone_e164 FROM leads WHERE phone IS NOT NULL").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) < 250 {
			t.Fatalf("only %d leads have a phone", len(rows))
		}
		formats := map[string]bool{}
		for _, r := range rows {
			n, err := phonenumbers.Parse(r.PhoneE164, "")
			if err != nil || !phonenumbers.IsValidNumber(n) || phonenumbers.Format(n, phonenumbers.E164) != r.PhoneE164 {
				t.Errorf("phone_e164 %q is not a valid E.164 number", r.PhoneE164)
				continue
			}
			n, err = phonenumbers.Parse(r.Phone, "IN")
			if err != nil || phonenumbers.Format(n, phonenumbers.E164) != r.PhoneE164 {
				t.Errorf("phone %q does not normalise to %q", r.Phone, r.PhoneE164)
			}
			if n.GetNationalNumber() < 7_000_000_000 {
				t.Errorf("phone %q is not a 10-digit mobile starting 7-9", r.Phone)
			}
			formats[shape(r.Phone)] = true
		}
		if len(formats) < 5 {
			t.Errorf("phones are written in only %d ways: %v", len(formats), formats)
		}
	})

	t.Run("emails are lower-case and unique", func(t *testing.T) {
		if n := count(t, bdb, "SELECT count(*) FROM leads WHERE email <> lower(email) OR email NOT LIKE '%_@example.___'"); n != 0 {
			t.Errorf("%d emails are not lower-case example addresses", n)
		}
		if n := count(t, bdb, "SELECT count(*) - count(DISTINCT email) FROM leads WHERE email IS NOT NULL"); n != 0 {
			t.Errorf("%d duplicate emails", n)
		}
	})

	t.Run("running again inserts nothing", func(t *testing.T) {
		again, err := seed.Run(ctx, bdb, seed.Options{Now: now.Add(time.Hour)})
		if err != nil {
			t.Fatalf("second Run: %v", err)
		}
		if want := (seed.Summary{Users: 5, Skipped: true}); again != want {
			t.Errorf("second summary = %+v, want %+v", again, want)
		}
		if got := tableCounts(t, bdb); got != stored {
			t.Errorf("rows after the second run = %+v, want %+v", got, stored)
		}
	})
}

func TestRunIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := dbtest.New(t)
	b, _ := dbtest.New(t)
	opt := seed.Options{Seed: 7, Leads: 60, Now: now}
	for _, bdb := range []*bun.DB{a, b} {
		if sum, err := seed.Run(ctx, bdb, opt); err != nil || sum.Leads != 60 {
			t.Fatalf("Run = %+v, %v", sum, err)
		}
	}
	for _, table := range []string{"leads", "interactions"} {
		if ia, ib := ids(t, a, table), ids(t, b, table); !slices.Equal(ia, ib) {
			t.Errorf("%s ids differ between two runs of seed 7", table)
		}
	}

	t.Run("more leads of the same seed adds only the extra ones", func(t *testing.T) {
		sum, err := seed.Run(ctx, a, seed.Options{Seed: 7, Leads: 80, Now: now.Add(time.Hour)})
		if err != nil || sum.Skipped || sum.Leads != 20 {
			t.Fatalf("Run with 80 leads after 60 = %+v, %v, want 20 new leads", sum, err)
		}
		if got := tableCounts(t, a); got.Leads != 80 {
			t.Errorf("%d leads stored, want 80", got.Leads)
		}
		if n := count(t, a, `SELECT count(*) FROM leads l
			WHERE l.attempt_count <> (SELECT count(*) FROM interactions i WHERE i.lead_id = l.id)`); n != 0 {
			t.Errorf("%d leads got interactions twice or lost them", n)
		}
	})

	t.Run("another seed adds different leads", func(t *testing.T) {
		before := ids(t, b, "leads")
		sum, err := seed.Run(ctx, b, seed.Options{Seed: 8, Leads: 60, Now: now})
		if err != nil || sum.Skipped || sum.Leads != 60 {
			t.Fatalf("Run seed 8 = %+v, %v", sum, err)
		}
		after := ids(t, b, "leads")
		if len(after) != len(before)+60 {
			t.Errorf("%d leads after seeds 7 and 8, want %d: seed 8 reused ids", len(after), len(before)+60)
		}
	})
}

func tableCounts(t *testing.T, bdb *bun.DB) seed.Summary {
	t.Helper()
	return seed.Summary{
		Users:        count(t, bdb, "SELECT count(*) FROM users"),
		Leads:        count(t, bdb, "SELECT count(*) FROM leads"),
		Interactions: count(t, bdb, "SELECT count(*) FROM interactions"),
	}
}

func count(t *testing.T, bdb *bun.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := bdb.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func ids(t *testing.T, bdb *bun.DB, table string) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	if err := bdb.NewRaw("SELECT id FROM ? ORDER BY id", bun.Ident(table)).Scan(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantEveryEnumValue checks that the stored leads use every status, source
// and priority, and nothing else.
func wantEveryEnumValue(t *testing.T, bdb *bun.DB) {
	t.Helper()
	for col, values := range map[string][]string{
		"status":   enumStrings(db.LeadStatuses),
		"source":   enumStrings(db.LeadSources),
		"priority": enumStrings(db.LeadPriorities),
	} {
		var got []string
		if err := bdb.NewRaw("SELECT DISTINCT ? FROM leads ORDER BY 1", bun.Ident(col)).Scan(context.Background(), &got); err != nil {
			t.Fatal(err)
		}
		slices.Sort(values)
		if !slices.Equal(got, values) {
			t.Errorf("%s values = %v, want %v", col, got, values)
		}
	}
}

func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// shape replaces digits with 9, so "98765 43210" and "87654 32109" look alike.
func shape(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '9'
		}
	}
	return string(b)
}

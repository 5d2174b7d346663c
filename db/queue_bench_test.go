package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// BenchmarkQueue times one page of the call queue (the query nextLead runs
// first) and one claim, on 100,000 open leads: 50,000 spread over 50
// telecallers and 50,000 unassigned. The data is generated in SQL.
func BenchmarkQueue(b *testing.B) {
	bdb, _ := dbtest.New(b)
	ctx := context.Background()
	users := make([]uuid.UUID, 50)
	for i := range users {
		users[i] = uuid.New()
		if err := db.UpsertUser(ctx, bdb, &db.User{ID: users[i], Email: "q" + users[i].String()[:8] + "@b.dev", Role: db.RoleTelecaller}); err != nil {
			b.Fatal(err)
		}
	}
	_, err := bdb.NewRaw(`INSERT INTO leads (id, name, phone, phone_e164, status, priority, assigned_to, created_at, next_follow_up_at)
		SELECT gen_random_uuid(), 'Q ' || g, '+9197' || lpad(g::text, 8, '0'), '+9197' || lpad(g::text, 8, '0'),
		       (ARRAY['new','contacted','interested','follow_up'])[1 + g % 4],
		       (ARRAY['low','medium','high','urgent'])[1 + g % 4],
		       CASE WHEN g % 2 = 0 THEN (?::uuid[])[1 + (g / 2) % 50] END,
		       now() - make_interval(mins => g),
		       CASE WHEN g % 7 = 0 THEN now() - make_interval(mins => g % 1000) END
		FROM generate_series(1, 100000) AS g`, pgUUIDs(users)).Exec(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, "ANALYZE leads"); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.Run("own leads", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindQueueLeads(ctx, bdb, db.QueueFilter{AssignedTo: &users[0], Now: now}, 100, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unassigned leads", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindQueueLeads(ctx, bdb, db.QueueFilter{Now: now}, 100, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func pgUUIDs(ids []uuid.UUID) string {
	s := "{"
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += id.String()
	}
	return s + "}"
}

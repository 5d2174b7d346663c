package rest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// TestNoLostUpdates races writers against each other on one lead and
// checks that no write is lost or doubled.
func TestNoLostUpdates(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	ctx := context.Background()
	parallel := func(n int, f func(i int) int) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := f(i)
				mu.Lock()
				got[s]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return got
	}

	t.Run("If-Match: of 10 PATCHes at one version exactly one wins", func(t *testing.T) {
		lead := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
		got := parallel(10, func(i int) int {
			return a.Env.Do(t, "PATCH", "/api/leads/"+lead.ID.String(), map[string]any{"notes": fmt.Sprint("writer ", i)}, tt, "If-Match", `"1"`).Status
		})
		if got[200] != 1 || got[409] != 9 {
			t.Fatalf("statuses %v, want one 200 and nine 409", got)
		}
		l, err := db.FindLeadByID(ctx, a.DB, lead.ID, db.LeadScope{}, false)
		if err != nil || l.Version != 2 {
			t.Fatalf("version %d (%v), want 2", l.Version, err)
		}
		var events int
		if err := a.DB.NewRaw("SELECT count(*) FROM lead_events WHERE lead_id = ?", lead.ID).Scan(ctx, &events); err != nil || events != 1 {
			t.Fatalf("%d events (%v), want 1: the losers left none", events, err)
		}
	})

	t.Run("20 concurrent interactions count 20 attempts", func(t *testing.T) {
		lead := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
		got := parallel(20, func(int) int {
			return a.Env.Do(t, "POST", "/api/leads/"+lead.ID.String()+"/interactions", map[string]any{"type": "call", "outcome": "no_answer"}, tt).Status
		})
		if got[201] != 20 {
			t.Fatalf("statuses %v, want twenty 201", got)
		}
		l, err := db.FindLeadByID(ctx, a.DB, lead.ID, db.LeadScope{}, false)
		if err != nil || l.AttemptCount != 20 || l.Version != 21 {
			t.Fatalf("attempt_count %d, version %d (%v); want 20 and 21", l.AttemptCount, l.Version, err)
		}
		var events int
		if err := a.DB.NewRaw("SELECT count(*) FROM lead_events WHERE lead_id = ? AND kind = 'interaction_logged'", lead.ID).Scan(ctx, &events); err != nil || events != 20 {
			t.Fatalf("%d interaction events (%v), want 20", events, err)
		}
	})

	t.Run("bulk upsert racing single creates of the same phones makes one lead each", func(t *testing.T) {
		const n = 30
		phones := make([]string, n)
		rows := make([]map[string]any, n)
		for i := range phones {
			phones[i] = fmt.Sprintf("+9197%08d", 10000000+i*7919)
			rows[i] = map[string]any{"name": fmt.Sprint("Bulk ", i), "phone": phones[i]}
		}
		var bulk map[string]int
		got := parallel(n+1, func(i int) int {
			if i == n {
				r := a.Env.Do(t, "POST", "/api/leads/bulk", map[string]any{"leads": rows, "mode": "upsert"}, mt)
				if r.Status == 200 {
					res := data[struct {
						Totals map[string]int `json:"totals"`
					}](t, r)
					bulk = res.Totals
				}
				return r.Status
			}
			// The national form of the same number: same E.164.
			return a.Env.Do(t, "POST", "/api/leads", map[string]any{"name": fmt.Sprint("Single ", i), "phone": phones[i][3:]}, mt).Status
		})
		if got[500] > 0 || got[200] != 1 || got[201]+got[409] != n {
			t.Fatalf("statuses %v, want the bulk 200 and each single 201 or 409", got)
		}
		var live, distinct int
		if err := a.DB.NewRaw("SELECT count(*), count(DISTINCT phone_e164) FROM leads WHERE phone_e164 IN (?) AND deleted_at IS NULL", bun.In(phones)).Scan(ctx, &live, &distinct); err != nil {
			t.Fatal(err)
		}
		if live != n || distinct != n {
			t.Fatalf("%d live leads for %d phones (%d distinct), want one each", live, n, distinct)
		}
		// Every phone was written once by a winner: singles that got 201
		// plus bulk rows created; the bulk's other rows updated a single's
		// lead or lost the race as a per-row conflict.
		if got[201]+bulk["created"] != n {
			t.Fatalf("%d single creates + %d bulk creates for %d phones (bulk %v)", got[201], bulk["created"], n, bulk)
		}
	})
}

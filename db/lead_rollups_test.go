package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// TestLeadRollupsMatchLeads holds the lead report read from the rollups to
// the same report read from the leads, after random writes of every kind
// (sources and priorities changed too), over ranges that straddle DST
// switches and start or end mid-day, in zones with 30- and 45-minute offsets.
func TestLeadRollupsMatchLeads(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			w := newPerfWorld(t, seed+10)
			for range 20 {
				w.createLead()
			}
			for _, l := range w.leads {
				w.updateID(l.ID, db.LeadUpdate{Source: ptr(pick(w.rng, db.LeadSources)), Priority: ptr(pick(w.rng, db.LeadPriorities))})
			}
			w.writeRandomly(250)
			for range 30 {
				w.update(db.LeadUpdate{Source: ptr(pick(w.rng, db.LeadSources)), Priority: ptr(pick(w.rng, db.LeadPriorities)),
					NextFollowUpAt: ptr(w.when())})
			}
			nows := []time.Time{perfWindows[0].Add(3*24*time.Hour + 7*time.Minute), perfWindows[1].Add(40*time.Hour + 9*time.Minute)}
			// Follow-ups due either side of now, inside the quarter hour
			// that holds it.
			for i, now := range nows {
				for j, d := range []time.Duration{-5 * time.Minute, -time.Second, 0, 4 * time.Minute} {
					id := w.leads[4*i+j].ID
					if _, err := db.SetLeadDeleted(w.ctx, w.bdb, id, false); err != nil && !isNotFound(err) {
						t.Fatal(err)
					}
					w.updateID(id, db.LeadUpdate{Status: ptr(db.StatusFollowUp), NextFollowUpAt: ptr(now.Add(d))})
				}
			}
			cohort := 0
			compare := func() {
				for _, now := range nows {
					for _, tz := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"} {
						for _, iv := range db.AnalyticsIntervals {
							for _, rg := range [][2]time.Time{
								{perfWindows[0].Add(-48 * time.Hour), perfWindows[0].Add(6 * 24 * time.Hour)},
								{perfWindows[0].Add(26*time.Hour + 45*time.Minute), perfWindows[0].Add(75*time.Hour + 15*time.Minute)},
								{perfWindows[1].Add(50 * time.Hour), perfWindows[1].Add(51*time.Hour + 15*time.Minute)},
								{perfWindows[0].Add(-72 * time.Hour), perfWindows[1].Add(6 * 24 * time.Hour)},
							} {
								for _, src := range []*db.LeadSource{nil, ptr(db.SourceWebsite)} {
									r := db.AnalyticsRange{From: rg[0], To: rg[1], TimeZone: tz, Interval: iv, Now: now}
									s := db.AnalyticsScope{Source: src}
									got, err := db.FindLeadAnalyticsFrom(w.ctx, w.bdb, s, r, true)
									if err != nil {
										t.Fatal(err)
									}
									want, err := db.FindLeadAnalyticsFrom(w.ctx, w.bdb, s, r, false)
									if err != nil {
										t.Fatal(err)
									}
									g, _ := json.Marshal(got)
									wj, _ := json.Marshal(want)
									if string(g) != string(wj) {
										t.Fatalf("%s %s %s–%s source %v now %s:\n rollups %s\n   leads %s", tz, iv, rg[0], rg[1], src, now, g, wj)
									}
									cohort += got.NewLeads
								}
							}
						}
					}
				}
			}
			// First with every change still appended (nothing compacts in
			// tests), then after three concurrent compactions.
			compare()
			compactConcurrently(t, func() (int, error) { return db.CompactLeadActivity(w.ctx, w.bdb) })
			compare()
			if cohort == 0 {
				t.Fatal("the reports found no leads: the random writes missed the ranges")
			}
			dbtest.CheckRollups(t, w.bdb)
		})
	}
}

func (w *perfWorld) updateID(id uuid.UUID, u db.LeadUpdate) {
	if _, err := db.UpdateLead(w.ctx, w.bdb, id, db.LeadScope{}, u, nil); err != nil {
		w.t.Fatal(err)
	}
}

// compactConcurrently runs compact three times at once, as several server
// instances may, and fails the test if they moved nothing.
func compactConcurrently(t *testing.T, compact func() (int, error)) {
	t.Helper()
	moved := make(chan int, 3)
	for range 3 {
		go func() {
			n, err := compact()
			if err != nil {
				t.Error(err)
			}
			moved <- n
		}()
	}
	if n := <-moved + <-moved + <-moved; n == 0 {
		t.Fatal("nothing to compact: the writes appended no changes")
	}
}

// The rollup trigger's generic plan (migration 20261125000011) is a
// function setting, which a later CREATE OR REPLACE of the function would
// silently drop: every lead write would then plan it again (about 5 ms).
func TestLeadRollupsApplyKeepsItsGenericPlan(t *testing.T) {
	t.Parallel()
	bdb, _ := dbtest.New(t)
	var config []string
	err := bdb.NewRaw("SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE proname = 'lead_rollups_apply'").Scan(context.Background(), pgdialect.Array(&config))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(config, "plan_cache_mode=force_generic_plan") {
		t.Errorf("lead_rollups_apply settings = %v, want plan_cache_mode=force_generic_plan", config)
	}
}

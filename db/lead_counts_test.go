package db_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// TestLeadCountsMatchLeads holds the list totals read from the kept counts
// to a count of the leads, for every status and assignee filter and both
// scopes, after random writes of every kind plus multi-row ones (a bulk
// assignment, a status change of many leads, hard deletes): first with
// every change still appended, then after concurrent compactions. The
// kept totals are exact at any size, even above the exact-count bound.
func TestLeadCountsMatchLeads(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			w := newPerfWorld(t, seed+40)
			w.writeRandomly(200)
			ids := make([]uuid.UUID, 0, 30)
			for _, l := range w.leads {
				if l != nil && len(ids) < 30 {
					ids = append(ids, l.ID)
				}
			}
			if _, err := db.AssignLeadsRoundRobin(w.ctx, w.bdb, ids, []uuid.UUID{w.users[0].ID, w.users[1].ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.bdb.ExecContext(w.ctx, "UPDATE leads SET status = 'lost' WHERE id IN (?)", bun.In(ids[10:25])); err != nil {
				t.Fatal(err)
			}
			// Hard deletes (of leads with no calls: the telecaller
			// rollups count calls on soft-deleted leads only).
			var fresh []uuid.UUID
			for range 6 {
				w.createLead()
				fresh = append(fresh, w.leads[len(w.leads)-1].ID)
			}
			if _, err := w.bdb.ExecContext(w.ctx, "DELETE FROM leads WHERE id IN (?)", bun.In(fresh[:4])); err != nil {
				t.Fatal(err)
			}

			statuses := [][]db.LeadStatus{nil, {db.StatusNew}, {db.StatusLost}, {db.StatusContacted, db.StatusInterested, db.StatusFollowUp}}
			for _, s := range db.LeadStatuses {
				statuses = append(statuses, []db.LeadStatus{s})
			}
			type assignee struct {
				id         *uuid.UUID
				unassigned bool
			}
			assignees := []assignee{{}, {unassigned: true}}
			scopes := []db.LeadScope{{}}
			for _, u := range w.users {
				assignees = append(assignees, assignee{id: &u.ID})
				scopes = append(scopes, db.LeadScope{AssignedTo: &u.ID})
			}
			found := 0
			compare := func() {
				for _, st := range statuses {
					for _, a := range assignees {
						for _, sc := range scopes {
							f := db.LeadCriteria{Scope: sc, Statuses: st, AssignedTo: a.id, Unassigned: a.unassigned}
							got, err := db.CountLeadsUpTo(w.ctx, w.bdb, f, 1)
							if err != nil {
								t.Fatal(err)
							}
							want := countLeads(t, w, f)
							if got.Estimate || got.N != want {
								t.Fatalf("%+v: kept total %+v, the leads count %d", f, got, want)
							}
							found += want
						}
					}
				}
			}
			compare()
			compactConcurrently(t, func() (int, error) { return db.CompactLeadCounts(w.ctx, w.bdb) })
			compare()
			if found == 0 {
				t.Fatal("every total was 0")
			}
			// A filter beyond status and assignee counts the leads: above
			// the bound, an estimate.
			src := db.LeadCriteria{Sources: []db.LeadSource{db.SourceWebsite}}
			if got, err := db.CountLeadsUpTo(w.ctx, w.bdb, src, 1); err != nil || !got.Estimate {
				t.Errorf("source filter above the bound: %+v, %v; want an estimate", got, err)
			}
			if got, err := db.CountLeadsUpTo(w.ctx, w.bdb, src, 0); err != nil || got.Estimate || got.N != countLeads(t, w, src) {
				t.Errorf("source filter counted exactly: %+v, %v; want %d", got, err, countLeads(t, w, src))
			}
			dbtest.CheckRollups(t, w.bdb)
		})
	}
}

// countLeads counts the live leads matching f's status and assignee
// filters, and its sources, in plain SQL.
func countLeads(t *testing.T, w *perfWorld, f db.LeadCriteria) int {
	t.Helper()
	q := w.bdb.NewSelect().TableExpr("leads").Where("deleted_at IS NULL")
	if len(f.Statuses) > 0 {
		q = q.Where("status IN (?)", bun.In(f.Statuses))
	}
	if len(f.Sources) > 0 {
		q = q.Where("source IN (?)", bun.In(f.Sources))
	}
	if f.Unassigned {
		q = q.Where("assigned_to IS NULL")
	}
	for _, id := range []*uuid.UUID{f.AssignedTo, f.Scope.AssignedTo} {
		if id != nil {
			q = q.Where("assigned_to = ?", *id)
		}
	}
	n, err := q.Count(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

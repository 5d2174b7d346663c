package rest_test

import (
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestLeadListTotals checks the totals behind REST pagination.total and
// GraphQL totalCount: always exact for filters by status and assignee alone
// (kept counts); for other filters exact up to LEAD_COUNT_EXACT_LIMIT
// matches, the planner's estimate (flagged, never below the bound + 1)
// above it.
func TestLeadListTotals(t *testing.T) {
	t.Parallel()
	const bound = 3
	a := newAPI(t, servertest.WithConfig(func(c *server.Config) { c.LeadCountExactLimit = bound }))
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	// Six leads: four new (two of them the telecaller's), one contacted, one qualified.
	for i, st := range []db.LeadStatus{db.StatusNew, db.StatusNew, db.StatusNew, db.StatusNew, db.StatusContacted, db.StatusQualified} {
		a.SeedLead(t, func(l *db.Lead) {
			l.Status = st
			if i < 2 {
				l.AssignedToID = &tc.ID
			}
		})
	}
	estimated := func(t *testing.T, r *servertest.Response) {
		t.Helper()
		p := decode(t, r).Pagination
		if p == nil || p.Total < bound+1 || !p.TotalIsEstimate || p.TotalPages != (p.Total+p.Limit-1)/p.Limit {
			t.Errorf("pagination = %+v, want an estimate of at least %d with totalPages from it", p, bound+1)
		}
	}
	exact := func(total int) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) {
			t.Helper()
			p := decode(t, r).Pagination
			if p == nil || p.Total != total || p.TotalIsEstimate {
				t.Errorf("pagination = %+v, want exactly %d", p, total)
			}
		}
	}
	const gqlTotals = `query($status: [LeadStatus!], $source: [LeadSource!]) {
		leads(first: 1, filter: {status: $status, source: $source}) { totalCount totalCountIsEstimate } }`
	a.Run(t, []servertest.Scenario{
		{Name: "no filter, above the bound: exact from the kept counts", Method: "GET", Path: "/api/leads?limit=1", Token: mt,
			WantStatus: 200, WantContains: []string{`"totalIsEstimate":false`}, After: exact(6)},
		{Name: "no filter, above the bound: exact in GraphQL", Query: gqlTotals, Token: mt,
			WantStatus: 200, WantContains: []string{`"totalCount":6,"totalCountIsEstimate":false`}},
		{Name: "four new leads, over a bound of three: exact", Method: "GET", Path: "/api/leads?limit=1&status=new", Token: mt,
			WantStatus: 200, After: exact(4)},
		{Name: "statuses and unassigned: exact", Method: "GET", Path: "/api/leads?limit=1&status=new,contacted&assignedTo=unassigned", Token: mt,
			WantStatus: 200, After: exact(3)},
		{Name: "one assignee: exact", Method: "GET", Path: "/api/leads?limit=1&assignedTo=" + tc.ID.String(), Token: mt,
			WantStatus: 200, After: exact(2)},
		{Name: "a source filter above the bound: REST total is a flagged estimate", Method: "GET", Path: "/api/leads?limit=1&source=website", Token: mt,
			WantStatus: 200, WantContains: []string{`"totalIsEstimate":true`}, After: estimated},
		{Name: "a source filter above the bound: GraphQL totalCount is a flagged estimate", Query: gqlTotals, Vars: map[string]any{"source": []string{"WEBSITE"}}, Token: mt,
			WantStatus: 200, WantContains: []string{`"totalCountIsEstimate":true`}},
		{Name: "a source filter with fewer matches than the bound: exact in REST", Method: "GET", Path: "/api/leads?limit=1&source=website&status=contacted,qualified", Token: mt,
			WantStatus: 200, WantContains: []string{`"totalIsEstimate":false`}, After: exact(2)},
		{Name: "a source filter with fewer matches than the bound: exact in GraphQL", Query: gqlTotals,
			Vars: map[string]any{"status": []string{"CONTACTED", "QUALIFIED"}, "source": []string{"WEBSITE"}}, Token: mt,
			WantStatus: 200, WantContains: []string{`"totalCount":2,"totalCountIsEstimate":false`}},
		{Name: "a telecaller's total counts only their leads, exactly", Method: "GET", Path: "/api/leads?limit=1", Token: tt,
			WantStatus: 200, After: exact(2)},
		{Name: "a last page tells the exact total without counting", Method: "GET", Path: "/api/leads?limit=4&page=2", Token: mt,
			WantStatus: 200, After: exact(6)},
	})
}

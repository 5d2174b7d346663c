package rest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// pagination returns an After hook checking a list's pagination.
func pagination(page *int, limit, total, totalPages int, hasNext bool) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		p := decode(t, r).Pagination
		if p == nil {
			t.Fatalf("no pagination: %s", r.Body)
		}
		if (p.Page == nil) != (page == nil) || (page != nil && *p.Page != *page) || p.Limit != limit || p.Total != total ||
			p.TotalPages != totalPages || p.HasNext != hasNext || (p.NextCursor != nil) != hasNext {
			t.Errorf("pagination = %+v (page %v), want page %v limit %d total %d totalPages %d hasNext %v",
				*p, deref(p.Page), deref(page), limit, total, totalPages, hasNext)
		}
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func num(n int) *int { return &n }

func TestLeadList(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc, other := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	due := time.Now().Add(-time.Hour)
	// Five leads created a second apart, oldest first: l[4] is the newest.
	specs := []func(*db.Lead){
		func(l *db.Lead) {
			l.Name, l.AssignedToID, l.Status, l.Priority, l.Tags = "Charlie", &tc.ID, db.StatusNew, db.PriorityLow, []string{"vip"}
		},
		func(l *db.Lead) {
			l.Name, l.AssignedToID, l.Status, l.Source, l.NextFollowUpAt = "Alpha", &tc.ID, db.StatusContacted, db.SourceReferral, &due
		},
		func(l *db.Lead) {
			l.Name, l.AssignedToID, l.Status, l.Priority = "Bravo", &other.ID, db.StatusNew, db.PriorityUrgent
		},
		func(l *db.Lead) { l.Name, l.Status, l.Source = "Delta Traders", db.StatusQualified, db.SourceReferral },
		func(l *db.Lead) { l.Name, l.Status, l.Priority = "Echo", db.StatusNew, db.PriorityHigh },
	}
	l := make([]string, len(specs))
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for i, spec := range specs {
		lead := a.SeedLead(t, spec)
		l[i] = lead.ID.String()
		// Fix creation times so date filters and the default order are exact.
		if _, err := a.DB.NewUpdate().Table("leads").Set("created_at = ?", base.Add(time.Duration(i)*24*time.Hour)).
			Where("id = ?", lead.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(want ...string) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) { t.Helper(); sameIDs(t, ids(t, r), want...) }
	}

	a.run(t, []servertest.Scenario{
		{Name: "newest first by default", Method: "GET", Path: "/api/leads", Token: mt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(l[4], l[3], l[2], l[1], l[0])(t, r)
				pagination(num(1), 20, 5, 1, false)(t, r)
			}},
		{Name: "first page of two", Method: "GET", Path: "/api/leads?page=1&limit=2", Token: mt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(l[4], l[3])(t, r)
				pagination(num(1), 2, 5, 3, true)(t, r)
			}},
		{Name: "second page", Method: "GET", Path: "/api/leads?page=2&limit=2", Token: mt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(l[2], l[1])(t, r)
				pagination(num(2), 2, 5, 3, true)(t, r)
			}},
		{Name: "last page", Method: "GET", Path: "/api/leads?page=3&limit=2", Token: mt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(l[0])(t, r)
				pagination(num(3), 2, 5, 3, false)(t, r)
			}},
		{Name: "past the end still counts", Method: "GET", Path: "/api/leads?page=9&limit=2", Token: mt, WantStatus: 200,
			WantContains: []string{`"data":[]`}, After: pagination(num(9), 2, 5, 3, false)},
		{Name: "status filter", Method: "GET", Path: "/api/leads?status=new", Token: mt, WantStatus: 200, After: listed(l[4], l[2], l[0])},
		{Name: "status list", Method: "GET", Path: "/api/leads?status=contacted,qualified", Token: mt, WantStatus: 200, After: listed(l[3], l[1])},
		{Name: "source and priority lists", Method: "GET", Path: "/api/leads?source=referral&priority=medium", Token: mt, WantStatus: 200, After: listed(l[3], l[1])},
		{Name: "priority list", Method: "GET", Path: "/api/leads?priority=urgent,high", Token: mt, WantStatus: 200, After: listed(l[4], l[2])},
		{Name: "assigned to a user", Method: "GET", Path: "/api/leads?assignedTo=" + other.ID.String(), Token: mt, WantStatus: 200, After: listed(l[2])},
		{Name: "assigned to me", Method: "GET", Path: "/api/leads?assignedTo=me", Token: tt, WantStatus: 200, After: listed(l[1], l[0])},
		{Name: "unassigned", Method: "GET", Path: "/api/leads?assignedTo=unassigned", Token: mt, WantStatus: 200, After: listed(l[4], l[3])},
		{Name: "tag", Method: "GET", Path: "/api/leads?tag=vip", Token: mt, WantStatus: 200, After: listed(l[0])},
		{Name: "search", Method: "GET", Path: "/api/leads?search=trader", Token: mt, WantStatus: 200, After: listed(l[3])},
		{Name: "created from a date", Method: "GET", Path: "/api/leads?createdFrom=2026-03-13", Token: mt, WantStatus: 200, After: listed(l[4], l[3])},
		{Name: "created to a date includes that day", Method: "GET", Path: "/api/leads?createdTo=2026-03-11", Token: mt, WantStatus: 200, After: listed(l[1], l[0])},
		{Name: "created between times", Method: "GET", Path: "/api/leads?createdFrom=2026-03-11T12:00:00Z&createdTo=2026-03-12T12:00:00Z", Token: mt, WantStatus: 200, After: listed(l[1])},
		{Name: "an unescaped + in an offset", Method: "GET", Path: "/api/leads?createdFrom=2026-03-14T17:30:00+05:30", Token: mt, WantStatus: 200, After: listed(l[4])},
		{Name: "follow-up due", Method: "GET", Path: "/api/leads?followUpDue=true", Token: mt, WantStatus: 200, After: listed(l[1])},
		{Name: "follow-up due false does not filter", Method: "GET", Path: "/api/leads?followUpDue=false&limit=1", Token: mt, WantStatus: 200, After: listed(l[4])},
		{Name: "sort by name", Method: "GET", Path: "/api/leads?sort=name", Token: mt, WantStatus: 200, After: listed(l[1], l[2], l[0], l[3], l[4])},
		{Name: "sort by name descending", Method: "GET", Path: "/api/leads?sort=-name&limit=2", Token: mt, WantStatus: 200, After: listed(l[4], l[3])},
		{Name: "sort by priority descending", Method: "GET", Path: "/api/leads?sort=-priority&limit=2", Token: mt, WantStatus: 200, After: listed(l[2], l[4])},
		{Name: "sort by follow-up puts leads without one last", Method: "GET", Path: "/api/leads?sort=nextFollowUpAt&limit=1", Token: mt, WantStatus: 200, After: listed(l[1])},
		{Name: "sort by updatedAt", Method: "GET", Path: "/api/leads?sort=-updatedAt&limit=1", Token: mt, WantStatus: 200},
		{Name: "empty values are ignored", Method: "GET", Path: "/api/leads?status=&search=&page=", Token: mt, WantStatus: 200, After: listed(l[4], l[3], l[2], l[1], l[0])},
		{Name: "telecaller sees only their leads", Method: "GET", Path: "/api/leads", Token: tt, WantStatus: 200,
			After: func(t *testing.T, r *servertest.Response) {
				listed(l[1], l[0])(t, r)
				pagination(num(1), 20, 2, 1, false)(t, r)
			}},
		{Name: "telecaller cannot widen the scope", Method: "GET", Path: "/api/leads?assignedTo=" + other.ID.String(), Token: tt, WantStatus: 200, WantContains: []string{`"data":[]`}},
		{Name: "no token", Method: "GET", Path: "/api/leads", WantStatus: 401, WantCode: "UNAUTHORIZED"},
	})

	// Keyset paging: follow nextCursor to the end.
	t.Run("cursor pages through everything", func(t *testing.T) {
		var seen []string
		cursor := ""
		for range 5 {
			path := "/api/leads?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			r := a.do(t, "GET", path, nil, mt)
			e := decode(t, r)
			if cursor != "" && e.Pagination.Page != nil {
				t.Errorf("page = %d on a cursor page, want null", *e.Pagination.Page)
			}
			if e.Pagination.Total != 5 || e.Pagination.TotalPages != 3 {
				t.Errorf("pagination = %+v", e.Pagination)
			}
			seen = append(seen, ids(t, r)...)
			if !e.Pagination.HasNext {
				break
			}
			cursor = *e.Pagination.NextCursor
		}
		sameIDs(t, seen, l[4], l[3], l[2], l[1], l[0])
	})
	t.Run("the next cursor of a page-numbered page continues it", func(t *testing.T) {
		r := a.do(t, "GET", "/api/leads?page=1&limit=2&status=new", nil, mt)
		r = a.do(t, "GET", "/api/leads?limit=2&status=new&cursor="+url.QueryEscape(*decode(t, r).Pagination.NextCursor), nil, mt)
		sameIDs(t, ids(t, r), l[0])
		pagination(nil, 2, 3, 2, false)(t, r)
	})
}

func TestLeadListRejectsBadParameters(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	a.SeedLead(t, nil)
	a.SeedLead(t, nil)
	nameCursor := url.QueryEscape(*decode(t, a.do(t, "GET", "/api/leads?sort=name&limit=1", nil, mt)).Pagination.NextCursor)

	bad := func(name, query, field string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "GET", Path: "/api/leads?" + query, Token: mt,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field}
	}
	a.run(t, []servertest.Scenario{
		bad("page zero", "page=0", "page"),
		bad("negative page", "page=-1", "page"),
		bad("page is a word", "page=two", "page"),
		bad("page is a fraction", "page=1.5", "page"),
		bad("page overflows", "page=99999999999999999999999", "page"),
		bad("page past the maximum", "page=100001", "page"),
		bad("limit zero", "limit=0", "limit"),
		bad("limit over 100", "limit=101", "limit"),
		bad("limit is huge", "limit=1e9", "limit"),
		bad("upper-case status", "status=NEW", "status"),
		bad("unknown status", "status=bogus", "status"),
		bad("one bad status in a list", "status=new,bogus", "status"),
		bad("empty item in a list", "status=new,,contacted", "status"),
		bad("unknown source", "source=tv", "source"),
		bad("unknown priority", "priority=critical", "priority"),
		bad("assignedTo is neither uuid nor keyword", "assignedTo=bob", "assignedTo"),
		bad("createdFrom is not a date", "createdFrom=yesterday", "createdFrom"),
		bad("createdTo is an impossible date", "createdTo=2026-02-30", "createdTo"),
		bad("createdTo before createdFrom", "createdFrom=2026-03-02&createdTo=2026-03-01", "createdTo"),
		bad("followUpDue is not a boolean", "followUpDue=yes", "followUpDue"),
		bad("unknown sort field", "sort=email", "sort"),
		bad("sort list", "sort=name,-createdAt", "sort"),
		bad("search too long", "search="+strings.Repeat("a", 201), "search"),
		bad("unknown parameter", "pageSize=10", "pageSize"),
		bad("axios array syntax", "status[]=new", "status[]"),
		bad("repeated parameter", "status=new&status=contacted", "status"),
		bad("cursor with page", "page=2&cursor=abc", "cursor"),
		bad("cursor is garbage", "cursor=%%%", "query"),
		bad("cursor is not ours", "cursor=bm90IGEgY3Vyc29y", "cursor"),
		bad("cursor of another sort order", "cursor="+nameCursor, "cursor"),
		bad("bad query string", "a=%zz", "query"),
		{Name: "unknown parameter message names it", Method: "GET", Path: "/api/leads?foo=1", Token: mt, WantStatus: 400,
			WantContains: []string{`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"Unknown query parameter \"foo\".","details":{"field":"foo","message":"is not a parameter of this endpoint"}}}`}},
		{Name: "sort=name accepts its own cursor", Method: "GET", Path: "/api/leads?sort=name&limit=1&cursor=" + nameCursor, Token: mt, WantStatus: 200},
		{Name: "unknown lead id as assignee is just empty", Method: "GET", Path: "/api/leads?assignedTo=" + uuid.NewString(), Token: mt, WantStatus: 200, WantContains: []string{`"data":[]`}},
	})
}

package rest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// sqlInjections are classic injection strings: quote breaking, stacked
// statements, UNION, comments, time-based probes, casts and placeholders.
var sqlInjections = []string{
	`' OR '1'='1`,
	`' OR 1=1 --`,
	`1; DROP TABLE leads; --`,
	`') OR ('a'='a`,
	`" OR ""="`,
	`%' OR 1=1 --`,
	`1 UNION SELECT id, email FROM users --`,
	`'; SELECT pg_sleep(5); --`,
	`name); DELETE FROM leads; --`,
	`$1`,
	`?`,
	`\'; --`,
	`1::int; --`,
	`*/ OR /* `,
}

// leakMarkers would show that database internals reached a client.
var leakMarkers = []string{"SQLSTATE", "syntax error", "pgx", "pq:", "relation ", "ERROR:", "pg_", "bun:", "sql:", "goroutine", ".go:"}

// TestSQLInjection sends every injection string in every filter, sort,
// search and paging parameter of every list route. Each must be either
// plain data (no match: an empty page) or refused as VALIDATION_ERROR
// naming that parameter; never a 500, never database error text, and the
// tables are untouched afterwards.
func TestSQLInjection(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr := a.SeedUser(t, db.RoleManager)
	tok := a.Token(t, mgr)
	var lead *db.Lead
	for range 3 {
		lead = a.SeedLead(t, func(l *db.Lead) { l.Tags = []string{"vip"} })
	}
	ctx := context.Background()
	counts := func() (int64, int64) {
		nl, err := a.DB.NewSelect().Table("leads").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nu, err := a.DB.NewSelect().Table("users").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return nl, nu
	}
	leadsBefore, usersBefore := counts()

	// Free-text parameters take the string as data: it matches nothing.
	text := map[string]bool{"search": true, "tag": true}
	routes := map[string][]string{
		"/api/leads": {"status", "source", "priority", "assignedTo", "tag", "search", "createdFrom", "createdTo", "followUpDue", "sort", "cursor", "page", "limit"},
		"/api/leads/" + lead.ID.String() + "/interactions": {"type", "page", "limit", "cursor"},
		"/api/leads/" + lead.ID.String() + "/events":       {"page", "limit", "cursor"},
		"/api/analytics/leads":                             {"from", "to", "interval", "tz", "assignedTo", "source"},
		"/api/analytics/telecallers":                       {"from", "to", "tz", "telecallerId"},
	}
	for path, params := range routes {
		for _, param := range params {
			for _, inj := range sqlInjections {
				t.Run(path+"?"+param+"="+inj, func(t *testing.T) {
					r := a.Env.Do(t, "GET", path+"?"+url.Values{param: {inj}}.Encode(), nil, tok)
					checkNoLeak(t, r, inj)
					switch {
					case r.Status == 200 && text[param]:
						if e := decode(t, r); e.Pagination == nil || e.Pagination.Total != 0 {
							t.Fatalf("injection matched leads: %s", r.Body)
						}
					case r.Status == 400:
						if e := decode(t, r); e.Error == nil || e.Error.Code != "VALIDATION_ERROR" || e.Error.Details == nil || e.Error.Details.Field != param {
							t.Fatalf("400 does not name %s: %s", param, r.Body)
						}
					default:
						t.Fatalf("status %d: %s", r.Status, r.Body)
					}
				})
			}
		}
	}

	gql := []struct{ name, query, field string }{
		{"search", `query($v: String) { leads(filter: {search: $v}) { totalCount } }`, ""},
		{"tag", `query($v: String) { leads(filter: {tag: $v}) { totalCount } }`, ""},
		{"assignedTo", `query($v: String) { leads(filter: {assignedTo: $v}) { totalCount } }`, "assignedTo"},
		{"after", `query($v: String) { leads(after: $v) { totalCount } }`, "after"},
		{"before", `query($v: String) { leads(last: 2, before: $v) { totalCount } }`, "before"},
		{"status enum", `query($v: LeadStatus!) { leads(filter: {status: [$v]}) { totalCount } }`, ""},
		{"orderBy enum", `query($v: LeadSortField!) { leads(orderBy: {field: $v}) { totalCount } }`, ""},
		{"interactions after", `query($v: String, $id: ID!) { leadInteractions(leadId: $id, after: $v) { totalCount } }`, "after"},
		{"lead id", `query($v: ID!) { lead(id: $v) { id } }`, ""},
		{"analytics tz", `query($v: String) { leadAnalytics(tz: $v) { totalLeads } }`, "tz"},
		{"analytics assignedTo", `query($v: String) { leadAnalytics(assignedTo: $v) { totalLeads } }`, "assignedTo"},
	}
	for _, g := range gql {
		for _, inj := range sqlInjections {
			t.Run("graphql "+g.name+" "+inj, func(t *testing.T) {
				r := a.GraphQL(t, tok, g.query, map[string]any{"v": inj, "id": lead.ID.String()})
				checkNoLeak(t, r, inj)
				body := string(r.Body)
				switch {
				case strings.Contains(body, `"totalCount":0`):
				case strings.Contains(body, `"errors"`):
					servertest.Check(t, servertest.Scenario{Query: g.query, WantCode: "VALIDATION_ERROR", WantField: g.field}, r)
				default:
					t.Fatalf("injection was not plain data or refused: %s", body)
				}
			})
		}
	}
	if l, u := counts(); l != leadsBefore || u != usersBefore {
		t.Fatalf("tables changed: leads %d → %d, users %d → %d", leadsBefore, l, usersBefore, u)
	}
}

// checkNoLeak fails when the answer shows database internals (beyond
// echoing the input itself).
func checkNoLeak(t *testing.T, r *servertest.Response, input string) {
	t.Helper()
	body := strings.ReplaceAll(string(r.Body), input, "")
	for _, m := range leakMarkers {
		if strings.Contains(body, m) {
			t.Fatalf("answer leaks %q: %s", m, r.Body)
		}
	}
}

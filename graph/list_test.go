package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// insertLeads stores n leads in one statement, with repeated names and
// timestamps so that sort ties are common.
func insertLeads(t *testing.T, env *servertest.Env, n int, edit func(i int, l *db.Lead)) []*db.Lead {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	leads := make([]*db.Lead, n)
	for i := range leads {
		email := fmt.Sprintf("bulk%d-%s@example.com", i, uuid.NewString()[:8])
		l := &db.Lead{ID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("Lead %03d", i%300), Email: &email,
			Source: db.LeadSources[i%len(db.LeadSources)], Status: db.LeadStatuses[i%len(db.LeadStatuses)],
			Priority: db.LeadPriorities[i%len(db.LeadPriorities)], Tags: []string{}, CustomFields: map[string]any{}, Version: 1,
			CreatedAt: base.Add(time.Duration(i/3) * time.Minute), UpdatedAt: base.Add(time.Duration(i%7) * time.Hour)}
		if i%4 != 0 {
			f := base.Add(time.Duration(i%50) * 24 * time.Hour)
			l.NextFollowUpAt = &f
		}
		if edit != nil {
			edit(i, l)
		}
		leads[i] = l
	}
	if _, err := env.DB.NewInsert().Model(&leads).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return leads
}

type page struct {
	Data struct {
		Leads struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   struct{ ID string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	Errors []any
}

func fetchPage(t *testing.T, env *servertest.Env, tok string, args string, vars map[string]any) page {
	t.Helper()
	q := `query($first: Int, $after: String, $last: Int, $before: String, $order: LeadOrder) {
		leads(first: $first, after: $after, last: $last, before: $before, orderBy: $order` + args + `) {
			edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	var p page
	env.GraphQL(t, tok, q, vars).Decode(t, &p)
	if len(p.Errors) > 0 {
		t.Fatalf("errors: %v", p.Errors)
	}
	return p
}

func TestLeadPagination(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	const total = 1000
	original := map[string]bool{}
	for _, l := range insertLeads(t, env, total, nil) {
		original[l.ID.String()] = true
	}
	// Leads inserted mid-walk by parallel subtests may or may not show up;
	// the original ones must each appear exactly once, in the same order
	// both ways.
	originals := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if original[id] {
				out = append(out, id)
			}
		}
		return out
	}

	for _, field := range []string{"CREATED_AT", "UPDATED_AT", "NAME", "NEXT_FOLLOW_UP_AT", "PRIORITY"} {
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(field+" "+dir, func(t *testing.T) {
				t.Parallel()
				order := map[string]any{"field": field, "direction": dir}
				var forward []string
				seen := map[string]bool{}
				var after any
				for pages := 0; ; pages++ {
					if pages == 5 { // leads added mid-walk must not shift the rest
						insertLeads(t, env, 5, func(i int, l *db.Lead) { l.Name = "Zz inserted"; l.CreatedAt = time.Now() })
					}
					p := fetchPage(t, env, tok, "", map[string]any{"first": 37, "after": after, "order": order})
					for _, e := range p.Data.Leads.Edges {
						if seen[e.Node.ID] {
							t.Fatalf("lead %s repeated", e.Node.ID)
						}
						seen[e.Node.ID] = true
						forward = append(forward, e.Node.ID)
					}
					if !p.Data.Leads.PageInfo.HasNextPage {
						break
					}
					after = *p.Data.Leads.PageInfo.EndCursor
				}
				forward = originals(forward)
				if len(forward) != total {
					t.Fatalf("walked %d original leads forward, want %d", len(forward), total)
				}
				// Walk back from the end and expect the exact reverse.
				var backward []string
				var before any
				for {
					p := fetchPage(t, env, tok, "", map[string]any{"last": 41, "before": before, "order": order})
					edges := p.Data.Leads.Edges
					for i := len(edges) - 1; i >= 0; i-- {
						backward = append(backward, edges[i].Node.ID)
					}
					if !p.Data.Leads.PageInfo.HasPreviousPage {
						break
					}
					before = *p.Data.Leads.PageInfo.StartCursor
				}
				backward = originals(backward)
				if len(backward) != total {
					t.Fatalf("walked %d original leads backward, want %d", len(backward), total)
				}
				for i := range backward {
					if backward[i] != forward[total-1-i] {
						t.Fatalf("backward walk differs from forward at %d", i)
					}
				}
			})
		}
	}
	env.Run(t, []servertest.Scenario{
		{Name: "cursor from another order is refused", Token: tok, Query: `query($c: String) { leads(after: $c, orderBy: {field: NAME}) { totalCount } }`,
			Vars: map[string]any{"c": fetchPage(t, env, tok, "", map[string]any{"first": 1}).Data.Leads.Edges[0].Cursor}, WantCode: "VALIDATION_ERROR", WantField: "after"},
		{Name: "tampered cursor", Token: tok, Query: `{ leads(after: "eyJzIjoiY3JlYXRlZEF0In0") { totalCount } }`, WantCode: "VALIDATION_ERROR", WantField: "after"},
		{Name: "page over 100", Token: tok, Query: `{ leads(first: 101) { totalCount } }`, WantCode: "VALIDATION_ERROR", WantField: "first"},
		{Name: "first with last", Token: tok, Query: `{ leads(first: 1, last: 1) { totalCount } }`, WantCode: "VALIDATION_ERROR", WantField: "last"},
		{Name: "negative offset", Token: tok, Query: `{ leads(offset: -1) { totalCount } }`, WantCode: "VALIDATION_ERROR", WantField: "offset"},
		{Name: "offset skips rows", Token: tok, Query: `{ leads(first: 5, offset: 1000, orderBy: {field: CREATED_AT, direction: ASC}) { edges { node { name } } pageInfo { hasPreviousPage } } }`,
			WantContains: []string{`"hasPreviousPage":true`}},
	})
}

func TestLeadFilters(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr, a := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller)
	tok := env.Token(t, mgr)
	past := time.Now().Add(-time.Hour)
	acme := env.SeedLead(t, func(l *db.Lead) {
		l.Name, l.Company, l.Tags, l.AssignedToID = "Priya Sharma", ptr("Acme Widgets"), []string{"hot", "q4"}, &a.ID
		l.Status, l.NextFollowUpAt = db.StatusInterested, &past
	})
	other := env.SeedLead(t, func(l *db.Lead) { l.Name, l.Source, l.Priority = "Rahul Verma", db.SourceEvent, db.PriorityUrgent })
	digits := strings.TrimPrefix(*other.PhoneE164, "+91")[3:9]
	q := `query($f: LeadFilter) { leads(filter: $f) { totalCount edges { node { id } } } }`
	f := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"f": m}
	}
	only := func(l *db.Lead) []string { return []string{`"totalCount":1`, l.ID.String()} }
	env.Run(t, []servertest.Scenario{
		{Name: "search by company word, any case", Token: tok, Query: q, Vars: f("search", "acme"), WantContains: only(acme)},
		{Name: "search by two words", Token: tok, Query: q, Vars: f("search", "priya widg"), WantContains: only(acme)},
		{Name: "search by phone digits", Token: tok, Query: q, Vars: f("search", digits), WantContains: only(other)},
		{Name: "search with SQL and wildcards matches nothing", Token: tok, Query: q, Vars: f("search", `%' OR 1=1 --`), WantContains: []string{`"totalCount":0`}},
		{Name: "status list", Token: tok, Query: q, Vars: f("status", []string{"INTERESTED", "LOST"}), WantContains: only(acme)},
		{Name: "source", Token: tok, Query: q, Vars: f("source", []string{"EVENT"}), WantContains: only(other)},
		{Name: "priority", Token: tok, Query: q, Vars: f("priority", []string{"URGENT"}), WantContains: only(other)},
		{Name: "tag", Token: tok, Query: q, Vars: f("tag", "q4"), WantContains: only(acme)},
		{Name: "assigned to a user", Token: tok, Query: q, Vars: f("assignedTo", a.ID.String()), WantContains: only(acme)},
		{Name: "unassigned", Token: tok, Query: q, Vars: f("assignedTo", "unassigned"), WantContains: only(other)},
		{Name: "assigned to me as the telecaller", Token: env.Token(t, a), Query: q, Vars: f("assignedTo", "me"), WantContains: only(acme)},
		{Name: "bad assignedTo", Token: tok, Query: q, Vars: f("assignedTo", "someone"), WantCode: "VALIDATION_ERROR", WantField: "assignedTo"},
		{Name: "follow-up due", Token: tok, Query: q, Vars: f("followUpDue", true), WantContains: only(acme)},
		{Name: "created range excludes everything in the past", Token: tok, Query: q, Vars: f("createdFrom", time.Now().Add(time.Hour).Format(time.RFC3339)), WantContains: []string{`"totalCount":0`}},
		{Name: "inverted created range", Token: tok, Query: q, Vars: f("createdFrom", "2026-02-01T00:00:00Z", "createdTo", "2026-01-01T00:00:00Z"), WantCode: "VALIDATION_ERROR", WantField: "createdTo"},
		{Name: "search too long", Token: tok, Query: q, Vars: f("search", strings.Repeat("a", 201)), WantCode: "VALIDATION_ERROR", WantField: "search"},
	})
}

// queryCounter counts the SQL statements the server runs.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *queryCounter) AfterQuery(_ context.Context, _ *bun.QueryEvent) { c.n.Add(1) }

func TestNestedFieldsCostConstantQueries(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	tok := env.Token(t, mgr)
	var users []*db.User
	for range 5 {
		users = append(users, env.SeedUser(t, db.RoleTelecaller))
	}
	leads := insertLeads(t, env, 100, func(i int, l *db.Lead) { l.AssignedToID = &users[i%5].ID; l.CreatedByID = &mgr.ID })
	var its []*db.Interaction
	for i, l := range leads {
		for j := range 4 {
			its = append(its, &db.Interaction{ID: uuid.Must(uuid.NewV7()), LeadID: l.ID, TelecallerID: users[i%5].ID, Type: db.TypeCall,
				Direction: db.Outbound, OccurredAt: time.Now().Add(-time.Duration(j) * time.Hour)})
		}
	}
	if _, err := env.DB.NewInsert().Model(&its).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	env.DB.AddQueryHook(counter)
	count := func(first int) int64 {
		before := counter.n.Load()
		q := fmt.Sprintf(`{ leads(first: %d) { edges { node { id assignee { fullName } createdBy { id } interactions(first: 3) { id telecaller { fullName } } } } } }`, first)
		r := env.GraphQL(t, tok, q, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("query failed: %s", r.Body)
		}
		if first == 100 && strings.Count(string(r.Body), `"telecaller"`) != 300 {
			t.Fatalf("want 300 interactions in the page: %.300s", r.Body)
		}
		return counter.n.Load() - before
	}
	count(1) // the caller's first request also records their user row
	// One query each for the leads, their recent interactions, and all users.
	if small, large := count(2), count(100); small != 3 || large != 3 {
		t.Fatalf("queries: %d for 2 leads, %d for 100 leads; want 3 for both", small, large)
	}
}

func TestQueryLimits(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	deep := "{ leads { edges { node { interactions { lead { interactions { lead { interactions { lead { assignee { id } } } } } } } } } } }"
	env.Run(t, []servertest.Scenario{
		{Name: "too deep", Token: tok, Query: deep, WantCode: "VALIDATION_ERROR", WantContains: []string{"nested"}},
		{Name: "too complex", Token: tok, Query: `{ leads(first: 100) { edges { node { interactions(first: 50) { id telecaller { id } } } } } }`, WantCode: "VALIDATION_ERROR"},
		{Name: "syntax error", Token: tok, Query: `{ leads(`, WantCode: "VALIDATION_ERROR"},
		{Name: "unknown field", Token: tok, Query: `{ leads { nope } }`, WantCode: "VALIDATION_ERROR"},
		{Name: "introspection is on", Token: tok, Query: `{ __schema { queryType { name } } }`, WantContains: []string{`"name":"Query"`}},
	})
}

func TestIntrospectionDepth(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	ofType := "name"
	for range 12 {
		ofType = "name ofType { " + ofType + " }"
	}
	tooDeep := ofType
	for range 30 {
		tooDeep = "name ofType { " + tooDeep + " }"
	}
	env.Run(t, []servertest.Scenario{
		{Name: "a playground-sized introspection query passes", Token: tok, Query: `{ __schema { types { fields { type { ` + ofType + ` } } } } }`, WantContains: []string{`"__schema"`}, WantAbsent: []string{`"errors"`}},
		{Name: "runaway introspection nesting is refused", Token: tok, Query: `{ __schema { types { fields { type { ` + tooDeep + ` } } } } }`, WantCode: "VALIDATION_ERROR"},
	})
}

// TestTimelineQueryCount: a page of leads with each lead's timeline and the
// actors costs a fixed number of queries whatever the page size.
func TestTimelineQueryCount(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	tok := env.Token(t, mgr)
	for i := range 30 {
		r := env.GraphQL(t, tok, `mutation($in: CreateLeadInput!) { createLead(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": fmt.Sprint("T", i), "email": fmt.Sprintf("t%d@example.com", i)}})
		var out struct {
			Data struct{ CreateLead struct{ ID string } }
		}
		r.Decode(t, &out)
		r = env.GraphQL(t, tok, `mutation($id: ID!) { updateLead(id: $id, input: {priority: HIGH}) { id } }`, map[string]any{"id": out.Data.CreateLead.ID})
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("update: %s", r.Body)
		}
	}
	counter := &queryCounter{}
	env.DB.AddQueryHook(counter)
	count := func(first int) int64 {
		before := counter.n.Load()
		q := fmt.Sprintf(`{ leads(first: %d) { edges { node { id timeline(first: 5) { edges { cursor node { kind at changes actor { id } } } pageInfo { hasNextPage } } } } } }`, first)
		r := env.GraphQL(t, tok, q, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("query failed: %s", r.Body)
		}
		if got := strings.Count(string(r.Body), `"kind":"UPDATED"`); got != first {
			t.Fatalf("%d UPDATED events for %d leads: %.400s", got, first, r.Body)
		}
		return counter.n.Load() - before
	}
	// One query each for the leads, their timelines, and the actors.
	if small, large := count(2), count(30); small != 3 || large != 3 {
		t.Fatalf("queries: %d for 2 leads, %d for 30 leads; want 3 for both", small, large)
	}
	env.Run(t, []servertest.Scenario{
		{Name: "timeline first over 100", Token: tok, Query: `{ leads(first: 1) { edges { node { timeline(first: 101) { edges { cursor } } } } } }`, WantCode: "VALIDATION_ERROR", WantField: "first"},
		{Name: "timeline bad cursor", Token: tok, Query: `{ leads(first: 1) { edges { node { timeline(after: "x") { edges { cursor } } } } } }`, WantCode: "VALIDATION_ERROR", WantField: "after"},
		{Name: "timeline is priced by its page size", Token: tok, Query: `{ leads(first: 100) { edges { node { timeline(first: 100) { edges { node { actor { id } } } } } } } }`, WantCode: "VALIDATION_ERROR"},
	})
}

package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestGraphQLAbuse: operations built to cost far more than they look are
// refused before they run, with a clean VALIDATION_ERROR (or a 4xx for a
// body that is not one operation), and the server keeps answering.
func TestGraphQLAbuse(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	lead := env.SeedLead(t, nil).ID.String()

	deep := "id"
	for range 50 {
		deep = "lead { interactions { " + deep + " } }"
	}
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			fmt.Fprintf(&b, "a%d: %s ", i, field)
		}
		return b.String() + "}"
	}
	// Each fragment spreads the next twice: 2^30 fields once expanded.
	var frags strings.Builder
	for i := range 30 {
		fmt.Fprintf(&frags, "fragment F%d on Lead { ...F%d ...F%d } ", i, i+1, i+1)
	}
	frags.WriteString("fragment F30 on Lead { id }")
	bomb := `query { leads(first: 1) { edges { node { ...F0 } } } } ` + frags.String()
	ids := make([]string, 20000)
	for i := range ids {
		ids[i] = "00000000-0000-0000-0000-000000000001"
	}

	env.Run(t, []servertest.Scenario{
		{Name: "depth 50", Token: tok, Query: "{ leads { edges { node { interactions { " + deep + " } } } } }", WantCode: "VALIDATION_ERROR", WantContains: []string{"nested"}},
		{Name: "1000 aliases of a lead lookup", Token: tok, Query: aliases(1000, `lead(id: "`+lead+`") { id }`), WantCode: "VALIDATION_ERROR"},
		{Name: "1000 aliases of a page of leads", Token: tok, Query: aliases(1000, `leads(first: 100) { edges { node { id } } }`), WantCode: "VALIDATION_ERROR"},
		{Name: "1000 aliases of me", Token: tok, Query: aliases(1000, `me { id }`), WantCode: "VALIDATION_ERROR"},
		{Name: "fragment bomb", Token: tok, Query: bomb, WantCode: "VALIDATION_ERROR"},
		{Name: "a million leads", Token: tok, Query: `{ leads(first: 1000000) { edges { node { id } } } }`, WantCode: "VALIDATION_ERROR"},
		{Name: "interactions per lead over the cap", Token: tok, Query: `{ leads(first: 1) { edges { node { interactions(first: 100000) { id } } } } }`, WantCode: "VALIDATION_ERROR"},
		{Name: "20000 ids to assign", Token: tok, Query: `mutation($ids: [ID!], $to: [ID!]!) { assignLeads(leadIds: $ids, assigneeIds: $to) { assigned } }`,
			Vars: map[string]any{"ids": ids, "to": []string{lead}}, WantCode: "VALIDATION_ERROR"},
		{Name: "introspection of every type's fields' types", Token: tok, Query: aliases(200, `__schema { types { fields { type { name } } } }`), WantCode: "VALIDATION_ERROR"},
		{Name: "a normal query still works", Token: tok, Query: `{ leads(first: 5) { totalCount edges { node { id interactions(first: 3) { id } timeline(first: 3) { edges { node { kind } } } } } } }`,
			WantAbsent: []string{`"errors"`}},
		{Name: "the playground's introspection still works", Token: tok, Query: `{ __schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } type { name ofType { name ofType { name ofType { name } } } } } } } }`,
			WantAbsent: []string{`"errors"`}},
	})
	batch := []map[string]any{{"query": "{ me { id } }"}, {"query": "{ me { id } }"}}
	for _, row := range []struct {
		name string
		body any
	}{
		{"array batching is not accepted", batch},
		{"a thousand batched operations", func() []map[string]any {
			var b []map[string]any
			for range 1000 {
				b = append(b, batch[0])
			}
			return b
		}()},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := env.Do(t, "POST", "/graphql", row.body, tok)
			if r.Status != 400 {
				t.Fatalf("status %d, want 400: %.300s", r.Status, r.Body)
			}
			servertest.CheckNoServerError(t, r, true)
			servertest.Check(t, servertest.Scenario{Query: "x", WantCode: "VALIDATION_ERROR", WantField: "body"}, r)
		})
	}
}

// TestBodyLimits: bodies over the caps are 413 PAYLOAD_TOO_LARGE on REST and
// GraphQL, whether announced by Content-Length or streamed without one.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	gql := `{"query":"{ me { id } }","variables":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	for _, row := range []struct{ name, path, body string }{
		{"REST create", "/api/leads", big},
		{"REST bulk over its own cap", "/api/leads/bulk", `{"leads":[` + strings.Repeat(`{"name":"`+strings.Repeat("y", 1000)+`"},`, 6000) + `{}]}`},
		{"GraphQL", "/graphql", gql},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := env.Do(t, "POST", row.path, row.body, tok)
			if r.Status != 413 {
				t.Fatalf("status %d, want 413: %.300s", r.Status, r.Body)
			}
			servertest.CheckNoServerError(t, r, false)
		})
		t.Run(row.name+" streamed", func(t *testing.T) {
			rr := env.ServeStream("POST", row.path, strings.NewReader(row.body), "Content-Type", "application/json", "Authorization", "Bearer "+tok)
			if rr.Status != 413 {
				t.Fatalf("status %d, want 413: %.300s", rr.Status, rr.Body)
			}
			servertest.CheckNoServerError(t, rr, strings.HasPrefix(row.path, "/graphql"))
		})
	}
}

package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// fuzzOps are the operations whose variables FuzzGraphQLVariables fuzzes.
var fuzzOps = []string{
	`query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, $filter: LeadFilter, $orderBy: LeadOrder) {
		leads(first: $first, after: $after, last: $last, before: $before, offset: $offset, filter: $filter, orderBy: $orderBy) {
			totalCount edges { cursor node { id status timeline(first: 2) { edges { node { kind } } } } } pageInfo { hasNextPage endCursor } } }`,
	`mutation($in: CreateLeadInput!) { createLead(input: $in) { id phoneE164 tags customFields } }`,
	`mutation($id: ID!, $in: UpdateLeadInput!, $v: Int) { updateLead(id: $id, input: $in, expectedVersion: $v) { id version } }`,
	`mutation($in: CreateInteractionInput!) { createInteraction(input: $in) { id } }`,
}

// FuzzGraphQLVariables sends the leads query and the lead mutations through
// the real GraphQL handler with fuzzed variables JSON. Invariant: never a
// 5xx or a panic, always JSON, every error with a client error code (never
// INTERNAL_ERROR).
func FuzzGraphQLVariables(f *testing.F) {
	env := servertest.New(f)
	tc := env.SeedUser(f, db.RoleTelecaller)
	tok := env.Token(f, env.SeedUser(f, db.RoleManager))
	lead := env.SeedLead(f, func(l *db.Lead) { l.AssignedToID = &tc.ID }).ID.String()
	for op, vars := range []string{
		`{"first":5,"filter":{"status":["NEW"],"search":"asha","assignedTo":"me","tags":["a"],"createdFrom":"2024-01-01T00:00:00Z"},"orderBy":{"field":"PRIORITY","direction":"DESC"}}`,
		`{"in":{"name":"Asha","phone":"98765 43210","email":"a@example.com","tags":["x"],"customFields":{"k":[1,2]}}}`,
		`{"id":"` + lead + `","in":{"status":"QUALIFIED","phone":null},"v":1}`,
		`{"in":{"leadId":"` + lead + `","type":"CALL","outcome":"CONNECTED","durationSeconds":30}}`,
	} {
		f.Add(uint8(op), []byte(vars))
	}
	for _, vars := range []string{`{"first":-1}`, `{"first":1e9}`, `{"after":"!!"}`, `{"last":5,"before":"eyJ9"}`, `{"filter":{"status":["new"]}}`,
		`{"filter":{"search":"' OR 1=1 --"}}`, `{"orderBy":{"field":"NAME;DROP"}}`, `null`, `[]`, `{"first":"5"}`, `{"offset":2147483648}`} {
		f.Add(uint8(0), []byte(vars))
	}
	f.Fuzz(func(t *testing.T, op uint8, vars []byte) {
		body, err := json.Marshal(map[string]any{"query": fuzzOps[int(op)%len(fuzzOps)], "variables": json.RawMessage(vars)})
		if err != nil {
			body = []byte(`{"query":` + string(mustJSON(fuzzOps[int(op)%len(fuzzOps)])) + `,"variables":` + string(vars) + `}`)
		}
		r := env.Serve("POST", "/graphql", body, "Content-Type", "application/json", "Authorization", "Bearer "+tok)
		servertest.CheckNoServerError(t, r, true)
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

package rest_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// leadFields are the scalar fields of the GraphQL Lead type: REST shows
// exactly these for a lead (it never adds its own).
const leadFields = `id name email phone phoneE164 company source status priority assignedToId createdById notes tags customFields
	nextFollowUpAt lastContactedAt attemptCount version createdAt updatedAt deletedAt`

const interactionFields = `id leadId telecallerId type direction outcome durationSeconds notes followUpAt statusAfter occurredAt createdAt`

// gql runs a GraphQL operation and returns data[field], failing on errors.
func gql(t *testing.T, a *api, token, query string, vars map[string]any, field string) json.RawMessage {
	t.Helper()
	r := a.GraphQL(t, token, query, vars)
	var out struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []any                      `json:"errors"`
	}
	r.Decode(t, &out)
	if len(out.Errors) > 0 || r.Status != 200 {
		t.Fatalf("graphql: %d %s", r.Status, r.Body)
	}
	return out.Data[field]
}

// sameValues compares a REST object with a GraphQL one field by field:
// enums are compared case-insensitively (REST new, GraphQL NEW) and times as
// instants. The REST object must have exactly the GraphQL fields.
func sameValues(t *testing.T, restJSON, gqlJSON []byte, fields string) {
	t.Helper()
	var rv, gv map[string]any
	if err := json.Unmarshal(restJSON, &rv); err != nil {
		t.Fatalf("rest: %v: %s", err, restJSON)
	}
	if err := json.Unmarshal(gqlJSON, &gv); err != nil {
		t.Fatalf("graphql: %v: %s", err, gqlJSON)
	}
	want := strings.Fields(fields)
	got := make([]string, 0, len(rv))
	for k := range rv {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("REST fields = %v, want the GraphQL fields %v", got, want)
	}
	for _, f := range want {
		if !sameValue(rv[f], gv[f]) {
			t.Errorf("%s: REST %#v, GraphQL %#v", f, rv[f], gv[f])
		}
	}
}

func sameValue(r, g any) bool {
	rs, ok1 := r.(string)
	gs, ok2 := g.(string)
	if ok1 && ok2 {
		rt, err1 := time.Parse(time.RFC3339Nano, rs)
		gt, err2 := time.Parse(time.RFC3339Nano, gs)
		if err1 == nil && err2 == nil {
			return rt.Equal(gt)
		}
		return rs == gs || (strings.ToUpper(rs) == gs && rs == strings.ToLower(gs))
	}
	return reflect.DeepEqual(r, g)
}

func TestRESTAndGraphQLAgree(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	future := time.Now().Add(30 * time.Hour).UTC().Format(time.RFC3339)
	const leadQuery = `query($id: ID!) { lead(id: $id) { ` + leadFields + ` } }`

	// Created over GraphQL with every field set, read over REST.
	created := gql(t, a, mt, `mutation($in: CreateLeadInput!) { createLead(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": "Parity Lead", "email": "Parity@Example.com", "phone": "123-456-7890", "company": "Acme Corp", "source": "COLD_CALL",
		"status": "FOLLOW_UP", "priority": "HIGH", "assignedToId": tc.ID, "notes": "n", "tags": []string{"a", "b"},
		"customFields": map[string]any{"budget": 1000, "nested": map[string]any{"ok": true}}, "nextFollowUpAt": future,
	}}, "createLead")
	var c struct{ ID string }
	if err := json.Unmarshal(created, &c); err != nil || c.ID == "" {
		t.Fatalf("createLead = %s (%v)", created, err)
	}
	id, path := c.ID, "/api/leads/"+c.ID

	t.Run("same lead, same values", func(t *testing.T) {
		r := a.do(t, "GET", path, nil, mt)
		sameValues(t, decode(t, r).Data, gql(t, a, mt, leadQuery, map[string]any{"id": id}, "lead"), leadFields)
	})
	t.Run("a REST update is visible over GraphQL", func(t *testing.T) {
		r := a.do(t, "PATCH", path, map[string]any{"name": "Renamed Over REST", "status": "qualified", "company": nil, "tags": []string{"rest"}}, tt,
			"If-Match", `"1"`)
		servertest.Check(t, servertest.Scenario{WantStatus: 200}, r)
		g := gql(t, a, tt, leadQuery, map[string]any{"id": id}, "lead")
		for _, s := range []string{`"name":"Renamed Over REST"`, `"status":"QUALIFIED"`, `"company":null`, `"tags":["rest"]`, `"version":2`} {
			if !strings.Contains(string(g), s) {
				t.Errorf("GraphQL lead lacks %s: %s", s, g)
			}
		}
		sameValues(t, decode(t, r).Data, g, leadFields)
	})
	t.Run("a GraphQL update is visible over REST", func(t *testing.T) {
		g := gql(t, a, mt, `mutation($id: ID!, $in: UpdateLeadInput!) { updateLead(id: $id, input: $in, expectedVersion: 2) { `+leadFields+` } }`,
			map[string]any{"id": id, "in": map[string]any{"priority": "URGENT", "notes": "from graphql"}}, "updateLead")
		r := a.do(t, "GET", path, nil, tt)
		servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"priority":"urgent"`, `"notes":"from graphql"`, `"version":3`}}, r)
		header("ETag", `"3"`)(t, r)
		sameValues(t, decode(t, r).Data, g, leadFields)
	})
	t.Run("an interaction logged over REST is the one GraphQL lists", func(t *testing.T) {
		r := a.do(t, "POST", path+"/interactions", map[string]any{"type": "call", "outcome": "converted", "durationSeconds": 42}, tt)
		servertest.Check(t, servertest.Scenario{WantStatus: 201}, r)
		conn := gql(t, a, tt, `query($id: ID!) { leadInteractions(leadId: $id) { edges { node { `+interactionFields+` } } } }`,
			map[string]any{"id": id}, "leadInteractions")
		var c struct {
			Edges []struct {
				Node json.RawMessage `json:"node"`
			} `json:"edges"`
		}
		if err := json.Unmarshal(conn, &c); err != nil || len(c.Edges) != 1 {
			t.Fatalf("leadInteractions = %s (%v)", conn, err)
		}
		sameValues(t, decode(t, r).Data, c.Edges[0].Node, interactionFields)
		list := a.do(t, "GET", path+"/interactions", nil, tt)
		var items []json.RawMessage
		if err := json.Unmarshal(decode(t, list).Data, &items); err != nil || len(items) != 1 {
			t.Fatalf("REST list = %s", list.Body)
		}
		sameValues(t, items[0], c.Edges[0].Node, interactionFields)
		// The outcome moved the lead, as both faces see.
		g := gql(t, a, tt, leadQuery, map[string]any{"id": id}, "lead")
		sameValues(t, decode(t, a.do(t, "GET", path, nil, tt)).Data, g, leadFields)
		if !strings.Contains(string(g), `"status":"CONVERTED"`) || !strings.Contains(string(g), `"attemptCount":1`) {
			t.Errorf("lead after a converting call: %s", g)
		}
	})
	t.Run("lists agree", func(t *testing.T) {
		a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
		conn := gql(t, a, tt, `{ leads(first: 20) { totalCount edges { node { `+leadFields+` } } } }`, nil, "leads")
		var c struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node json.RawMessage `json:"node"`
			} `json:"edges"`
		}
		if err := json.Unmarshal(conn, &c); err != nil {
			t.Fatal(err)
		}
		r := a.do(t, "GET", "/api/leads", nil, tt)
		var items []json.RawMessage
		if err := json.Unmarshal(decode(t, r).Data, &items); err != nil {
			t.Fatal(err)
		}
		if len(items) != len(c.Edges) || decode(t, r).Pagination.Total != c.TotalCount || c.TotalCount != 2 {
			t.Fatalf("REST %d items (total %d), GraphQL %d (total %d)", len(items), decode(t, r).Pagination.Total, len(c.Edges), c.TotalCount)
		}
		for i := range items {
			sameValues(t, items[i], c.Edges[i].Node, leadFields)
		}
	})
	t.Run("same errors", func(t *testing.T) {
		r := a.do(t, "PATCH", path, map[string]any{"name": "stale"}, tt, "If-Match", `"1"`)
		servertest.Check(t, servertest.Scenario{WantStatus: 409, WantCode: "CONFLICT", WantField: "version"}, r)
		g := a.GraphQL(t, tt, `mutation($id: ID!) { updateLead(id: $id, input: {name: "stale"}, expectedVersion: 1) { id } }`, map[string]any{"id": id})
		servertest.Check(t, servertest.Scenario{Query: "x", WantCode: "CONFLICT", WantField: "version"}, g)
	})
}

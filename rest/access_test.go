package rest_test

import (
	"context"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestHorizontalAccess: a telecaller reaches for another telecaller's lead
// by every door, REST and GraphQL. Reads and writes of it are NOT_FOUND
// (ids don't leak), manager-only doors are FORBIDDEN, lists and analytics
// never show it, and a cursor made from it (or by a manager) opens nothing.
func TestHorizontalAccess(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, me, them := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, me)
	mine := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &me.ID; l.Name = "Mine" })
	theirs := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &them.ID; l.Name = "Theirs"; l.Tags = []string{"secret"} })
	deleted := a.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &them.ID })
	if _, err := db.SetLeadDeleted(context.Background(), a.DB, deleted.ID, true); err != nil {
		t.Fatal(err)
	}
	// A manager's cursor positioned on their lead, in a list that shows all.
	mgrList := decode(t, a.do(t, "GET", "/api/leads?limit=1&sort=-name", nil, mt))
	if mgrList.Pagination == nil || mgrList.Pagination.NextCursor == nil {
		t.Fatalf("manager list has no next cursor")
	}
	id, tid := theirs.ID.String(), them.ID.String()
	path := "/api/leads/" + id
	absent := []string{id, "Theirs", "secret"}
	a.run(t, []servertest.Scenario{
		{Name: "REST get", Method: "GET", Path: path, Token: tt, WantStatus: 404, WantCode: "NOT_FOUND", WantAbsent: absent},
		{Name: "REST patch", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"name": "mine now"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "REST patch with If-Match", Method: "PATCH", Path: path, Token: tt, Body: map[string]any{"notes": "x"}, Headers: []string{"If-Match", `"1"`}, WantStatus: 404},
		{Name: "REST put assigning to self", Method: "PUT", Path: path, Token: tt, Body: map[string]any{"assignedToId": me.ID}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST delete", Method: "DELETE", Path: path, Token: tt, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST restore", Method: "POST", Path: "/api/leads/" + deleted.ID.String() + "/restore", Token: tt, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST log interaction", Method: "POST", Path: path + "/interactions", Token: tt, Body: map[string]any{"type": "call"}, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "REST list interactions", Method: "GET", Path: path + "/interactions", Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "REST events", Method: "GET", Path: path + "/events", Token: tt, WantStatus: 404, WantCode: "NOT_FOUND"},
		{Name: "REST list filtered to them", Method: "GET", Path: "/api/leads?assignedTo=" + tid, Token: tt, WantStatus: 200, WantContains: []string{`"total":0`}, WantAbsent: absent},
		{Name: "REST list by their tag", Method: "GET", Path: "/api/leads?tag=secret", Token: tt, WantStatus: 200, WantContains: []string{`"total":0`}, WantAbsent: absent},
		{Name: "REST list shows only mine", Method: "GET", Path: "/api/leads?limit=100", Token: tt, WantStatus: 200, WantContains: []string{`"total":1`, mine.ID.String()}, WantAbsent: absent},
		{Name: "REST manager cursor replayed by a telecaller", Method: "GET", Path: "/api/leads?limit=1&sort=-name&cursor=" + *mgrList.Pagination.NextCursor, Token: tt,
			WantStatus: 200, WantAbsent: absent},
		{Name: "REST list of deleted leads", Method: "GET", Path: "/api/leads?deleted=true", Token: tt, WantStatus: 400},
		{Name: "REST analytics for them", Method: "GET", Path: "/api/analytics/leads?assignedTo=" + tid, Token: tt, WantStatus: 200, WantContains: []string{`"totalLeads":0`}},
		{Name: "REST performance of them", Method: "GET", Path: "/api/analytics/telecallers?telecallerId=" + tid, Token: tt, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST performance shows only me", Method: "GET", Path: "/api/analytics/telecallers", Token: tt, WantStatus: 200, WantAbsent: []string{tid}},
		{Name: "REST bulk create", Method: "POST", Path: "/api/leads/bulk", Token: tt, Body: map[string]any{"leads": []map[string]any{{"name": "x", "phone": *theirs.PhoneE164}}, "mode": "upsert"}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST bulk assign to self", Method: "POST", Path: "/api/leads/bulk-assign", Token: tt, Body: map[string]any{"leadIds": []string{id}, "assigneeIds": []string{me.ID.String()}}, WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "REST create duplicate of their phone", Method: "POST", Path: "/api/leads", Token: tt, Body: map[string]any{"name": "dup", "phone": *theirs.PhoneE164},
			WantStatus: 409, WantCode: "CONFLICT", WantAbsent: []string{"Theirs", "secret"}},

		{Name: "GraphQL lead", Token: tt, Query: `query($id: ID!) { lead(id: $id) { id name } }`, Vars: map[string]any{"id": id}, WantCode: "NOT_FOUND", WantAbsent: absent[1:]},
		{Name: "GraphQL update", Token: tt, Query: `mutation($id: ID!) { updateLead(id: $id, input: {name: "x"}) { id } }`, Vars: map[string]any{"id": id}, WantCode: "NOT_FOUND"},
		{Name: "GraphQL assign", Token: tt, Query: `mutation($id: ID!, $to: ID) { assignLead(id: $id, assigneeId: $to) { id } }`, Vars: map[string]any{"id": id, "to": me.ID}, WantCode: "FORBIDDEN"},
		{Name: "GraphQL delete", Token: tt, Query: `mutation($id: ID!) { deleteLead(id: $id) { id } }`, Vars: map[string]any{"id": id}, WantCode: "FORBIDDEN"},
		{Name: "GraphQL restore", Token: tt, Query: `mutation($id: ID!) { restoreLead(id: $id) { id } }`, Vars: map[string]any{"id": deleted.ID}, WantCode: "FORBIDDEN"},
		{Name: "GraphQL interaction", Token: tt, Query: `mutation($id: ID!) { createInteraction(input: {leadId: $id, type: CALL}) { id } }`, Vars: map[string]any{"id": id}, WantCode: "NOT_FOUND"},
		{Name: "GraphQL interactions", Token: tt, Query: `query($id: ID!) { leadInteractions(leadId: $id) { totalCount } }`, Vars: map[string]any{"id": id}, WantCode: "NOT_FOUND"},
		{Name: "GraphQL list filtered to them", Token: tt, Query: `query($to: String) { leads(filter: {assignedTo: $to}) { totalCount edges { node { id } } } }`, Vars: map[string]any{"to": tid},
			WantContains: []string{`"totalCount":0`}, WantAbsent: absent},
		{Name: "GraphQL deleted leads", Token: tt, Query: `{ leads(filter: {deleted: true}) { totalCount } }`, WantCode: "FORBIDDEN"},
		{Name: "GraphQL manager cursor", Token: tt, Query: `query($c: String) { leads(first: 5, after: $c, orderBy: {field: NAME, direction: DESC}) { edges { node { id } } } }`,
			Vars: map[string]any{"c": *mgrList.Pagination.NextCursor}, WantAbsent: absent},
		{Name: "GraphQL performance of them", Token: tt, Query: `query($id: ID) { telecallerPerformance(telecallerId: $id) { team { callsMade } } }`, Vars: map[string]any{"id": tid}, WantCode: "FORBIDDEN"},
		{Name: "GraphQL bulk", Token: tt, Query: `mutation { bulkCreateLeads(leads: [{name: "x", email: "x@example.com"}]) { totals { created } } }`, WantCode: "FORBIDDEN"},
		{Name: "GraphQL bulk assign", Token: tt, Query: `mutation($ids: [ID!], $to: [ID!]!) { assignLeads(leadIds: $ids, assigneeIds: $to) { assigned } }`,
			Vars: map[string]any{"ids": []string{id}, "to": []string{me.ID.String()}}, WantCode: "FORBIDDEN"},
		{Name: "GraphQL users", Token: tt, Query: `{ users { id } }`, WantCode: "FORBIDDEN"},
	})
	// Nothing above changed their lead.
	got, err := db.FindLeadByID(context.Background(), a.DB, theirs.ID, db.LeadScope{}, false)
	if err != nil || got.Version != 1 || got.AttemptCount != 0 || got.AssignedToID == nil || *got.AssignedToID != them.ID {
		t.Fatalf("their lead changed: %+v %v", got, err)
	}
}

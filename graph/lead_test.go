package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

const createLead = `mutation($in: CreateLeadInput!) { createLead(input: $in) { id name email phone phoneE164 company status source priority assignedToId createdById tags customFields version } }`

func TestLeadCreate(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	tc := env.SeedUser(t, db.RoleTelecaller)
	other := env.SeedUser(t, db.RoleTelecaller)
	mt, tt := env.Token(t, mgr), env.Token(t, tc)
	existing := env.SeedLead(t, nil)
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)

	in := func(kv ...any) map[string]any {
		m := map[string]any{"in": map[string]any{}}
		for i := 0; i < len(kv); i += 2 {
			m["in"].(map[string]any)[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	longName := strings.Repeat("x", 201)
	manyTags := make([]string, 21)
	for i := range manyTags {
		manyTags[i] = fmt.Sprint("t", i)
	}
	bigCustom := map[string]any{"blob": strings.Repeat("y", 17<<10)}

	env.Run(t, []servertest.Scenario{
		{Name: "seed docs example is accepted and normalised", Token: mt, Query: createLead,
			Vars:         in("name", "John Doe", "email", "John@Example.com", "phone", "123-456-7890", "company", "Acme Corp"),
			WantContains: []string{`"name":"John Doe"`, `"email":"john@example.com"`, `"phone":"123-456-7890"`, `"phoneE164":"+911234567890"`, `"status":"NEW"`, `"source":"OTHER"`, `"priority":"MEDIUM"`, `"version":1`, `"assignedToId":null`}},
		{Name: "telecaller's lead is assigned to them", Token: tt, Query: createLead,
			Vars:         in("name", "Self Assigned", "phone", "+91 98100 00001", "tags", []string{"hot", " hot ", "q4"}, "customFields", map[string]any{"city": "Pune"}),
			WantContains: []string{`"assignedToId":"` + tc.ID.String() + `"`, `"tags":["hot","q4"]`, `"customFields":{"city":"Pune"}`, `"createdById":"` + tc.ID.String() + `"`}},
		{Name: "manager assigns to a telecaller", Token: mt, Query: createLead,
			Vars:         in("name", "Assigned", "email", "assigned@example.com", "assignedToId", other.ID.String(), "status", "INTERESTED", "source", "REFERRAL", "priority", "URGENT"),
			WantContains: []string{`"assignedToId":"` + other.ID.String() + `"`, `"status":"INTERESTED"`, `"source":"REFERRAL"`, `"priority":"URGENT"`}},
		{Name: "telecaller cannot assign to another", Token: tt, Query: createLead,
			Vars: in("name", "X", "email", "x1@example.com", "assignedToId", other.ID.String()), WantCode: "FORBIDDEN"},
		{Name: "no token", Query: createLead, Vars: in("name", "X", "email", "x2@example.com"), WantCode: "UNAUTHORIZED"},
		{Name: "blank name", Token: mt, Query: createLead, Vars: in("name", "   ", "email", "x3@example.com"), WantCode: "VALIDATION_ERROR", WantField: "name"},
		{Name: "name over 200 characters", Token: mt, Query: createLead, Vars: in("name", longName, "email", "x4@example.com"), WantCode: "VALIDATION_ERROR", WantField: "name"},
		{Name: "neither phone nor email", Token: mt, Query: createLead, Vars: in("name", "X"), WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "bad email", Token: mt, Query: createLead, Vars: in("name", "X", "email", "not-an-email"), WantCode: "VALIDATION_ERROR", WantField: "email"},
		{Name: "email with display name", Token: mt, Query: createLead, Vars: in("name", "X", "email", "Bob <bob@example.com>"), WantCode: "VALIDATION_ERROR", WantField: "email"},
		{Name: "bad phone", Token: mt, Query: createLead, Vars: in("name", "X", "phone", "12"), WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "letters for phone", Token: mt, Query: createLead, Vars: in("name", "X", "phone", "call me maybe"), WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "lower-case enum value", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x5@example.com", "status", "new"), WantCode: "VALIDATION_ERROR", WantField: "status"},
		{Name: "unknown enum value", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x6@example.com", "source", "TV"), WantCode: "VALIDATION_ERROR", WantField: "source"},
		{Name: "too many tags", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x7@example.com", "tags", manyTags), WantCode: "VALIDATION_ERROR", WantField: "tags"},
		{Name: "tag too long", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x8@example.com", "tags", []string{strings.Repeat("t", 51)}), WantCode: "VALIDATION_ERROR", WantField: "tags"},
		{Name: "custom fields over 16 KB", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x9@example.com", "customFields", bigCustom), WantCode: "VALIDATION_ERROR", WantField: "customFields"},
		{Name: "custom fields not an object", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x10@example.com", "customFields", []int{1}), WantCode: "VALIDATION_ERROR", WantField: "customFields"},
		{Name: "follow-up in the past", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x11@example.com", "nextFollowUpAt", past), WantCode: "VALIDATION_ERROR", WantField: "nextFollowUpAt"},
		{Name: "follow-up in the future", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x12@example.com", "nextFollowUpAt", future), WantContains: []string{`"name":"X"`}},
		{Name: "bad date", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x13@example.com", "nextFollowUpAt", "tomorrow"), WantCode: "VALIDATION_ERROR", WantField: "nextFollowUpAt"},
		{Name: "bad assignee uuid", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x14@example.com", "assignedToId", "42"), WantCode: "VALIDATION_ERROR", WantField: "assignedToId"},
		{Name: "unknown assignee", Token: mt, Query: createLead, Vars: in("name", "X", "email", "x15@example.com", "assignedToId", "00000000-0000-4000-8000-0000000000ff"), WantCode: "VALIDATION_ERROR", WantField: "assignedToId"},
		{Name: "duplicate phone in another format", Token: mt, Query: createLead,
			Vars:     in("name", "Dup", "phone", strings.TrimPrefix(*existing.PhoneE164, "+91")),
			WantCode: "CONFLICT", WantField: "phone", WantContains: []string{`"existingLeadId":"` + existing.ID.String() + `"`}},
		{Name: "duplicate email in another case", Token: mt, Query: createLead,
			Vars:     in("name", "Dup", "email", strings.ToUpper(*existing.Email)),
			WantCode: "CONFLICT", WantField: "email", WantContains: []string{existing.ID.String()}},
	})
}

func TestLeadRead(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr, a, b := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	la := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &a.ID; l.Name = "Alpha Lead" })
	lb := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &b.ID })
	q := `query($id: ID!) { lead(id: $id) { id name assignee { id role } } }`
	env.Run(t, []servertest.Scenario{
		{Name: "telecaller sees own lead", Token: env.Token(t, a), Query: q, Vars: map[string]any{"id": la.ID}, WantContains: []string{`"name":"Alpha Lead"`, `"role":"TELECALLER"`}},
		{Name: "telecaller cannot see another's lead", Token: env.Token(t, a), Query: q, Vars: map[string]any{"id": lb.ID}, WantCode: "NOT_FOUND"},
		{Name: "manager sees every lead", Token: env.Token(t, mgr), Query: q, Vars: map[string]any{"id": lb.ID}, WantContains: []string{lb.ID.String()}},
		{Name: "unknown id", Token: env.Token(t, mgr), Query: q, Vars: map[string]any{"id": "0192f0c4-0000-7000-8000-000000000000"}, WantCode: "NOT_FOUND"},
		{Name: "malformed id", Token: env.Token(t, mgr), Query: q, Vars: map[string]any{"id": "1 OR 1=1"}, WantCode: "VALIDATION_ERROR", WantField: "id"},
		{Name: "telecaller list is scoped", Token: env.Token(t, a), Query: `{ leads { totalCount edges { node { id } } } }`,
			WantContains: []string{`"totalCount":1`, la.ID.String()}, WantAbsent: []string{lb.ID.String()}},
		{Name: "telecaller filtering for another's leads sees none", Token: env.Token(t, a), Query: `query($u: String) { leads(filter: {assignedTo: $u}) { totalCount } }`,
			Vars: map[string]any{"u": b.ID.String()}, WantContains: []string{`"totalCount":0`}},
		{Name: "users list is manager-only", Token: env.Token(t, a), Query: `{ users { id } }`, WantCode: "FORBIDDEN"},
		{Name: "manager lists telecallers", Token: env.Token(t, mgr), Query: `{ users(role: TELECALLER) { id } }`, WantContains: []string{a.ID.String(), b.ID.String()}, WantAbsent: []string{mgr.ID.String()}},
	})
}

func TestLeadUpdate(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr, a, b := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	mt, at := env.Token(t, mgr), env.Token(t, a)
	lead := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &a.ID; l.Company = ptr("Old Co") })
	other := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &b.ID })
	phoneOnly := env.SeedLead(t, func(l *db.Lead) { l.Email = nil; l.AssignedToID = &a.ID })
	upd := `mutation($id: ID!, $in: UpdateLeadInput!, $v: Int) { updateLead(id: $id, input: $in, expectedVersion: $v) { id name company status version assignedToId } }`
	vars := func(id any, in map[string]any, v any) map[string]any {
		return map[string]any{"id": id, "in": in, "v": v}
	}
	env.Run(t, []servertest.Scenario{
		{Name: "owner renames and version bumps", Token: at, Query: upd, Vars: vars(lead.ID, map[string]any{"name": "New Name", "status": "CONTACTED"}, 1),
			WantContains: []string{`"name":"New Name"`, `"status":"CONTACTED"`, `"version":2`, `"company":"Old Co"`}},
		{Name: "stale version conflicts", Token: at, Query: upd, Vars: vars(lead.ID, map[string]any{"name": "Late"}, 1), WantCode: "CONFLICT", WantField: "version", WantContains: []string{`"currentVersion":2`}},
		{Name: "null clears a field", Token: at, Query: upd, Vars: vars(lead.ID, map[string]any{"company": nil}, nil), WantContains: []string{`"company":null`, `"version":3`}},
		{Name: "clearing the last contact is refused", Token: at, Query: upd, Vars: vars(phoneOnly.ID, map[string]any{"phone": nil}, nil), WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "telecaller cannot update another's lead", Token: at, Query: upd, Vars: vars(other.ID, map[string]any{"name": "Hijack"}, nil), WantCode: "NOT_FOUND"},
		{Name: "telecaller cannot reassign", Token: at, Query: upd, Vars: vars(lead.ID, map[string]any{"assignedToId": b.ID}, nil), WantCode: "FORBIDDEN"},
		{Name: "manager reassigns through update", Token: mt, Query: upd, Vars: vars(lead.ID, map[string]any{"assignedToId": b.ID}, nil), WantContains: []string{`"assignedToId":"` + b.ID.String() + `"`}},
		{Name: "duplicate email conflicts", Token: mt, Query: upd, Vars: vars(lead.ID, map[string]any{"email": *other.Email}, nil), WantCode: "CONFLICT", WantField: "email", WantContains: []string{other.ID.String()}},
		{Name: "bad phone", Token: mt, Query: upd, Vars: vars(lead.ID, map[string]any{"phone": "abc"}, nil), WantCode: "VALIDATION_ERROR", WantField: "phone"},
		{Name: "blank name", Token: mt, Query: upd, Vars: vars(lead.ID, map[string]any{"name": ""}, nil), WantCode: "VALIDATION_ERROR", WantField: "name"},
	})

	// Name after the other rows: the lead row was edited above.
	var got db.Lead
	if err := env.DB.NewSelect().Model(&got).Where("id = ?", other.ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Name == "Hijack" || got.Version != 1 {
		t.Fatalf("another telecaller's lead changed: %+v", got)
	}
}

func TestLeadConcurrentUpdate(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	tok := env.Token(t, mgr)
	lead := env.SeedLead(t, nil)
	upd := `mutation($id: ID!, $n: String!) { updateLead(id: $id, input: {name: $n}, expectedVersion: 1) { version } }`
	const writers = 8
	codes := make(chan string, writers)
	for i := range writers {
		go func() {
			r := env.GraphQL(t, tok, upd, map[string]any{"id": lead.ID, "n": fmt.Sprint("writer ", i)})
			var out struct {
				Errors []struct {
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			r.Decode(t, &out)
			if len(out.Errors) == 0 {
				codes <- "OK"
				return
			}
			codes <- fmt.Sprint(out.Errors[0].Extensions["code"])
		}()
	}
	won := 0
	for range writers {
		switch c := <-codes; c {
		case "OK":
			won++
		case "CONFLICT":
		default:
			t.Errorf("unexpected outcome %s", c)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won, want exactly 1", won)
	}
}

func TestLeadManagerOnly(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr, a := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller)
	mt, at := env.Token(t, mgr), env.Token(t, a)
	lead := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &a.ID })
	id := map[string]any{"id": lead.ID}
	del := `mutation($id: ID!) { deleteLead(id: $id) { id deletedAt } }`
	restore := `mutation($id: ID!) { restoreLead(id: $id) { id deletedAt } }`
	assign := `mutation($id: ID!, $to: ID) { assignLead(id: $id, assigneeId: $to) { assignedToId } }`
	env.Run(t, []servertest.Scenario{
		{Name: "telecaller cannot delete", Token: at, Query: del, Vars: id, WantCode: "FORBIDDEN"},
		{Name: "telecaller cannot assign", Token: at, Query: assign, Vars: map[string]any{"id": lead.ID, "to": nil}, WantCode: "FORBIDDEN"},
		{Name: "telecaller cannot list deleted", Token: at, Query: `{ leads(filter: {deleted: true}) { totalCount } }`, WantCode: "FORBIDDEN"},
		{Name: "manager unassigns", Token: mt, Query: assign, Vars: map[string]any{"id": lead.ID, "to": nil}, WantContains: []string{`"assignedToId":null`}},
		{Name: "manager assigns back", Token: mt, Query: assign, Vars: map[string]any{"id": lead.ID, "to": a.ID}, WantContains: []string{a.ID.String()}},
		{Name: "manager deletes", Token: mt, Query: del, Vars: id, WantContains: []string{`"deletedAt":"`}},
		{Name: "deleted lead is gone for its telecaller", Token: at, Query: `query($id: ID!) { lead(id: $id) { id } }`, Vars: id, WantCode: "NOT_FOUND"},
		{Name: "deleting twice is not found", Token: mt, Query: del, Vars: id, WantCode: "NOT_FOUND"},
		{Name: "manager lists deleted", Token: mt, Query: `{ leads(filter: {deleted: true}) { totalCount edges { node { id } } } }`, WantContains: []string{`"totalCount":1`, lead.ID.String()}},
		{Name: "telecaller cannot restore", Token: at, Query: restore, Vars: id, WantCode: "FORBIDDEN"},
		{Name: "manager restores", Token: mt, Query: restore, Vars: id, WantContains: []string{`"deletedAt":null`}},
		{Name: "restored lead is back", Token: at, Query: `query($id: ID!) { lead(id: $id) { id } }`, Vars: id, WantContains: []string{lead.ID.String()}},
	})
}

func ptr[T any](v T) *T { return &v }

func TestEmptyUpdateKeepsVersion(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	lead := env.SeedLead(t, nil)
	upd := `mutation($id: ID!, $v: Int) { updateLead(id: $id, input: {}, expectedVersion: $v) { version } }`
	env.Run(t, []servertest.Scenario{
		{Name: "empty patch changes nothing", Token: tok, Query: upd, Vars: map[string]any{"id": lead.ID, "v": 1}, WantContains: []string{`"version":1`}},
		{Name: "empty patch at a stale version conflicts", Token: tok, Query: upd, Vars: map[string]any{"id": lead.ID, "v": 7}, WantCode: "CONFLICT", WantField: "version"},
	})
}

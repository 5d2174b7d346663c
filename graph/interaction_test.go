package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

const logCall = `mutation($in: CreateInteractionInput!) { createInteraction(input: $in) { id leadId type direction outcome durationSeconds statusAfter followUpAt telecaller { id } lead { id status attemptCount version } } }`

func TestCreateInteraction(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	a, b := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	at := env.Token(t, a)
	mine := func(edit func(*db.Lead)) *db.Lead {
		return env.SeedLead(t, func(l *db.Lead) {
			l.AssignedToID = &a.ID
			if edit != nil {
				edit(l)
			}
		})
	}
	fresh, callback, convert, dnc, blocked, noted := mine(nil), mine(nil), mine(nil), mine(nil), mine(func(l *db.Lead) { l.Status = db.StatusDoNotCall }), mine(nil)
	theirs := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &b.ID })
	future := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	in := func(lead *db.Lead, kv ...any) map[string]any {
		m := map[string]any{"leadId": lead.ID, "type": "CALL"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"in": m}
	}
	env.Run(t, []servertest.Scenario{
		{Name: "first call moves a new lead to contacted", Token: at, Query: logCall, Vars: in(fresh, "outcome", "NO_ANSWER"),
			WantContains: []string{`"direction":"OUTBOUND"`, `"statusAfter":"CONTACTED"`, `"status":"CONTACTED"`, `"attemptCount":1`, `"version":2`, a.ID.String()}},
		{Name: "second call leaves the status and counts again", Token: at, Query: logCall, Vars: in(fresh, "outcome", "BUSY"),
			WantContains: []string{`"statusAfter":null`, `"attemptCount":2`}},
		{Name: "callback books the follow-up and explicit status", Token: at, Query: logCall,
			Vars:         in(callback, "outcome", "CALLBACK_REQUESTED", "followUpAt", future.Format(time.RFC3339), "statusAfter", "FOLLOW_UP", "durationSeconds", 95),
			WantContains: []string{`"statusAfter":"FOLLOW_UP"`, `"status":"FOLLOW_UP"`, `"durationSeconds":95`}},
		{Name: "converted outcome converts", Token: at, Query: logCall, Vars: in(convert, "outcome", "CONVERTED"), WantContains: []string{`"status":"CONVERTED"`}},
		{Name: "do-not-call outcome marks the lead", Token: at, Query: logCall, Vars: in(dnc, "outcome", "DO_NOT_CALL"), WantContains: []string{`"status":"DO_NOT_CALL"`}},
		{Name: "outbound call to a do-not-call lead is refused", Token: at, Query: logCall, Vars: in(blocked), WantCode: "VALIDATION_ERROR", WantField: "type"},
		{Name: "inbound call from a do-not-call lead is logged", Token: at, Query: logCall, Vars: in(blocked, "direction", "INBOUND"), WantContains: []string{`"direction":"INBOUND"`}},
		{Name: "a note does not count as contact", Token: at, Query: logCall, Vars: in(noted, "type", "NOTE"), WantContains: []string{`"status":"NEW"`}},
		{Name: "another telecaller's lead is not found", Token: at, Query: logCall, Vars: in(theirs), WantCode: "NOT_FOUND"},
		{Name: "negative duration", Token: at, Query: logCall, Vars: in(fresh, "durationSeconds", -1), WantCode: "VALIDATION_ERROR", WantField: "durationSeconds"},
		{Name: "follow-up in the past", Token: at, Query: logCall, Vars: in(fresh, "followUpAt", "2020-01-01T00:00:00Z"), WantCode: "VALIDATION_ERROR", WantField: "followUpAt"},
		{Name: "occurred in the future", Token: at, Query: logCall, Vars: in(fresh, "occurredAt", future.Add(time.Hour).Format(time.RFC3339)), WantCode: "VALIDATION_ERROR", WantField: "occurredAt"},
		{Name: "unknown outcome", Token: at, Query: logCall, Vars: in(fresh, "outcome", "HUNG_UP"), WantCode: "VALIDATION_ERROR", WantField: "outcome"},
		{Name: "no token", Query: logCall, Vars: in(fresh), WantCode: "UNAUTHORIZED"},
	})

	// The lead row carries what the interactions said, in the same transaction.
	ctx := context.Background()
	got, err := db.FindLeadByID(ctx, env.DB, callback.ID, db.LeadScope{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.NextFollowUpAt == nil || !got.NextFollowUpAt.Equal(future) || got.LastContactedAt == nil || got.AttemptCount != 1 {
		t.Fatalf("lead after callback = follow-up %v, contacted %v, attempts %d", got.NextFollowUpAt, got.LastContactedAt, got.AttemptCount)
	}
	converted, _ := db.FindLeadByID(ctx, env.DB, convert.ID, db.LeadScope{}, false)
	if converted.ConvertedAt == nil || converted.FirstContactedAt == nil || converted.Stage != 4 {
		t.Fatalf("converted lead progress = converted %v, first contact %v, stage %d", converted.ConvertedAt, converted.FirstContactedAt, converted.Stage)
	}
	notedNow, _ := db.FindLeadByID(ctx, env.DB, noted.ID, db.LeadScope{}, false)
	if notedNow.FirstContactedAt != nil || notedNow.Stage != 0 {
		t.Fatalf("a note counted as first contact: %v, stage %d", notedNow.FirstContactedAt, notedNow.Stage)
	}
	blockedNow, _ := db.FindLeadByID(ctx, env.DB, blocked.ID, db.LeadScope{}, false)
	if blockedNow.AttemptCount != 1 {
		t.Fatalf("refused call still counted: attempts = %d", blockedNow.AttemptCount)
	}

	list := `query($id: ID!, $after: String) { leadInteractions(leadId: $id, first: 1, after: $after) { totalCount edges { cursor node { outcome } } pageInfo { hasNextPage endCursor } } }`
	env.Run(t, []servertest.Scenario{
		{Name: "interactions list newest first", Token: at, Query: list, Vars: map[string]any{"id": fresh.ID},
			WantContains: []string{`"totalCount":2`, `"outcome":"BUSY"`, `"hasNextPage":true`}, WantAbsent: []string{`NO_ANSWER`}},
		{Name: "interactions of another's lead are not found", Token: at, Query: list, Vars: map[string]any{"id": theirs.ID}, WantCode: "NOT_FOUND"},
		{Name: "bad cursor", Token: at, Query: list, Vars: map[string]any{"id": fresh.ID, "after": "!!"}, WantCode: "VALIDATION_ERROR", WantField: "after"},
	})
}

package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// analyticsFixture is a small data set whose report values are computed by
// hand in the tests below. The range is 2026-03-07 to 2026-03-10, across the
// America/New_York DST switch (2026-03-08 02:00 local); now is 2026-03-10T12:00Z.
type analyticsFixture struct {
	env          *servertest.Env
	a, b, mgr    *db.User
	l1, l2, l4   *db.Lead
	tokA, tokMgr string
}

var fixtureNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newAnalyticsFixture(t *testing.T) *analyticsFixture {
	t.Helper()
	env := servertest.New(t, servertest.WithClock(func() time.Time { return fixtureNow }))
	f := &analyticsFixture{env: env, a: env.SeedUser(t, db.RoleTelecaller), b: env.SeedUser(t, db.RoleTelecaller), mgr: env.SeedUser(t, db.RoleManager)}
	f.tokA, f.tokMgr = env.Token(t, f.a), env.Token(t, f.mgr)
	lead := func(created string, st db.LeadStatus, src db.LeadSource, pr db.LeadPriority, to *db.User, edit func(*db.Lead)) *db.Lead {
		return env.SeedLead(t, func(l *db.Lead) {
			l.CreatedAt, l.UpdatedAt, l.Status, l.Source, l.Priority = at(created), at(created), st, src, pr
			if to != nil {
				l.AssignedToID = &to.ID
			}
			if edit != nil {
				edit(l)
			}
		})
	}
	f.l1 = lead("2026-03-07T10:00:00Z", db.StatusConverted, db.SourceWebsite, db.PriorityHigh, f.a, nil)
	// L2 was A's, then reassigned to B mid-range.
	f.l2 = lead("2026-03-08T06:00:00Z", db.StatusInterested, db.SourceReferral, db.PriorityMedium, f.b, nil)
	l3 := lead("2026-03-08T23:30:00Z", db.StatusNew, db.SourceWebsite, db.PriorityLow, nil, nil)
	// 00:30 EDT on 9 March in New York: a fixed -5h offset would put it on the 8th.
	f.l4 = lead("2026-03-09T04:30:00Z", db.StatusContacted, db.SourceOther, db.PriorityUrgent, f.a, nil)
	l5 := lead("2026-03-01T00:00:00Z", db.StatusFollowUp, db.SourceWebsite, db.PriorityMedium, f.a, func(l *db.Lead) { l.NextFollowUpAt = ptr(at("2026-03-10T10:00:00Z")) })
	lead("2026-03-09T18:00:00Z", db.StatusNew, db.SourceEvent, db.PriorityMedium, f.b, func(l *db.Lead) { l.NextFollowUpAt = ptr(at("2026-03-10T20:00:00Z")) })
	l7 := lead("2026-03-08T12:00:00Z", db.StatusContacted, db.SourceWebsite, db.PriorityLow, f.a, func(l *db.Lead) { l.DeletedAt = ptr(at("2026-03-09T00:00:00Z")) })

	type call struct {
		lead     *db.Lead
		by       *db.User
		typ      db.InteractionType
		outcome  db.Outcome
		secs     int
		after    db.LeadStatus
		followUp string
		when     string
	}
	calls := []call{
		{f.l1, f.a, db.TypeCall, db.OutcomeNoAnswer, 0, db.StatusContacted, "", "2026-03-07T11:00:00Z"},
		{f.l1, f.a, db.TypeCall, db.OutcomeConverted, 300, db.StatusConverted, "", "2026-03-08T15:00:00Z"},
		{f.l2, f.a, db.TypeCall, db.OutcomeConnected, 120, db.StatusContacted, "2026-03-09T07:30:00Z", "2026-03-08T07:30:00Z"},
		{f.l2, f.b, db.TypeCall, db.OutcomeInterested, 200, db.StatusInterested, "", "2026-03-09T08:00:00Z"},
		{l7, f.a, db.TypeCall, db.OutcomeConnected, 60, "", "", "2026-03-09T05:00:00Z"},
		{l5, f.a, db.TypeCall, db.OutcomeCallbackRequested, 30, "", "2026-03-10T10:00:00Z", "2026-03-09T14:00:00Z"},
		{l3, f.mgr, db.TypeNote, "", 0, "", "", "2026-03-09T01:00:00Z"},
	}
	for _, c := range calls {
		it := &db.Interaction{ID: uuid.Must(uuid.NewV7()), LeadID: c.lead.ID, TelecallerID: c.by.ID, Type: c.typ, Direction: db.Outbound,
			DurationSeconds: c.secs, OccurredAt: at(c.when)}
		if c.outcome != "" {
			it.Outcome = &c.outcome
		}
		if c.after != "" {
			it.StatusAfter = &c.after
		}
		if c.followUp != "" {
			it.FollowUpAt = ptr(at(c.followUp))
		}
		if err := db.InsertInteraction(context.Background(), env.DB, it); err != nil {
			t.Fatal(err)
		}
	}
	// The interactions were stored directly, not through the API: derive
	// the leads' progress from them as a bulk load would.
	if err := db.RefreshLeadProgress(context.Background(), env.DB); err != nil {
		t.Fatal(err)
	}
	return f
}

const analyticsQuery = `query($from: Time, $to: Time, $tz: String, $assignedTo: String) {
	leadAnalytics(from: $from, to: $to, tz: $tz, assignedTo: $assignedTo) {
		totalLeads newLeads contactedLeads convertedLeads conversionRate contactedConversionRate
		byStatus { status count } bySource { source count } byPriority { priority count }
		funnel { stage count rate } series { start created contacted converted }
		medianSecondsToFirstContact p90SecondsToFirstContact followUpsDueToday followUpsOverdue } }`

func TestLeadAnalytics(t *testing.T) {
	t.Parallel()
	f := newAnalyticsFixture(t)
	vars := func(from, to, tz string) map[string]any { return map[string]any{"from": from, "to": to, "tz": tz} }
	f.env.Run(t, []servertest.Scenario{
		{Name: "UTC days", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z", "UTC"), WantContains: []string{
			`"totalLeads":6,"newLeads":5,"contactedLeads":3,"convertedLeads":1,"conversionRate":0.2,"contactedConversionRate":0.3333333333333333`,
			`{"status":"NEW","count":2},{"status":"CONTACTED","count":1},{"status":"INTERESTED","count":1}`,
			`{"status":"CONVERTED","count":1},{"status":"NOT_INTERESTED","count":0}`,
			`"bySource":[{"source":"WEBSITE","count":2},{"source":"REFERRAL","count":1},{"source":"COLD_CALL","count":0}`,
			`{"source":"EVENT","count":1},{"source":"IMPORT","count":0},{"source":"OTHER","count":1}]`,
			`"byPriority":[{"priority":"LOW","count":1},{"priority":"MEDIUM","count":2},{"priority":"HIGH","count":1},{"priority":"URGENT","count":1}]`,
			`"funnel":[{"stage":"NEW","count":5,"rate":1},{"stage":"CONTACTED","count":3,"rate":0.6},{"stage":"INTERESTED","count":2,"rate":0.6666666666666666},{"stage":"QUALIFIED","count":1,"rate":0.5},{"stage":"CONVERTED","count":1,"rate":1}]`,
			`"series":[{"start":"2026-03-07T00:00:00Z","created":1,"contacted":1,"converted":0},{"start":"2026-03-08T00:00:00Z","created":2,"contacted":1,"converted":1},{"start":"2026-03-09T00:00:00Z","created":2,"contacted":1,"converted":0}]`,
			`"medianSecondsToFirstContact":4500,"p90SecondsToFirstContact":5220,"followUpsDueToday":1,"followUpsOverdue":1`,
		}},
		{Name: "New York days across the DST switch", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2026-03-07T05:00:00Z", "2026-03-10T04:00:00Z", "America/New_York"), WantContains: []string{
			`"series":[{"start":"2026-03-07T05:00:00Z","created":1,"contacted":1,"converted":0},{"start":"2026-03-08T05:00:00Z","created":2,"contacted":1,"converted":1},{"start":"2026-03-09T04:00:00Z","created":2,"contacted":1,"converted":0}]`,
		}},
		{Name: "Kolkata days", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2026-03-06T18:30:00Z", "2026-03-09T18:30:00Z", "Asia/Kolkata"), WantContains: []string{
			`"series":[{"start":"2026-03-06T18:30:00Z","created":1,"contacted":1,"converted":0},{"start":"2026-03-07T18:30:00Z","created":1,"contacted":1,"converted":1},{"start":"2026-03-08T18:30:00Z","created":3,"contacted":1,"converted":0}]`,
		}},
		{Name: "empty range gives zeros", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z", "UTC"), WantContains: []string{
			`"newLeads":0,"contactedLeads":0,"convertedLeads":0,"conversionRate":0,"contactedConversionRate":0`,
			`{"stage":"CONTACTED","count":0,"rate":0}`, `"created":0,"contacted":0,"converted":0}]`, `"medianSecondsToFirstContact":null`,
		}},
		{Name: "telecaller sees only own leads", Token: f.tokA, Query: analyticsQuery, Vars: vars("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z", "UTC"),
			WantContains: []string{`"totalLeads":3,"newLeads":2,"contactedLeads":2,"convertedLeads":1`}},
		{Name: "filter by assignee", Token: f.tokMgr, Query: analyticsQuery, Vars: map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z", "assignedTo": f.b.ID.String()},
			WantContains: []string{`"totalLeads":2,"newLeads":2`}},
		{Name: "unknown time zone", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z", "Mars/Olympus"), WantCode: "VALIDATION_ERROR", WantField: "tz"},
		{Name: "inverted range", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2026-03-10T00:00:00Z", "2026-03-07T00:00:00Z", "UTC"), WantCode: "VALIDATION_ERROR", WantField: "to"},
		{Name: "range over two years", Token: f.tokMgr, Query: analyticsQuery, Vars: vars("2020-01-01T00:00:00Z", "2026-03-07T00:00:00Z", "UTC"), WantCode: "VALIDATION_ERROR", WantField: "from"},
		{Name: "no token", Query: analyticsQuery, WantCode: "UNAUTHORIZED"},
	})
}

const performanceQuery = `query($from: Time, $to: Time, $tz: String, $id: ID) {
	telecallerPerformance(from: $from, to: $to, tz: $tz, telecallerId: $id) {
		telecallers { telecallerId leadsAssigned leadsContacted callsMade connectedCalls connectRate talkTimeSeconds averageTalkTimeSeconds
			conversions conversionRate followUpsScheduled followUpsCompletedOnTime followUpsOverdue averageFirstCallTime averageLastCallTime
			outcomes { outcome count } }
		team { leadsAssigned leadsContacted callsMade connectedCalls connectRate talkTimeSeconds averageTalkTimeSeconds conversions conversionRate
			followUpsScheduled followUpsCompletedOnTime followUpsOverdue averageFirstCallTime averageLastCallTime } } }`

func TestTelecallerPerformance(t *testing.T) {
	t.Parallel()
	f := newAnalyticsFixture(t)
	rangeVars := func(kv ...any) map[string]any {
		m := map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z", "tz": "UTC"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	rowA := `{"telecallerId":"` + f.a.ID.String() + `","leadsAssigned":2,"leadsContacted":3,"callsMade":4,"connectedCalls":3,"connectRate":0.75,"talkTimeSeconds":450,"averageTalkTimeSeconds":150,` +
		`"conversions":1,"conversionRate":0.3333333333333333,"followUpsScheduled":2,"followUpsCompletedOnTime":1,"followUpsOverdue":1,"averageFirstCallTime":"10:50","averageLastCallTime":"13:20","outcomes":[{"outcome":"CONNECTED","count":1},{"outcome":"NO_ANSWER","count":1}`
	rowB := `{"telecallerId":"` + f.b.ID.String() + `","leadsAssigned":2,"leadsContacted":1,"callsMade":1,"connectedCalls":1,"connectRate":1,"talkTimeSeconds":200,"averageTalkTimeSeconds":200,` +
		`"conversions":0,"conversionRate":0,"followUpsScheduled":0,"followUpsCompletedOnTime":0,"followUpsOverdue":0,"averageFirstCallTime":"08:00","averageLastCallTime":"08:00"`
	team := `"team":{"leadsAssigned":4,"leadsContacted":4,"callsMade":5,"connectedCalls":4,"connectRate":0.8,"talkTimeSeconds":650,"averageTalkTimeSeconds":162.5,` +
		`"conversions":1,"conversionRate":0.25,"followUpsScheduled":2,"followUpsCompletedOnTime":1,"followUpsOverdue":1,"averageFirstCallTime":"10:07","averageLastCallTime":"12:00"}`
	f.env.Run(t, []servertest.Scenario{
		{Name: "manager sees every row and the team", Token: f.tokMgr, Query: performanceQuery, Vars: rangeVars(),
			WantContains: []string{rowA, rowB, `{"outcome":"CALLBACK_REQUESTED","count":1}`, `"telecallerId":"` + f.mgr.ID.String() + `"`, team}},
		{Name: "telecaller sees only their own row", Token: f.tokA, Query: performanceQuery, Vars: rangeVars(),
			WantContains: []string{rowA}, WantAbsent: []string{f.b.ID.String()}},
		{Name: "telecaller asking for another is forbidden", Token: f.tokA, Query: performanceQuery, Vars: rangeVars("id", f.b.ID.String()), WantCode: "FORBIDDEN"},
		{Name: "manager picks one telecaller", Token: f.tokMgr, Query: performanceQuery, Vars: rangeVars("id", f.b.ID.String()),
			WantContains: []string{rowB}, WantAbsent: []string{f.a.ID.String()}},
		{Name: "call clock times in Kolkata", Token: f.tokMgr, Query: performanceQuery, Vars: rangeVars("id", f.b.ID.String(), "tz", "Asia/Kolkata"),
			WantContains: []string{`"averageFirstCallTime":"13:30"`}},
		{Name: "empty range", Token: f.tokMgr, Query: performanceQuery, Vars: rangeVars("from", "2025-01-01T00:00:00Z", "to", "2025-01-02T00:00:00Z"),
			WantContains: []string{`"callsMade":0,"connectedCalls":0,"connectRate":0`, `"averageFirstCallTime":null`}},
		{Name: "bad zone", Token: f.tokMgr, Query: performanceQuery, Vars: rangeVars("tz", "Nowhere"), WantCode: "VALIDATION_ERROR", WantField: "tz"},
	})
}

// The default range ends with the current quarter hour, not before it: a
// call logged a moment ago counts in the performance report at once.
func TestTelecallerPerformanceDefaultRangeIncludesNow(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tc := env.SeedUser(t, db.RoleTelecaller)
	tok := env.Token(t, tc)
	lead := env.SeedLead(t, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	env.Run(t, []servertest.Scenario{
		{Name: "log a call now", Token: tok,
			Query: `mutation($id: ID!) { createInteraction(input: {leadId: $id, type: CALL, outcome: CONNECTED, durationSeconds: 60}) { id } }`,
			Vars:  map[string]any{"id": lead.ID.String()}, WantContains: []string{`"createInteraction"`}},
		{Name: "it counts in the default range", Token: tok, Query: `{ telecallerPerformance { team { callsMade connectedCalls talkTimeSeconds } } }`,
			WantContains: []string{`"team":{"callsMade":1,"connectedCalls":1,"talkTimeSeconds":60}`}},
	})
}

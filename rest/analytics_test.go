package rest_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// reportFixture is a small data set around the America/New_York DST switch
// (2026-03-08 02:00 local), read at a fixed now of 2026-03-10T12:00Z.
type reportFixture struct {
	*api
	a, b, mgr          *db.User
	tokA, tokB, tokMgr string
}

func newReportFixture(t *testing.T) *reportFixture {
	t.Helper()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f := &reportFixture{api: newAPI(t, servertest.WithClock(func() time.Time { return now }))}
	f.a, f.b, f.mgr = f.SeedUser(t, db.RoleTelecaller), f.SeedUser(t, db.RoleTelecaller), f.SeedUser(t, db.RoleManager)
	f.tokA, f.tokB, f.tokMgr = f.Token(t, f.a), f.Token(t, f.b), f.Token(t, f.mgr)
	lead := func(created string, st db.LeadStatus, src db.LeadSource, to *db.User, deleted bool) *db.Lead {
		return f.SeedLead(t, func(l *db.Lead) {
			l.CreatedAt, l.UpdatedAt, l.Status, l.Source = at(t, created), at(t, created), st, src
			if to != nil {
				l.AssignedToID = &to.ID
			}
			if deleted {
				l.DeletedAt = ptr(at(t, "2026-03-09T00:00:00Z"))
			}
		})
	}
	l1 := lead("2026-03-07T10:00:00Z", db.StatusConverted, db.SourceWebsite, f.a, false)
	l2 := lead("2026-03-08T06:00:00Z", db.StatusInterested, db.SourceReferral, f.b, false)
	// 00:30 EDT on 9 March in New York, 23:30 on 8 March with a fixed -5h.
	l3 := lead("2026-03-09T04:30:00Z", db.StatusContacted, db.SourceOther, f.a, false)
	// 9 March in UTC and New York, 10 March in Kolkata.
	lead("2026-03-09T23:30:00Z", db.StatusNew, db.SourceWebsite, nil, false)
	gone := lead("2026-03-08T12:00:00Z", db.StatusContacted, db.SourceWebsite, f.a, true)

	calls := []struct {
		lead    *db.Lead
		by      *db.User
		outcome db.Outcome
		secs    int
		after   db.LeadStatus
		when    string
	}{
		{l1, f.a, db.OutcomeConverted, 300, db.StatusConverted, "2026-03-08T15:00:00Z"},
		{l2, f.a, db.OutcomeConnected, 120, db.StatusContacted, "2026-03-08T07:30:00Z"},
		{l2, f.b, db.OutcomeInterested, 200, db.StatusInterested, "2026-03-09T08:00:00Z"},
		{l3, f.a, db.OutcomeNoAnswer, 0, "", "2026-03-09T05:00:00Z"},
		{gone, f.a, db.OutcomeConnected, 60, "", "2026-03-08T13:00:00Z"},
	}
	for _, c := range calls {
		it := &db.Interaction{LeadID: c.lead.ID, TelecallerID: c.by.ID, Type: db.TypeCall, Direction: db.Outbound,
			Outcome: &c.outcome, DurationSeconds: c.secs, OccurredAt: at(t, c.when)}
		if c.after != "" {
			it.StatusAfter = &c.after
		}
		if err := db.InsertInteraction(context.Background(), f.DB, it); err != nil {
			t.Fatal(err)
		}
	}
	// The interactions were stored directly, not through the API: derive
	// the leads' progress from them as a bulk load would.
	if err := db.RefreshLeadProgress(context.Background(), f.DB); err != nil {
		t.Fatal(err)
	}
	return f
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// The GraphQL selections hold exactly the fields REST answers with.
const (
	leadAnalyticsQuery = `query($from: Time, $to: Time, $interval: AnalyticsInterval, $tz: String, $assignedTo: String, $source: LeadSource) {
	leadAnalytics(from: $from, to: $to, interval: $interval, tz: $tz, assignedTo: $assignedTo, source: $source) {
		from to timeZone interval totalLeads newLeads contactedLeads convertedLeads conversionRate contactedConversionRate
		byStatus { status count } bySource { source count } byPriority { priority count }
		funnel { stage count rate } series { start created contacted converted }
		medianSecondsToFirstContact p90SecondsToFirstContact followUpsDueToday followUpsOverdue } }`
	statsFields = `leadsAssigned leadsContacted callsMade connectedCalls connectRate talkTimeSeconds averageTalkTimeSeconds
		conversions conversionRate followUpsScheduled followUpsCompletedOnTime followUpsOverdue outcomes { outcome count }
		averageFirstCallTime averageLastCallTime`
	performanceQuery = `query($from: Time, $to: Time, $tz: String, $id: ID) {
	telecallerPerformance(from: $from, to: $to, tz: $tz, telecallerId: $id) {
		from to timeZone telecallers { telecallerId ` + statsFields + ` } team { telecallerId ` + statsFields + ` } } }`
)

// sameTree compares a REST value with a GraphQL one throughout: objects
// must have the same keys; leaves compare as sameValue does (enums
// case-insensitively, times as instants).
func sameTree(t *testing.T, path string, r, g any) {
	t.Helper()
	switch rv := r.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			t.Errorf("%s: REST object, GraphQL %#v", path, g)
			return
		}
		var rk, gk []string
		for k := range rv {
			rk = append(rk, k)
		}
		for k := range gv {
			gk = append(gk, k)
		}
		slices.Sort(rk)
		slices.Sort(gk)
		if !slices.Equal(rk, gk) {
			t.Errorf("%s: REST fields %v, GraphQL fields %v", path, rk, gk)
		}
		for _, k := range rk {
			sameTree(t, path+"."+k, rv[k], gv[k])
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(rv) {
			t.Errorf("%s: REST %d items, GraphQL %#v", path, len(rv), g)
			return
		}
		for i := range rv {
			sameTree(t, path+"["+strconv.Itoa(i)+"]", rv[i], gv[i])
		}
	default:
		if !sameValue(r, g) {
			t.Errorf("%s: REST %#v, GraphQL %#v", path, r, g)
		}
	}
}

// agree fetches a report over REST and over GraphQL and compares them.
func agree(t *testing.T, a *api, token, path, query string, vars map[string]any, field string) {
	t.Helper()
	r := a.do(t, "GET", path, nil, token)
	if r.Status != 200 {
		t.Fatalf("GET %s → %d: %s", path, r.Status, r.Body)
	}
	var rv, gv any
	if err := json.Unmarshal(decode(t, r).Data, &rv); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(gql(t, a, token, query, vars, field), &gv); err != nil {
		t.Fatal(err)
	}
	sameTree(t, field, rv, gv)
}

func TestAnalyticsParity(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)
	cases := []struct {
		name, token, query string
		vars               map[string]any
	}{
		{"UTC dates", f.tokMgr, "from=2026-03-07&to=2026-03-09",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z"}},
		{"New York dates across the DST switch", f.tokMgr, "from=2026-03-07&to=2026-03-09&tz=America/New_York",
			map[string]any{"from": "2026-03-07T05:00:00Z", "to": "2026-03-10T04:00:00Z", "tz": "America/New_York"}},
		{"Kolkata weeks", f.tokMgr, "from=2026-03-01&to=2026-03-10&tz=Asia/Kolkata&interval=week",
			map[string]any{"from": "2026-02-28T18:30:00Z", "to": "2026-03-10T18:30:00Z", "tz": "Asia/Kolkata", "interval": "WEEK"}},
		{"RFC 3339 times with an offset", f.tokMgr, "from=" + url.QueryEscape("2026-03-07T00:00:00+05:30") + "&to=2026-03-10T12:00:00Z&interval=month",
			map[string]any{"from": "2026-03-06T18:30:00Z", "to": "2026-03-10T12:00:00Z", "interval": "MONTH"}},
		{"filtered by assignee and source", f.tokMgr, "from=2026-03-07&to=2026-03-09&assignedTo=" + f.a.ID.String() + "&source=website",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z", "assignedTo": f.a.ID.String(), "source": "WEBSITE"}},
		{"unassigned", f.tokMgr, "from=2026-03-07&to=2026-03-09&assignedTo=unassigned",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z", "assignedTo": "unassigned"}},
		{"defaults: the 30 days up to now", f.tokMgr, "", map[string]any{}},
		{"telecaller sees own leads", f.tokA, "from=2026-03-07&to=2026-03-09",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z"}},
	}
	for _, c := range cases {
		t.Run("leads: "+c.name, func(t *testing.T) {
			agree(t, f.api, c.token, "/api/analytics/leads?"+c.query, leadAnalyticsQuery, c.vars, "leadAnalytics")
		})
	}
	perf := []struct {
		name, token, query string
		vars               map[string]any
	}{
		{"manager, UTC dates", f.tokMgr, "from=2026-03-07&to=2026-03-09",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z"}},
		{"manager, Kolkata dates", f.tokMgr, "from=2026-03-07&to=2026-03-09&tz=Asia/Kolkata",
			map[string]any{"from": "2026-03-06T18:30:00Z", "to": "2026-03-09T18:30:00Z", "tz": "Asia/Kolkata"}},
		{"manager picks one telecaller", f.tokMgr, "from=2026-03-07&to=2026-03-09&telecallerId=" + f.b.ID.String(),
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z", "id": f.b.ID.String()}},
		{"telecaller, own row", f.tokA, "from=2026-03-07&to=2026-03-09",
			map[string]any{"from": "2026-03-07T00:00:00Z", "to": "2026-03-10T00:00:00Z"}},
		{"telecaller names themself", f.tokA, "telecallerId=" + f.a.ID.String(), map[string]any{"id": f.a.ID.String()}},
	}
	for _, c := range perf {
		t.Run("telecallers: "+c.name, func(t *testing.T) {
			agree(t, f.api, c.token, "/api/analytics/telecallers?"+c.query, performanceQuery, c.vars, "telecallerPerformance")
		})
	}
}

func TestLeadAnalyticsREST(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)
	const path = "/api/analytics/leads?"
	bad := func(name, query, field string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "GET", Path: path + query, Token: f.tokMgr,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field}
	}
	f.run(t, []servertest.Scenario{
		{Name: "UTC dates cover the whole last day", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"from":"2026-03-07T00:00:00Z","to":"2026-03-10T00:00:00Z","timeZone":"UTC","interval":"day"`,
				`"totalLeads":4,"newLeads":4,"contactedLeads":3,"convertedLeads":1,"conversionRate":0.25`,
				`"series":[{"start":"2026-03-07T00:00:00Z","created":1,"contacted":0,"converted":0},{"start":"2026-03-08T00:00:00Z","created":1,"contacted":2,"converted":1},{"start":"2026-03-09T00:00:00Z","created":2,"contacted":1,"converted":0}]`}},
		{Name: "dates are local midnights in tz, DST included", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09&tz=America/New_York", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"from":"2026-03-07T05:00:00Z","to":"2026-03-10T04:00:00Z","timeZone":"America/New_York"`, `"newLeads":4`,
				`"series":[{"start":"2026-03-07T05:00:00Z","created":1,"contacted":0,"converted":0},{"start":"2026-03-08T05:00:00Z","created":1,"contacted":2,"converted":1},{"start":"2026-03-09T04:00:00Z","created":2,"contacted":1,"converted":0}]`}},
		{Name: "a Kolkata day ends at 18:30 UTC", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09&tz=Asia/Kolkata", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"from":"2026-03-06T18:30:00Z","to":"2026-03-09T18:30:00Z"`, `"newLeads":3`}},
		{Name: "an unescaped + in an offset is read back", Method: "GET", Path: path + "from=2026-03-07T05:30:00+05:30&to=2026-03-09", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"from":"2026-03-07T00:00:00Z"`}},
		{Name: "source filter", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09&source=referral", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"newLeads":1`, `{"source":"referral","count":1}`}},
		{Name: "assignedTo=me for a telecaller", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09&assignedTo=me", Token: f.tokB, WantStatus: 200,
			WantContains: []string{`"totalLeads":1,"newLeads":1`}},
		{Name: "a telecaller's report covers own leads only", Method: "GET", Path: path + "from=2026-03-07&to=2026-03-09&assignedTo=" + f.b.ID.String(), Token: f.tokA, WantStatus: 200,
			WantContains: []string{`"totalLeads":0,"newLeads":0`}},
		{Name: "empty values are absent", Method: "GET", Path: path + "from=&to=&tz=&interval=", Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"from":"2026-02-08T12:00:00Z","to":"2026-03-10T12:00:00Z","timeZone":"UTC"`}},
		bad("unknown time zone", "tz=Mars/Olympus", "tz"),
		bad("Local is not a zone", "tz=Local", "tz"),
		bad("bad zone with dates", "from=2026-03-07&to=2026-03-09&tz=Nowhere", "tz"),
		bad("unknown interval", "interval=hour", "interval"),
		bad("upper-case interval", "interval=DAY", "interval"),
		bad("impossible date", "from=2026-13-01", "from"),
		bad("time without a zone", "to=2026-03-09T10:00:00", "to"),
		bad("the day after 9999-12-31 has no RFC 3339 form", "to=9999-12-31", "to"),
		bad("to before from", "from=2026-03-09&to=2026-03-01", "to"),
		bad("range over two years", "from=2020-01-01&to=2026-03-01", "from"),
		bad("unknown source", "source=fax", "source"),
		bad("source is one value", "source=website,referral", "source"),
		bad("bad assignee", "assignedTo=bob", "assignedTo"),
		bad("unknown parameter", "since=2026-03-01", "since"),
		bad("telecallerId is not a parameter here", "telecallerId="+f.a.ID.String(), "telecallerId"),
		{Name: "no token", Method: "GET", Path: path, WantStatus: 401, WantCode: "UNAUTHORIZED"},
		{Name: "no token beats bad input", Method: "GET", Path: path + "tz=Nowhere", WantStatus: 401, WantCode: "UNAUTHORIZED"},
	})
}

func TestTelecallerPerformanceREST(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)
	const path = "/api/analytics/telecallers?from=2026-03-07&to=2026-03-09"
	rowA := `{"telecallerId":"` + f.a.ID.String() + `","leadsAssigned":1,"leadsContacted":3,"callsMade":3,"connectedCalls":2,"connectRate":0.6666666666666666,"talkTimeSeconds":420,"averageTalkTimeSeconds":210,"conversions":1,"conversionRate":0.3333333333333333`
	f.run(t, []servertest.Scenario{
		{Name: "manager sees every telecaller and the team", Method: "GET", Path: path, Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{rowA, `"telecallerId":"` + f.b.ID.String() + `"`, `"team":{"telecallerId":null,`, `{"outcome":"converted","count":1}`}},
		{Name: "telecaller sees only their own row", Method: "GET", Path: path, Token: f.tokA, WantStatus: 200,
			WantContains: []string{`"telecallers":[` + rowA}, WantAbsent: []string{f.b.ID.String()}},
		{Name: "telecaller asking for another is forbidden", Method: "GET", Path: path + "&telecallerId=" + f.b.ID.String(), Token: f.tokA,
			WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "first call of the day in tz", Method: "GET", Path: path + "&tz=Asia/Kolkata&telecallerId=" + f.b.ID.String(), Token: f.tokMgr, WantStatus: 200,
			WantContains: []string{`"averageFirstCallTime":"13:30"`}},
		{Name: "bad zone", Method: "GET", Path: path + "&tz=Nowhere", Token: f.tokMgr, WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: "tz"},
		{Name: "bad telecallerId", Method: "GET", Path: path + "&telecallerId=42", Token: f.tokMgr, WantStatus: 400, WantField: "telecallerId"},
		{Name: "bad date", Method: "GET", Path: "/api/analytics/telecallers?from=yesterday", Token: f.tokMgr, WantStatus: 400, WantField: "from"},
		{Name: "interval is not a parameter here", Method: "GET", Path: path + "&interval=day", Token: f.tokMgr, WantStatus: 400, WantField: "interval"},
		{Name: "no token", Method: "GET", Path: path, WantStatus: 401, WantCode: "UNAUTHORIZED"},
	})
}

package rest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// bulkResult is the data of a bulk write or an import.
type bulkResult struct {
	Results []struct {
		Index  int     `json:"index"`
		Status string  `json:"status"`
		ID     *string `json:"id"`
		Error  *struct {
			Code    string  `json:"code"`
			Field   *string `json:"field"`
			Message string  `json:"message"`
		} `json:"error"`
	} `json:"results"`
	Totals struct {
		Created, Updated, Skipped, Error int
	} `json:"totals"`
}

// liveLeads counts the leads that are not deleted.
func liveLeads(t *testing.T, a *api) int {
	t.Helper()
	n, err := a.DB.NewSelect().Model((*db.Lead)(nil)).Where("deleted_at IS NULL").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// wrote checks how many leads a scenario added.
func wrote(t *testing.T, a *api, before *int, want int) {
	t.Helper()
	if n := liveLeads(t, a); n-*before != want {
		t.Errorf("wrote %d leads, want %d", n-*before, want)
	}
}

// totals returns an After hook checking the totals of a bulk answer.
func totals(created, updated, skipped, errs int) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		got := data[bulkResult](t, r).Totals
		if got.Created != created || got.Updated != updated || got.Skipped != skipped || got.Error != errs {
			t.Errorf("totals = %+v, want created %d updated %d skipped %d error %d", got, created, updated, skipped, errs)
		}
	}
}

func TestBulkCreate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	existing := a.SeedLead(t, func(l *db.Lead) { l.Company = ptr("Before") })
	lead := func(i int) map[string]any {
		return map[string]any{"name": fmt.Sprint("Bulk ", i), "phone": fmt.Sprintf("+91 97%08d", i)}
	}
	three := []any{lead(1), lead(2), map[string]any{"name": "Bad Email", "email": "not-an-email"}}
	var before int
	count := func(t *testing.T) { before = liveLeads(t, a) }
	after := func(want int, also ...func(*testing.T, *servertest.Response)) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) {
			wrote(t, a, &before, want)
			for _, f := range also {
				f(t, r)
			}
		}
	}
	dup := map[string]any{"name": "Existing Again", "phone": *existing.PhoneE164, "company": "After"}
	tooMany := make([]any, 1001)
	for i := range tooMany {
		tooMany[i] = lead(1000 + i)
	}
	// 1000 leads with 1.5 KB of notes each: over the 1 MiB default body cap, under the bulk cap.
	big := make([]any, 1000)
	for i := range big {
		l := lead(5000 + i)
		l["notes"] = strings.Repeat("n", 1500)
		big[i] = l
	}
	bad := func(name string, body any, field string, contains ...string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "POST", Path: "/api/leads/bulk", Body: body, Token: mt, Before: count,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field, WantContains: contains, After: after(0)}
	}
	a.run(t, []servertest.Scenario{
		{Name: "dry run in the query writes nothing", Method: "POST", Path: "/api/leads/bulk?dryRun=true", Body: map[string]any{"leads": three}, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`{"index":0,"status":"created","id":null,"error":null}`},
			After: after(0, totals(2, 0, 0, 1))},
		{Name: "dry run in the body writes nothing", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": three, "dryRun": true}, Token: mt,
			Before: count, WantStatus: 200, After: after(0, totals(2, 0, 0, 1))},
		{Name: "a bad row fails alone", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": three}, Token: mt,
			Before: count, WantStatus: 200,
			WantContains: []string{`{"index":2,"status":"error","id":null,"error":{"code":"VALIDATION_ERROR","field":"email",`},
			After: after(2, totals(2, 0, 0, 1), func(t *testing.T, r *servertest.Response) {
				res := data[bulkResult](t, r)
				for i, row := range res.Results[:2] {
					if row.Index != i || row.Status != "created" || row.ID == nil {
						t.Errorf("row %d = %+v", i, row)
					}
				}
				var l db.Lead
				if err := a.DB.NewSelect().Model(&l).Where("id = ?", *res.Results[0].ID).Scan(context.Background()); err != nil || l.Source != db.SourceImport {
					t.Errorf("row 0 stored with source %q (%v), want import", l.Source, err)
				}
			})},
		{Name: "the same rows again are duplicates", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": three[:2], "mode": "create"}, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`"error":{"code":"CONFLICT","field":"phone"`}, After: after(0, totals(0, 0, 0, 2))},
		{Name: "skip leaves an existing lead alone", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": []any{dup, lead(3)}, "mode": "skip"}, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`{"index":0,"status":"skipped","id":"` + existing.ID.String() + `","error":null}`},
			After: after(1, totals(1, 0, 1, 0))},
		{Name: "upsert updates an existing lead", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": []any{dup}, "mode": "upsert"}, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`{"index":0,"status":"updated","id":"` + existing.ID.String() + `","error":null}`},
			After: after(0, totals(0, 1, 0, 0), func(t *testing.T, _ *servertest.Response) {
				r := a.do(t, "GET", "/api/leads/"+existing.ID.String(), nil, mt)
				servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"company":"After"`, `"version":2`}}, r)
			})},
		{Name: "dry query and dry body must agree", Method: "POST", Path: "/api/leads/bulk?dryRun=false", Body: map[string]any{"leads": three, "dryRun": true}, Token: mt,
			Before: count, WantStatus: 400, WantField: "dryRun", After: after(0)},
		{Name: "a body over 1 MiB fits the bulk cap", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": big}, Token: mt,
			Before: count, WantStatus: 200, After: after(1000, totals(1000, 0, 0, 0))},
		{Name: "a body over the bulk cap", Method: "POST", Path: "/api/leads/bulk", Token: mt, Before: count,
			Body:       `{"leads":[{"name":"x","email":"x@example.com","notes":"` + strings.Repeat("x", int(a.Config.BulkMaxBytes)) + `"}]}`,
			WantStatus: 413, WantCode: "PAYLOAD_TOO_LARGE", WantContains: []string{fmt.Sprintf("larger than %d bytes", a.Config.BulkMaxBytes)}, After: after(0)},
		{Name: "telecallers cannot bulk create", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": []any{lead(4)}}, Token: tt,
			Before: count, WantStatus: 403, WantCode: "FORBIDDEN", After: after(0)},
		{Name: "no token", Method: "POST", Path: "/api/leads/bulk", Body: map[string]any{"leads": []any{lead(4)}}, WantStatus: 401, WantCode: "UNAUTHORIZED"},
		bad("over 1000 leads", map[string]any{"leads": tooMany}, "leads", "must hold 1 to 1000 leads"),
		bad("no leads", map[string]any{"leads": []any{}}, "leads", "must hold 1 to 1000 leads"),
		bad("leads missing", map[string]any{"mode": "create"}, "leads", "is required"),
		bad("leads null", `{"leads":null}`, "leads", "is required"),
		bad("leads is an object", `{"leads":{"name":"x"}}`, "leads", "must be an array"),
		bad("a lead is a number", `{"leads":[1]}`, "leads[0]", "must be a JSON object"),
		bad("a lead is null", `{"leads":[{"name":"a","email":"a@example.com"},null]}`, "leads[1]", "must be a JSON object"),
		bad("unknown lead field", `{"leads":[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com","nmae":"c"}]}`, "leads[1].nmae"),
		bad("lead field of the wrong type", `{"leads":[{"name":"a","phone":9876543210}]}`, "leads[0].phone", "must be a string"),
		bad("upper-case enum in a lead", `{"leads":[{"name":"a","email":"a@example.com","source":"WEBSITE"}]}`, "leads[0].source", "must be one of"),
		bad("lead without a name", `{"leads":[{"email":"a@example.com"}]}`, "leads[0].name", "is required"),
		bad("bad assignee id", `{"leads":[{"name":"a","email":"a@example.com","assignedToId":"bob"}]}`, "leads[0].assignedToId", "must be a UUID"),
		bad("unknown mode", `{"leads":[{"name":"a","email":"a@example.com"}],"mode":"merge"}`, "mode", "must be one of create, upsert, skip"),
		bad("dryRun is a string", `{"leads":[{"name":"a","email":"a@example.com"}],"dryRun":"yes"}`, "dryRun", "must be true or false"),
		bad("unknown top-level field", `{"leads":[{"name":"a","email":"a@example.com"}],"upsert":true}`, "upsert"),
		bad("malformed JSON", `{"leads":[`, "body"),
		bad("an array body", `[{"name":"a","email":"a@example.com"}]`, "body", "must be a JSON object"),
		{Name: "bad dryRun parameter", Method: "POST", Path: "/api/leads/bulk?dryRun=maybe", Body: map[string]any{"leads": three}, Token: mt,
			Before: count, WantStatus: 400, WantField: "dryRun", After: after(0)},
		{Name: "unknown query parameter", Method: "POST", Path: "/api/leads/bulk?mode=upsert", Body: map[string]any{"leads": three}, Token: mt,
			WantStatus: 400, WantField: "mode"},
		{Name: "CSV is not JSON", Method: "POST", Path: "/api/leads/bulk", Body: "name,email\na,a@example.com\n", Token: mt,
			Headers: []string{"Content-Type", "text/csv"}, WantStatus: 400, WantField: "Content-Type"},
	})
}

func TestBulkAssign(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc1, tc2 := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller), a.SeedUser(t, db.RoleTelecaller)
	mt := a.Token(t, mgr)
	var named []string
	for range 5 {
		named = append(named, a.SeedLead(t, nil).ID.String())
	}
	for range 3 {
		a.SeedLead(t, func(l *db.Lead) { l.Source, l.Status = db.SourceColdCall, db.StatusContacted })
	}
	assignedTo := func(id string, want uuid.UUID) {
		t.Helper()
		var l db.Lead
		if err := a.DB.NewSelect().Model(&l).Where("id = ?", id).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if l.AssignedToID == nil || *l.AssignedToID != want {
			t.Errorf("lead %s assigned to %v, want %s", id, l.AssignedToID, want)
		}
	}
	coldCalls := map[string]any{"source": []string{"cold_call"}, "status": []string{"contacted"}}
	bad := func(name string, body any, field string, contains ...string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "POST", Path: "/api/leads/bulk-assign", Body: body, Token: mt,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field, WantContains: contains}
	}
	a.run(t, []servertest.Scenario{
		{Name: "named leads round-robin", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt, WantStatus: 200,
			Body:         map[string]any{"leadIds": named, "assigneeIds": []uuid.UUID{tc1.ID, tc2.ID}},
			WantContains: []string{`"data":{"assigned":5,"byAssignee":[{"assigneeId":"` + tc1.ID.String() + `","count":3},{"assigneeId":"` + tc2.ID.String() + `","count":2}]}`},
			After: func(t *testing.T, _ *servertest.Response) {
				assignedTo(named[0], tc1.ID)
				assignedTo(named[1], tc2.ID)
				assignedTo(named[4], tc1.ID)
			}},
		{Name: "a filter to one assignee", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt, WantStatus: 200,
			Body:         map[string]any{"filter": coldCalls, "assigneeId": tc2.ID},
			WantContains: []string{`"data":{"assigned":3,"byAssignee":[{"assigneeId":"` + tc2.ID.String() + `","count":3}]}`}},
		{Name: "filter by assignee", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt, WantStatus: 200,
			Body:         map[string]any{"filter": map[string]any{"assignedTo": tc2.ID.String()}, "assigneeIds": []uuid.UUID{tc1.ID}},
			WantContains: []string{`"assigned":5`}},
		{Name: "unknown ids are ignored", Method: "POST", Path: "/api/leads/bulk-assign", Token: mt, WantStatus: 200,
			Body: map[string]any{"leadIds": []string{uuid.NewString()}, "assigneeId": tc1.ID}, WantContains: []string{`"assigned":0`}},
		{Name: "telecallers cannot assign", Method: "POST", Path: "/api/leads/bulk-assign", Token: a.Token(t, tc1),
			Body: map[string]any{"leadIds": named, "assigneeId": tc1.ID}, WantStatus: 403, WantCode: "FORBIDDEN"},
		bad("neither ids nor filter", map[string]any{"assigneeId": tc1.ID}, "leadIds", "give either leadIds or filter"),
		bad("both ids and filter", map[string]any{"leadIds": named, "filter": coldCalls, "assigneeId": tc1.ID}, "leadIds"),
		bad("no assignee", map[string]any{"leadIds": named}, "assigneeIds"),
		bad("both assignee forms", map[string]any{"leadIds": named, "assigneeId": tc1.ID, "assigneeIds": []uuid.UUID{tc2.ID}}, "assigneeId"),
		bad("unknown assignee", map[string]any{"leadIds": named, "assigneeId": uuid.New()}, "assigneeIds", "does not exist"),
		bad("bad lead id", map[string]any{"leadIds": []string{"lead-1"}, "assigneeId": tc1.ID}, "leadIds", "must be an array of UUIDs"),
		bad("bad assignee id", map[string]any{"leadIds": named, "assigneeId": "bob"}, "assigneeId", "must be a UUID"),
		bad("filter enum in upper case", map[string]any{"filter": map[string]any{"status": []string{"NEW"}}, "assigneeId": tc1.ID}, "filter.status", "must be one of"),
		bad("unknown filter field", map[string]any{"filter": map[string]any{"owner": "me"}, "assigneeId": tc1.ID}, "filter.owner"),
		bad("filter is a string", map[string]any{"filter": "status=new", "assigneeId": tc1.ID}, "filter", "must be a JSON object"),
		bad("filter value the resolver refuses", map[string]any{"filter": map[string]any{"assignedTo": "bob"}, "assigneeId": tc1.ID}, "filter.assignedTo"),
		bad("inverted filter range", map[string]any{"filter": map[string]any{"createdFrom": "2026-02-01T00:00:00Z", "createdTo": "2026-01-01T00:00:00Z"}, "assigneeId": tc1.ID}, "filter.createdTo"),
		bad("unknown field", map[string]any{"leadIds": named, "assigneeId": tc1.ID, "round": "robin"}, "round"),
	})
}

// TestBulkGarbageIsNeverAServerError throws malformed bodies at the bulk
// routes and hostile query strings at the analytics routes: every answer
// must be a 4xx in the error envelope (api.do checks the envelope).
func TestBulkGarbageIsNeverAServerError(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	values := []string{
		``, `{`, `[]`, `0`, `-1e999`, `true`, `"\u0000"`, `{"":""}`, `null`, `{"name":"\u0000"}`,
		`{"name":"x","email":"\u0000@example.com"}`, `{"name":"x","phone":"+91\u0000"}`, `{"name":"x","email":"a@example.com","tags":["\u0000"]}`,
		`{"name":"x","email":"a@example.com","notes":"\ud800"}`, `{"name":"x","email":"a@example.com","nextFollowUpAt":"275760-09-13T00:00:00Z"}`,
		`{"name":"x","email":"a@example.com","customFields":{"\u0000":1}}`, "\xff\xfe{}",
	}
	var bodies []string
	for _, v := range values {
		bodies = append(bodies, v, `{"leads":[`+v+`]}`, `{"leadIds":[`+v+`],"assigneeId":"`+uuid.NewString()+`"}`,
			`{"filter":`+v+`,"assigneeIds":["`+uuid.NewString()+`"]}`, `{"filter":{"status":[`+v+`]},"assigneeId":"`+uuid.NewString()+`"}`,
			`{"filter":{"search":`+v+`},"assigneeId":"`+uuid.NewString()+`"}`)
	}
	for _, path := range []string{"/api/leads/bulk", "/api/leads/bulk-assign"} {
		for _, b := range bodies {
			if r := a.do(t, "POST", path, b, mt); r.Status >= 500 {
				t.Errorf("POST %s %q → %d: %s", path, b, r.Status, r.Body)
			}
		}
	}
	queries := []string{
		"from=%00", "to=%FF", "tz=%00", "tz=../../etc/passwd", "tz=" + strings.Repeat("A", 5000), "interval=%00", "source=%00",
		"assignedTo=%00", "assignedTo=%FF", "from=0000-01-01", "to=9999-12-31", "from=-0001-01-01", "from=0001-01-01&tz=Pacific/Kiritimati",
		"to=0001-01-01T00:00:00%2B01:00", "telecallerId=%00", "from=2026-02-29", "from=2026-03-08&to=2026-03-08&tz=America/Santiago",
	}
	for _, q := range queries {
		for _, p := range []string{"/api/analytics/leads?", "/api/analytics/telecallers?"} {
			if r := a.do(t, "GET", p+q, nil, mt); r.Status >= 500 {
				t.Errorf("GET %s%s → %d: %s", p, q, r.Status, r.Body)
			}
		}
	}
}

package rest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// The fuzz targets send what a network client could to the real server
// (in-process, over a database of the target's own). Invariant: never a
// panic, never a 5xx, every 4xx in the documented envelope. Seeds live in
// testdata/fuzz/<Target>; `go test` replays them, `make fuzz` explores.

type fuzzEnv struct {
	*servertest.Env
	mgr, tc string // tokens
	lead    string // a lead assigned to the telecaller
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	env := servertest.New(f)
	mgr, tc := env.SeedUser(f, db.RoleManager), env.SeedUser(f, db.RoleTelecaller)
	lead := env.SeedLead(f, func(l *db.Lead) { l.AssignedToID = &tc.ID })
	return &fuzzEnv{Env: env, mgr: env.Token(f, mgr), tc: env.Token(f, tc), lead: lead.ID.String()}
}

// bodyRoutes are the routes that decode a JSON body.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/api/leads"},
	{"PATCH", "/api/leads/{lead}"},
	{"PUT", "/api/leads/{lead}"},
	{"POST", "/api/leads/{lead}/interactions"},
	{"POST", "/api/leads/bulk"},
	{"POST", "/api/leads/bulk-assign"},
}

// FuzzRESTBody: any bytes as the JSON body of every body-taking route, as a
// manager and as a telecaller.
func FuzzRESTBody(f *testing.F) {
	e := newFuzzEnv(f)
	for i, body := range []string{
		`{"name":"Asha","phone":"98765 43210","email":"asha@example.com","status":"new","tags":["a"],"customFields":{"k":1}}`,
		`{"name":"Renamed","status":"qualified","version":1}`,
		`{"notes":null,"nextFollowUpAt":"2030-01-01T00:00:00Z","assignedToId":null}`,
		`{"type":"call","outcome":"connected","durationSeconds":60,"statusAfter":"interested","followUpAt":"2030-01-01T00:00:00Z"}`,
		`{"mode":"upsert","leads":[{"name":"A","phone":"9811111111"},{"name":"B","email":"b@example.com"},{"name":""}]}`,
		`{"leadIds":["00000000-0000-0000-0000-000000000001"],"assigneeIds":["00000000-0000-0000-0000-000000000002"]}`,
	} {
		f.Add(uint8(i), false, []byte(body))
	}
	for _, body := range []string{``, `null`, `[]`, `{`, `{"name":1}`, `{"name":"x","name":"y"}`, `{"emial":"x"}`, `{"name":"\u0000"}`,
		`{"name":"a","phone":"+99999999999999999999"}`, `{"customFields":{"a":{"b":{"c":[1e999]}}}}`, `{"nextFollowUpAt":"0000-01-01T00:00:00Z"}`,
		`{"version":99999999999}`, `{"durationSeconds":-1}`, `{"leads":[]}`, `{"mode":"UPSERT","leads":[{}]}`, `{} {}`, "\xff\xfe"} {
		f.Add(uint8(0), true, []byte(body))
	}
	f.Fuzz(func(t *testing.T, route uint8, asTelecaller bool, body []byte) {
		rt := bodyRoutes[int(route)%len(bodyRoutes)]
		tok := e.mgr
		if asTelecaller {
			tok = e.tc
		}
		r := e.Serve(rt.method, expand(rt.path, e.lead), body, "Content-Type", "application/json", "Authorization", "Bearer "+tok)
		servertest.CheckNoServerError(t, r, false)
	})
}

// queryRoutes are the routes that read query parameters.
var queryRoutes = []string{
	"/api/leads",
	"/api/leads/{lead}/interactions",
	"/api/leads/{lead}/events",
	"/api/analytics/leads",
	"/api/analytics/telecallers",
}

// FuzzRESTQuery: any query string on every list and analytics route: page,
// limit, sort, filters, search, cursors, dates, time zones.
func FuzzRESTQuery(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range []struct {
		route uint8
		q     string
	}{
		{0, "page=2&limit=5&sort=-createdAt&status=new,contacted&source=website&priority=high&assignedTo=me&tag=a&search=asha&createdFrom=2024-01-01&createdTo=2030-01-01&followUpDue=true"},
		{0, "sort=priority&cursor=eyJzIjoicHJpb3JpdHkiLCJrIjoiMSIsImkiOiIwMTkwYjFkMi0zYzRkLTdlNWYtOGE5Yi0wYzFkMmUzZjRhNWIifQ"},
		{0, "search=%27%3B+DROP+TABLE+leads%3B--&sort=name%3BDROP"},
		{0, "limit=0&page=-1&assignedTo=unassigned&createdFrom=not-a-date"},
		{0, "status=NEW&status=new&tag=" + url.QueryEscape("\x00")},
		{1, "type=call,email&limit=100&page=100000"},
		{2, "limit=1&cursor=eyJ0IjoiMDAwMS0wMS0wMVQwMDowMDowMFoiLCJpIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIn0"},
		{3, "from=2024-01-01&to=2024-04-01&interval=week&tz=Asia/Kolkata&assignedTo=me&source=website"},
		{3, "from=0001-01-01&to=9999-12-31&interval=day&tz=Mars/Olympus"},
		{4, "from=2024-03-31T00:00:00%2B05:30&to=2024-03-30&tz=UTC&telecallerId=nope"},
	} {
		f.Add(s.route, false, s.q)
	}
	f.Fuzz(func(t *testing.T, route uint8, asTelecaller bool, q string) {
		tok := e.mgr
		if asTelecaller {
			tok = e.tc
		}
		r := e.Serve("GET", expand(queryRoutes[int(route)%len(queryRoutes)], e.lead)+"?"+q, nil, "Authorization", "Bearer "+tok)
		if r == nil {
			return // not a request line a client could send
		}
		servertest.CheckNoServerError(t, r, false)
	})
}

// FuzzLeadCursor builds well-formed-looking keyset cursors (base64 JSON in
// the server's own shape) with fuzzed sort, direction, key and id, for every
// sort order, so the fuzzer reaches the SQL that compares the key.
func FuzzLeadCursor(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range []struct{ sort, cursorSort, key, id string }{
		{"-createdAt", "createdAt", "2026-01-01T00:00:00Z", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"priority", "priority", "2", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"priority", "priority", "99999999999", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"name", "name", "' OR 1=1 --", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"nextFollowUpAt", "nextFollowUpAt", "infinity", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"-updatedAt", "updatedAt", "0000-01-01T00:00:00Z", "0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"},
		{"-nextFollowUpAt", "nextFollowUpAt", "-infinity", "00000000-0000-0000-0000-000000000000"},
	} {
		f.Add(s.sort, s.cursorSort, true, s.key, s.id)
	}
	f.Fuzz(func(t *testing.T, sort, cursorSort string, desc bool, key, id string) {
		b, err := json.Marshal(map[string]any{"s": cursorSort, "d": desc, "k": key, "i": id})
		if err != nil {
			return
		}
		q := url.Values{"sort": {sort}, "cursor": {base64.RawURLEncoding.EncodeToString(b)}, "limit": {"5"}}
		r := e.Serve("GET", "/api/leads?"+q.Encode(), nil, "Authorization", "Bearer "+e.mgr)
		servertest.CheckNoServerError(t, r, false)
	})
}

func expand(path, lead string) string { return strings.ReplaceAll(path, "{lead}", lead) }

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Statuses the list workloads filter by, one per request.
var listStatuses = []string{"new", "contacted", "interested", "follow_up", "qualified", "converted", "not_interested", "lost", "do_not_call"}

// maxListPage is the highest page number the list workloads ask for: the
// first ten pages, where people who page by number spend their time.
const maxListPage = 10

// Target is what the workloads run against: the API over HTTP and the same
// database through a pgx pool.
type Target struct {
	BaseURL string
	HTTP    *http.Client
	// Token is a manager's bearer token: managers see every lead, so the
	// lists match the whole table as the baseline's SQL does.
	Token string
	// ManagerID is the user of Token, the actor of the baseline's new leads.
	ManagerID uuid.UUID
	Pool      *pgxpool.Pool
	// Leads are live, callable leads the single-lead workloads pick from.
	Leads []uuid.UUID
	// Callers are the telecallers who log calls and update leads, each
	// with a token and leads assigned to them; Prepare fills them in,
	// minting tokens with TelecallerToken.
	Callers []Caller
	// TelecallerToken mints a telecaller's bearer token.
	TelecallerToken func(u User) (string, error)
	// Now anchors the analytics range (the last 90 days).
	Now time.Time

	run     string // distinguishes this run's new leads
	created atomic.Int64
}

// User is a user row of the benchmark database.
type User struct {
	ID       uuid.UUID
	Email    string
	FullName string
}

// Caller is a telecaller as the write workloads use them: the calls a
// calling floor logs come from many telecallers, each on the leads
// assigned to them, never from one account for everybody.
type Caller struct {
	User
	Token string
	Leads []uuid.UUID
}

// leadsPerCaller is how many of each telecaller's leads Prepare picks.
const leadsPerCaller = 200

// Prepare picks the leads the single-lead workloads use and the
// telecallers the write workloads act as, and names the run.
func (t *Target) Prepare(ctx context.Context, n int) error {
	t.run = strconv.FormatInt(time.Now().UnixNano(), 36)
	if t.Now.IsZero() {
		t.Now = time.Now()
	}
	// A 2% sample of pages spreads the picks over a large table; a small
	// one may yield nothing from it, so fall back to a plain scan.
	for _, from := range []string{"leads TABLESAMPLE SYSTEM (2)", "leads"} {
		rows, err := t.Pool.Query(ctx, `SELECT id FROM `+from+`
			WHERE deleted_at IS NULL AND status IN ('new','contacted','interested','follow_up','qualified') LIMIT $1`, n)
		if err != nil {
			return fmt.Errorf("pick leads: %w", err)
		}
		if t.Leads, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return fmt.Errorf("pick leads: %w", err)
		}
		if len(t.Leads) > 0 {
			break
		}
	}
	if len(t.Leads) == 0 {
		return fmt.Errorf("pick leads: the database has no live leads; seed it first")
	}
	return t.prepareCallers(ctx)
}

// prepareCallers finds the telecallers with live, callable leads assigned
// to them and picks up to leadsPerCaller of those leads for each.
func (t *Target) prepareCallers(ctx context.Context) error {
	if t.TelecallerToken == nil {
		return errors.New("pick telecallers: no TelecallerToken to mint their tokens")
	}
	rows, err := t.Pool.Query(ctx, `SELECT u.id, u.email, u.full_name, picked.ids FROM users AS u
		CROSS JOIN LATERAL (SELECT array_agg(l.id) AS ids FROM (SELECT l.id FROM leads AS l
			WHERE l.assigned_to = u.id AND l.deleted_at IS NULL
			AND l.status IN ('new','contacted','interested','follow_up','qualified') LIMIT $1) AS l) AS picked
		WHERE u.role = 'telecaller' AND picked.ids IS NOT NULL ORDER BY u.id`, leadsPerCaller)
	if err != nil {
		return fmt.Errorf("pick telecallers: %w", err)
	}
	callers, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Caller, error) {
		var c Caller
		err := row.Scan(&c.ID, &c.Email, &c.FullName, &c.Leads)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("pick telecallers: %w", err)
	}
	if len(callers) == 0 {
		return errors.New("pick telecallers: no telecaller has live, callable leads; seed the database first")
	}
	for i := range callers {
		if callers[i].Token, err = t.TelecallerToken(callers[i].User); err != nil {
			return fmt.Errorf("token for telecaller %s: %w", callers[i].ID, err)
		}
	}
	t.Callers = callers
	return nil
}

func (t *Target) lead(c *Client) uuid.UUID { return t.Leads[c.IntN(len(t.Leads))] }

// caller is the telecaller client c acts as in the write workloads: client
// N is telecaller N, so with no more clients than telecallers each writes
// as a telecaller of its own, as on a calling floor; more clients than
// telecallers share them round robin.
func (t *Target) caller(c *Client) *Caller { return &t.Callers[c.N%len(t.Callers)] }

// callerLead is a lead assigned to c's telecaller.
func (t *Target) callerLead(c *Client) (*Caller, uuid.UUID) {
	tc := t.caller(c)
	return tc, tc.Leads[c.IntN(len(tc.Leads))]
}

// listPage is one list request: a status and a page number.
func listPage(c *Client) (status string, page int) {
	return listStatuses[c.IntN(len(listStatuses))], 1 + c.IntN(maxListPage)
}

// Workloads are the API workloads, each followed by its raw-SQL baseline
// where one exists, in the order they run.
func (t *Target) Workloads() []Workload {
	return []Workload{
		{Name: "rest_list", Op: t.restList},
		{Name: "sql_list", Pair: "rest_list", Op: t.sqlList},
		{Name: "gql_list", Op: t.gqlList(false)},
		{Name: "sql_gql_list", Pair: "gql_list", Op: t.sqlList},
		{Name: "gql_list_nested", Op: t.gqlList(true)},
		{Name: "sql_gql_list_nested", Pair: "gql_list_nested", Op: t.sqlListNested},
		{Name: "rest_get", Op: t.restGet},
		{Name: "sql_get", Pair: "rest_get", Op: t.sqlGet},
		{Name: "rest_create", Op: t.restCreate},
		{Name: "sql_create", Pair: "rest_create", Op: t.sqlCreate},
		{Name: "rest_interaction", Op: t.restInteraction},
		{Name: "sql_interaction", Pair: "rest_interaction", Op: t.sqlInteraction},
		{Name: "rest_patch", Op: t.restPatch},
		{Name: "sql_patch", Pair: "rest_patch", Op: t.sqlPatch},
		{Name: "rest_analytics_leads", Op: t.restAnalytics("/api/analytics/leads?interval=week&")},
		{Name: "rest_analytics_telecallers", Op: t.restAnalytics("/api/analytics/telecallers?")},
	}
}

// do sends one API request as the manager and checks its status; want,
// when not empty, must appear in the body.
func (t *Target) do(ctx context.Context, method, path string, body any, status int, want string) error {
	return t.doAs(ctx, t.Token, method, path, body, status, want)
}

// doAs is do with the bearer token of another user.
func (t *Target) doAs(ctx context.Context, token, method, path string, body any, status int, want string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: status %d: %.200s", method, path, resp.StatusCode, b)
	}
	if want != "" && !bytes.Contains(b, []byte(want)) {
		return fmt.Errorf("%s %s: answer lacks %s: %.200s", method, path, want, b)
	}
	return nil
}

func (t *Target) restList(ctx context.Context, c *Client) error {
	status, page := listPage(c)
	return t.do(ctx, http.MethodGet, fmt.Sprintf("/api/leads?page=%d&limit=20&status=%s", page, status), nil, http.StatusOK, `"total":`)
}

const gqlLeadFields = `id name email phone phoneE164 company source status priority assignedToId createdById notes tags customFields nextFollowUpAt lastContactedAt attemptCount version createdAt updatedAt deletedAt`

const gqlListQuery = `query List($first: Int!, $offset: Int, $status: [LeadStatus!]) {
  leads(first: $first, offset: $offset, filter: {status: $status}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ` + gqlLeadFields + ` } }
  }
}`

const gqlNestedQuery = `query ListNested($first: Int!, $offset: Int, $status: [LeadStatus!]) {
  leads(first: $first, offset: $offset, filter: {status: $status}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ` + gqlLeadFields + `
      assignee { fullName }
      interactions(first: 3) { id type outcome durationSeconds occurredAt }
    } }
  }
}`

func (t *Target) gqlList(nested bool) Op {
	query := gqlListQuery
	if nested {
		query = gqlNestedQuery
	}
	return func(ctx context.Context, c *Client) error {
		status, page := listPage(c)
		body := map[string]any{"query": query, "variables": map[string]any{
			"first": 20, "offset": (page - 1) * 20, "status": []string{strings.ToUpper(status)},
		}}
		return t.do(ctx, http.MethodPost, "/graphql", body, http.StatusOK, `"totalCount":`)
	}
}

func (t *Target) restGet(ctx context.Context, c *Client) error {
	return t.do(ctx, http.MethodGet, "/api/leads/"+t.lead(c).String(), nil, http.StatusOK, `"id":`)
}

func (t *Target) restCreate(ctx context.Context, _ *Client) error {
	n := t.created.Add(1)
	body := map[string]any{
		"name":     "Bench Lead " + strconv.FormatInt(n, 10),
		"email":    fmt.Sprintf("bench-%s-%d@example.test", t.run, n),
		"company":  "Load Test Ltd",
		"source":   "website",
		"priority": "medium",
	}
	return t.do(ctx, http.MethodPost, "/api/leads", body, http.StatusCreated, `"id":`)
}

// restInteraction logs a call as the client's telecaller on one of their
// leads.
func (t *Target) restInteraction(ctx context.Context, c *Client) error {
	tc, lead := t.callerLead(c)
	body := map[string]any{"type": "call", "outcome": "no_answer", "durationSeconds": c.IntN(120)}
	return t.doAs(ctx, tc.Token, http.MethodPost, "/api/leads/"+lead.String()+"/interactions", body, http.StatusCreated, `"id":`)
}

var priorities = []string{"low", "medium", "high", "urgent"}

// restPatch changes the priority of one of the client's telecaller's leads,
// as that telecaller.
func (t *Target) restPatch(ctx context.Context, c *Client) error {
	tc, lead := t.callerLead(c)
	body := map[string]any{"priority": priorities[c.IntN(len(priorities))]}
	return t.doAs(ctx, tc.Token, http.MethodPatch, "/api/leads/"+lead.String(), body, http.StatusOK, `"id":`)
}

func (t *Target) restAnalytics(path string) Op {
	return func(ctx context.Context, _ *Client) error {
		q := fmt.Sprintf("from=%s&to=%s", t.Now.AddDate(0, 0, -90).Format("2006-01-02"), t.Now.Format("2006-01-02"))
		return t.do(ctx, http.MethodGet, path+q, nil, http.StatusOK, `"success":true`)
	}
}

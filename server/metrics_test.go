package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.RateLimitEnabled = true
		c.RateLimitAnonPerHour = 2
		c.RateLimitKeyPrefix = "metrics-test-" + t.Name() + fmt.Sprint(&c) + ":"
	}))
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	lead := env.SeedLead(t, nil)
	for range 3 {
		env.Do(t, http.MethodGet, "/api/leads/"+lead.ID.String(), nil, tok)
	}
	env.Do(t, http.MethodGet, "/api/leads/not-a-uuid", nil, tok)
	env.Do(t, http.MethodPost, "/graphql", map[string]any{"query": "query LeadPage { leads(first: 1) { totalCount } }", "operationName": "LeadPage"}, tok)
	for range 3 { // the third anonymous request is over the limit of 2
		env.Do(t, http.MethodGet, "/api/me", nil, "")
	}
	body := string(env.Do(t, http.MethodGet, "/metrics", nil, "").Body)
	for _, want := range []string{
		`crm_http_requests_total{method="GET",route="GET /api/leads/{id}",status="200"} 3`,
		`crm_http_requests_total{method="GET",route="GET /api/leads/{id}",status="400"} 1`,
		`crm_http_requests_total{method="GET",route="unmatched",status="429"} 1`,
		`crm_http_request_duration_seconds_count{method="GET",route="GET /api/leads/{id}"} 4`,
		`crm_graphql_operations_total{operation="LeadPage",outcome="ok",type="query"} 1`,
		`crm_rate_limit_rejections_total 1`,
		`crm_redis_errors_total 0`,
		`go_sql_max_open_connections{db_name="crm"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

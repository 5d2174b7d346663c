// Package metrics exposes Prometheus metrics: HTTP requests by route and
// status, GraphQL operations, rate-limit rejections, Redis errors and the
// Postgres pool.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/telecaller-crm/api/httprec"
)

// Metrics holds the collectors of one server.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	operations *prometheus.CounterVec
	opDuration *prometheus.HistogramVec
}

// New registers the collectors, including Go runtime, process and, when
// sqldb is not nil, connection-pool statistics.
func New(sqldb *sql.DB) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "crm_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_graphql_operations_total", Help: "GraphQL operations by name, type and outcome (ok or error).",
		}, []string{"operation", "type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "crm_graphql_operation_duration_seconds", Help: "GraphQL operation latency by name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.operations, m.opDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sqldb != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(sqldb, "crm"))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// RateLimitStats are the rate limiter's running totals.
type RateLimitStats struct {
	Limited, RedisErrors, FailedOpen, FailedClosed int64
}

// ObserveRateLimits exports the rate limiter's totals, read at scrape time.
func (m *Metrics) ObserveRateLimits(stats func() RateLimitStats) {
	counter := func(name, help string, pick func(RateLimitStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(pick(stats())) })
	}
	m.reg.MustRegister(
		counter("crm_rate_limit_rejections_total", "Requests answered 429 by a rate limit.", func(s RateLimitStats) int64 { return s.Limited }),
		counter("crm_redis_errors_total", "Requests whose Redis call failed (or was skipped while Redis is down).", func(s RateLimitStats) int64 { return s.RedisErrors }),
		counter("crm_rate_limit_failed_open_total", "Requests served unlimited because Redis was down.", func(s RateLimitStats) int64 { return s.FailedOpen }),
		counter("crm_rate_limit_failed_closed_total", "Requests answered 503 because Redis was down.", func(s RateLimitStats) int64 { return s.FailedClosed }),
	)
}

type routeKey struct{}

// routeHolder carries the matched route pattern from the mux back out to
// the outermost middleware, which sees a different *http.Request.
type routeHolder struct{ pattern string }

// Middleware counts and times every request, whatever answers it. Wrap
// the whole handler with it, and the routing mux with Route.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		holder := &routeHolder{}
		rec := &httprec.Writer{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, holder)))
		route := holder.pattern
		if route == "" {
			route = "unmatched"
		}
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.Status)).Inc()
		m.duration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}

// RouteOf is the route pattern matched for the request of ctx, once the
// mux has run ("" before, or outside Middleware).
func RouteOf(ctx context.Context) string {
	if h, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
		return h.pattern
	}
	return ""
}

// Route records the pattern the mux (and any mux below it) matched.
func Route(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			h.pattern = r.Pattern
		}
	})
}

// GraphQL is a gqlgen extension counting operations by name.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return gqlMetrics{m} }

type gqlMetrics struct{ m *Metrics }

func (gqlMetrics) ExtensionName() string                   { return "Metrics" }
func (gqlMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (g gqlMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	start := time.Now()
	resp := next(ctx)
	name, kind := oc.OperationName, "unknown"
	if name == "" {
		name = "anonymous"
	}
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
	}
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	g.m.operations.WithLabelValues(name, kind, outcome).Inc()
	g.m.opDuration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	return resp
}

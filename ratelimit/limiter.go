// Package ratelimit enforces the API's request budgets in Redis with GCRA
// (github.com/go-redis/redis_rate/v10): per hour for each signed-in user, per
// hour for each client IP of anonymous callers (bad or missing tokens
// included), and on bulk operations a further budget per minute.
//
// Limiter.Middleware charges HTTP requests and writes X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset; a denial is 429 RATE_LIMITED
// with Retry-After. GraphQL POSTs are charged by Limiter.Extension once the
// operation is parsed, so bulk mutations spend the bulk budget too.
//
// A request costs at most one Redis round trip, and under load a share of one.
// Requests that spend the hourly budget alone are charged in batches per key,
// as a database commits in groups: while a call for a key is in flight, the
// requests arriving meanwhile wait for it and then go together in one call of
// redis_rate's AllowAtMost; each learns what a call of its own would have told
// it. A request finding no call in flight is sent at once. Bulk requests,
// which spend two limits, are charged one call each by this package's
// multi-key GCRA script (the same algorithm and state, all or nothing), so a
// bulk denial spends nothing.
// X-RateLimit-Remaining is derived from the GCRA state rather than taken from
// redis_rate, whose float maths reports 998 after the first of 1000.
package ratelimit

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Config configures a Limiter. Zero values take the defaults in brackets.
type Config struct {
	AuthPerHour   int // requests an hour per signed-in user [1000]
	AnonPerHour   int // requests an hour per anonymous client IP [100]
	BulkPerMinute int // bulk requests a minute per caller, on top of the hourly budget [10]

	// FailOpen serves requests unlimited while Redis is unreachable; otherwise
	// they are answered 503 SERVICE_UNAVAILABLE. The server defaults it to true.
	FailOpen bool
	// Timeout bounds each Redis call [150ms]. It only bounds socket reads when
	// the client has ContextTimeoutEnabled (server.Open sets it). A request
	// that waits for the next batch on its key may wait for two calls: the
	// one in flight, then its batch's.
	Timeout time.Duration
	// Cooldown is how long after a failed Redis call requests skip Redis and
	// take the fail mode straight away, so a dead Redis costs one timeout per
	// Cooldown rather than one per request [1s]; negative disables it.
	Cooldown time.Duration

	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// KeyPrefix starts every Redis key, after redis_rate's "rate:" ["crm:"].
	// It must not contain '{' (keys carry a Redis Cluster hash tag).
	KeyPrefix string

	// BulkRoutes are "METHOD /path" requests that spend the bulk budget
	// [DefaultBulkRoutes].
	BulkRoutes []string
	// BulkMutations are GraphQL Mutation fields that spend the bulk budget,
	// one unit per field in the operation [DefaultBulkMutations].
	BulkMutations []string
	// Exempt are paths never limited [DefaultExempt].
	Exempt []string
	// GraphQLPath is where POSTs are charged by the extension ["/graphql"].
	GraphQLPath string

	// WriteError writes an error in the REST envelope (rest.WriteError); nil
	// writes a minimal envelope of the same shape.
	WriteError func(http.ResponseWriter, *http.Request, error)
	Logger     *slog.Logger
	// Now is the clock for X-RateLimit-Reset and the cooldown [time.Now].
	Now func() time.Time
}

// DefaultBulkRoutes are the REST bulk endpoints.
func DefaultBulkRoutes() []string {
	return []string{"POST /api/leads/bulk", "POST /api/leads/import", "POST /api/leads/bulk-assign"}
}

// DefaultBulkMutations are the GraphQL bulk mutations.
func DefaultBulkMutations() []string {
	return []string{"bulkCreateLeads", "importLeads", "assignLeads", "bulkAssignLeads"}
}

// DefaultExempt are the paths that are never limited: probes, metrics and
// the playground's static assets (a page load fetches about ten; the page
// itself still counts). An entry ending in "/" covers everything below it.
func DefaultExempt() []string {
	return []string{"/healthz", "/readyz", "/metrics", "/graphql/assets/"}
}

// Limiter charges requests against budgets kept in Redis. It is safe for
// concurrent use; instances sharing a Redis and KeyPrefix share budgets.
type Limiter struct {
	cfg    Config
	rdb    redis.UniversalClient
	rr     *redis_rate.Limiter
	multi  *redis.Script
	logger *slog.Logger

	auth, anon, bulk redis_rate.Limit

	bulkRoutes    map[string]bool
	bulkMutations map[string]bool
	exempt        map[string]bool

	// downUntil (Unix ns) ends the cooldown after a Redis failure.
	downUntil atomic.Int64
	// loggedAt (Unix ns) is when a Redis failure was last logged.
	loggedAt atomic.Int64
	stats    counters
	batches  batches
}

// New returns a Limiter over rdb.
func New(rdb redis.UniversalClient, cfg Config) *Limiter {
	cfg = withDefaults(cfg)
	l := &Limiter{
		cfg:           cfg,
		rdb:           rdb,
		rr:            redis_rate.NewLimiter(rdb),
		multi:         redis.NewScript(multiAllowScript),
		logger:        cfg.Logger,
		auth:          redis_rate.PerHour(cfg.AuthPerHour),
		anon:          redis_rate.PerHour(cfg.AnonPerHour),
		bulk:          redis_rate.PerMinute(cfg.BulkPerMinute),
		bulkRoutes:    set(cfg.BulkRoutes),
		bulkMutations: set(cfg.BulkMutations),
		exempt:        set(cfg.Exempt),
		batches:       batches{next: make(map[batchKey][]*waiter)},
	}
	if c, ok := rdb.(*redis.Client); ok && !c.Options().ContextTimeoutEnabled {
		l.logger.Warn("ratelimit: the Redis client ignores context deadlines; a hung Redis can stall requests for its ReadTimeout (set ContextTimeoutEnabled)")
	}
	return l
}

func withDefaults(c Config) Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.AuthPerHour, 1000)
	def(&c.AnonPerHour, 100)
	def(&c.BulkPerMinute, 10)
	if c.Timeout <= 0 {
		c.Timeout = 150 * time.Millisecond
	}
	if c.Cooldown == 0 {
		c.Cooldown = time.Second
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = "crm:"
	}
	c.KeyPrefix = strings.NewReplacer("{", "", "}", "").Replace(c.KeyPrefix)
	if c.BulkRoutes == nil {
		c.BulkRoutes = DefaultBulkRoutes()
	}
	if c.BulkMutations == nil {
		c.BulkMutations = DefaultBulkMutations()
	}
	if c.Exempt == nil {
		c.Exempt = DefaultExempt()
	}
	if c.GraphQLPath == "" {
		c.GraphQLPath = "/graphql"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// Stats are the Limiter's counters since it was made.
type Stats struct {
	Allowed      int64 // requests within budget
	Limited      int64 // requests answered 429
	RedisErrors  int64 // requests whose Redis call failed or was skipped in the cooldown
	FailedOpen   int64 // of those, served unlimited
	FailedClosed int64 // of those, answered 503
}

type counters struct {
	allowed, limited, redisErrors, failedOpen, failedClosed atomic.Int64
}

// Stats returns the current counters, for metrics.
func (l *Limiter) Stats() Stats {
	return Stats{
		Allowed:      l.stats.allowed.Load(),
		Limited:      l.stats.limited.Load(),
		RedisErrors:  l.stats.redisErrors.Load(),
		FailedOpen:   l.stats.failedOpen.Load(),
		FailedClosed: l.stats.failedClosed.Load(),
	}
}

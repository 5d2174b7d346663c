// Package server composes the HTTP server: routes, the middleware order,
// health checks, timeouts and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph"
	"github.com/telecaller-crm/api/idempotency"
	"github.com/telecaller-crm/api/metrics"
	"github.com/telecaller-crm/api/playground"
	"github.com/telecaller-crm/api/ratelimit"
	"github.com/telecaller-crm/api/rest"
)

// Deps are the server's connections, opened by Open or by a test harness.
type Deps struct {
	DB *bun.DB
	// ListDB serves lead lists and their totals, planned with
	// db.ListPlannerParams; nil means DB.
	ListDB   *bun.DB
	Redis    redis.UniversalClient
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// Now is the clock of the application layer; nil means time.Now.
	Now func() time.Time
}

// Server is the API's HTTP handler with its dependencies.
type Server struct {
	cfg     Config
	deps    Deps
	handler http.Handler
	limiter *ratelimit.Limiter // nil when rate limiting is off
}

// New composes the handler. Request flow: request id → deadlines → metrics → access log
// → panic recovery → CORS → body limit → auth → rate limit (when enabled) → routes
// (/graphql, /api with idempotency keys, health, metrics).
func New(cfg Config, deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	limiter, gqlExts := rateLimiter(cfg, deps)
	s := &Server{cfg: cfg, deps: deps, limiter: limiter}
	m := metrics.New(deps.DB.DB)
	if limiter != nil {
		m.ObserveRateLimits(func() metrics.RateLimitStats {
			st := limiter.Stats()
			return metrics.RateLimitStats{Limited: st.Limited, RedisErrors: st.RedisErrors, FailedOpen: st.FailedOpen, FailedClosed: st.FailedClosed}
		})
	}
	res := graph.NewResolver(deps.DB, deps.Logger, graph.Settings{PhoneRegion: cfg.PhoneRegion, Now: deps.Now,
		ExactCountLimit: cfg.LeadCountExactLimit, ListDB: deps.ListDB,
		Queue: graph.QueueSettings{CallingStart: cfg.CallingHoursStart, CallingEnd: cfg.CallingHoursEnd, RetryGap: cfg.QueueRetryGap,
			DefaultTimeZone: cfg.QueueDefaultTimeZone, DisableClaims: !cfg.QueueClaimUnassigned},
		WebhookAllowHTTP: cfg.WebhookAllowHTTP})
	gql := graph.NewHandler(res, graph.Limits{MaxDepth: cfg.GraphQLMaxDepth, MaxComplexity: cfg.GraphQLMaxComplexity}, append(gqlExts, m.GraphQL())...)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", m.Handler())
	// Browsers navigating to /graphql get the GraphiQL playground; its assets live below it.
	pg := playground.New("/graphql")
	mux.Handle("/graphql", pg.Or(readBody(gql)))
	mux.Handle("GET /graphql/assets/", pg)
	// POSTs with an Idempotency-Key run once per caller and key.
	mux.Handle("/api/", idempotency.Middleware(deps.DB, deps.Logger, rest.New(res, deps.Logger)))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.Method == http.MethodGet {
			http.Redirect(w, r, "/graphql", http.StatusFound)
			return
		}
		rest.WriteError(w, r, deps.Logger, notFound(r))
	}))

	h := metrics.Route(mux)
	if limiter != nil {
		h = limiter.Middleware(h)
	}
	h = deps.Verifier.Middleware(h)
	h = limitBody(h, cfg, deps.Logger)
	h = cors(h, cfg, deps.Logger)
	h = recoverPanics(h, deps.Logger)
	h = accessLog(h, deps.Logger)
	h = m.Middleware(h)
	h = deadlines(h, cfg)
	h = requestID(h)
	s.handler = h
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Open connects to Postgres and Redis and prepares token verification.
// The returned close function releases them.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (Deps, func(), error) {
	bdb, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxOpenConns: cfg.DBMaxConns, StatementTimeout: cfg.DBStatementTimeout})
	if err != nil {
		return Deps{}, nil, err
	}
	lists, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxOpenConns: cfg.DBMaxConns, StatementTimeout: cfg.DBStatementTimeout, RuntimeParams: db.ListPlannerParams()})
	if err != nil {
		_ = bdb.Close()
		return Deps{}, nil, err
	}
	rdb, err := openRedis(cfg)
	if err != nil {
		_ = bdb.Close()
		_ = lists.Close()
		return Deps{}, nil, err
	}
	cacheSize := cfg.JWTCacheSize
	if cacheSize == 0 {
		cacheSize = -1 // off
	}
	v, err := auth.NewVerifier(ctx, auth.Config{Secret: []byte(cfg.JWTSecret), SupabaseURL: cfg.SupabaseURL, Audience: cfg.JWTAudience, Logger: logger, CacheSize: cacheSize})
	if err != nil {
		_ = bdb.Close()
		_ = lists.Close()
		_ = rdb.Close()
		return Deps{}, nil, err
	}
	closeAll := func() {
		v.Close()
		_ = rdb.Close()
		_ = lists.Close()
		_ = bdb.Close()
	}
	return Deps{DB: bdb, ListDB: lists, Redis: rdb, Verifier: v, Logger: logger}, closeAll, nil
}

// openRedis connects to one Redis, or to a Redis Cluster when REDIS_CLUSTER
// is set (seed nodes as redis://host:port?addr=host2:port&addr=host3:port).
func openRedis(cfg Config) (redis.UniversalClient, error) {
	if cfg.RedisCluster {
		opt, err := redis.ParseClusterURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("parse REDIS_URL as a cluster URL: %w", err)
		}
		opt.ContextTimeoutEnabled = true
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	// Honour context deadlines on socket reads too, so the rate limiter's
	// short timeout holds when Redis hangs (go-redis ignores them by default).
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// Run serves on cfg.HTTPAddr until ctx is cancelled, then stops accepting,
// lets in-flight requests finish within ShutdownTimeout, and returns.
// ready, if not nil, receives the bound address once listening.
func Run(ctx context.Context, cfg Config, h http.Handler, logger *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		// A backstop: the deadlines middleware sets each request's own
		// read deadline while its body is read (BodyReadTimeout, or
		// ImportTimeout for imports) and lifts it after.
		ReadTimeout:    max(cfg.ImportTimeout, cfg.RequestTimeout, cfg.BodyReadTimeout),
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "drain_timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

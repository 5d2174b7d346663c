package server

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"

	"github.com/telecaller-crm/api/ratelimit"
	"github.com/telecaller-crm/api/rest"
)

// rateLimiter builds the rate limiter and the GraphQL extension it charges
// operations with, or nothing when cfg disables rate limiting.
func rateLimiter(cfg Config, deps Deps) (*ratelimit.Limiter, []graphql.HandlerExtension) {
	if !cfg.RateLimitEnabled {
		return nil, nil
	}
	l := ratelimit.New(deps.Redis, ratelimit.Config{
		AuthPerHour:    cfg.RateLimitAuthPerHour,
		AnonPerHour:    cfg.RateLimitAnonPerHour,
		BulkPerMinute:  cfg.RateLimitBulkPerMin,
		FailOpen:       cfg.RateLimitFailOpen,
		TrustedProxies: cfg.TrustedProxies,
		KeyPrefix:      cfg.RateLimitKeyPrefix,
		Timeout:        cfg.RateLimitTimeout,
		Logger:         deps.Logger,
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			rest.WriteError(w, r, deps.Logger, err)
		},
	})
	return l, []graphql.HandlerExtension{l.Extension()}
}

// RateLimitStats returns the rate limiter's counters (Redis failures served
// open or rejected, 429s), and false when rate limiting is off.
func (s *Server) RateLimitStats() (ratelimit.Stats, bool) {
	if s.limiter == nil {
		return ratelimit.Stats{}, false
	}
	return s.limiter.Stats(), true
}

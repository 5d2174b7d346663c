package server

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/rest"
)

// CORS headers the browser may send and read.
const (
	corsAllowMethods  = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id"
	corsExposeHeaders = "ETag, Location, Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Idempotent-Replayed"
	corsMaxAge        = "600"
)

// cors lets browsers on cfg.CORSAllowedOrigins call the API. Origins match
// exactly (scheme, host and port); "*" allows any origin but then never
// with credentials. Requests from other origins are served without CORS
// headers (the browser withholds the answer) and their preflights are
// refused with FORBIDDEN. Preflights answer here, before authentication
// and rate limiting, so they need no token and spend no budget.
func cors(next http.Handler, cfg Config, logger *slog.Logger) http.Handler {
	if len(cfg.CORSAllowedOrigins) == 0 {
		return next
	}
	any := slices.Contains(cfg.CORSAllowedOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		listed := slices.Contains(cfg.CORSAllowedOrigins, origin)
		if !listed && !any {
			if preflight {
				rest.WriteError(w, r, logger, apperr.New(apperr.Forbidden, "Origin %s may not call this API.", origin))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if listed {
			h.Set("Access-Control-Allow-Origin", origin)
			if cfg.CORSAllowCredentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if !preflight {
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			next.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	})
}

// origins parses CORS_ALLOWED_ORIGINS: "*" or comma-separated origins such
// as https://app.example.com (scheme://host[:port], no path).
func (p *envParser) origins(key string) []string {
	var out []string
	for _, s := range strings.Split(p.str(key, ""), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if s != "*" && !validOrigin(s) {
			p.fail(key, "must be * or comma-separated origins such as https://app.example.com")
			continue
		}
		out = append(out, strings.TrimSuffix(s, "/"))
	}
	return out
}

func validOrigin(s string) bool {
	s = strings.TrimSuffix(s, "/")
	scheme, host, ok := strings.Cut(s, "://")
	return ok && (scheme == "http" || scheme == "https") && host != "" && !strings.ContainsAny(host, "/?#*@ ")
}

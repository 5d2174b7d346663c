package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
)

// healthz answers while the process is up.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz checks Postgres, Redis and token verification. Postgres or the
// verifier down is 503. Redis down is 503 only when rate limiting fails
// closed; failing open, the server still serves and reports "degraded".
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "redis": "ok", "auth": "ok"}
	status, code := "ok", http.StatusOK
	if err := db.Ping(ctx, s.deps.DB); err != nil {
		checks["postgres"], status, code = "unavailable", "unavailable", http.StatusServiceUnavailable
	}
	if err := s.deps.Verifier.Ready(ctx); err != nil {
		checks["auth"], status, code = "unavailable", "unavailable", http.StatusServiceUnavailable
	}
	if s.deps.Redis == nil || s.deps.Redis.Ping(ctx).Err() != nil {
		checks["redis"] = "unavailable"
		if !s.cfg.RateLimitFailOpen {
			status, code = "unavailable", http.StatusServiceUnavailable
		} else if status == "ok" {
			status = "degraded"
		}
	}
	writeStatus(w, code, map[string]any{"status": status, "checks": checks})
}

func writeStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(r *http.Request) error {
	return apperr.New(apperr.NotFound, "No such endpoint: %s %s.", r.Method, r.URL.Path)
}

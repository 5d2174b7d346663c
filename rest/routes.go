package rest

import (
	"net/http"

	"github.com/telecaller-crm/api/apperr"
)

// routes registers every REST endpoint; the OpenAPI document lists the same.
func (h *Handler) routes() {
	h.registerMeRoutes()
	h.mux.Handle("/api/", h.wrap(func(r *http.Request) (result, error) {
		return result{}, apperr.New(apperr.NotFound, "No such endpoint: %s %s.", r.Method, r.URL.Path)
	}))
}

func (h *Handler) registerMeRoutes() {
	h.mux.Handle("GET /api/me", h.wrap(h.getMe))
}

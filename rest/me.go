package rest

import (
	"net/http"
	"net/url"
)

// getMe serves GET /api/me: the caller's user and role.
func (h *Handler) getMe(r *http.Request, _ url.Values) (result, error) {
	u, err := h.res.Query().Me(r.Context())
	if err != nil {
		return result{}, err
	}
	return ok(u)
}

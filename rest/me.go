package rest

import "net/http"

// getMe serves GET /api/me: the caller's user and role.
func (h *Handler) getMe(r *http.Request) (result, error) {
	u, err := h.res.Query().Me(r.Context())
	if err != nil {
		return result{}, err
	}
	return ok(u)
}

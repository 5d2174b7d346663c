package rest

import (
	"log/slog"
	"net/http"

	"github.com/telecaller-crm/api/graph"
)

// Handler serves /api with the resolvers of the GraphQL layer.
type Handler struct {
	res    *graph.Resolver
	logger *slog.Logger
	mux    *http.ServeMux
}

// Pagination describes where a list page sits.
type Pagination struct {
	Page       int     `json:"page"`
	Limit      int     `json:"limit"`
	Total      int     `json:"total"`
	TotalPages int     `json:"totalPages"`
	HasNext    bool    `json:"hasNext"`
	NextCursor *string `json:"nextCursor"`
}

// result is what an endpoint returns: a status, the data, and for lists the
// pagination. Headers set extra response headers (ETag).
type result struct {
	status     int
	data       any
	pagination *Pagination
	headers    map[string]string
}

// endpoint is the one shape every REST operation has: decode the request,
// call a resolver, return the result or an error.
type endpoint func(r *http.Request) (result, error)

// New builds the /api handler.
func New(res *graph.Resolver, logger *slog.Logger) *Handler {
	h := &Handler{res: res, logger: logger, mux: http.NewServeMux()}
	h.routes()
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// wrap turns an endpoint into an http.Handler writing the envelope.
func (h *Handler) wrap(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := e(r)
		if err != nil {
			WriteError(w, r, h.logger, err)
			return
		}
		for k, v := range res.headers {
			w.Header().Set(k, v)
		}
		if res.status == 0 {
			res.status = http.StatusOK
		}
		writeJSON(w, res.status, envelope{Success: true, Data: res.data, Pagination: res.pagination})
	})
}

func ok(data any) (result, error) { return result{status: http.StatusOK, data: data}, nil }

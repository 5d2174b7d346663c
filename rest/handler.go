package rest

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/graph"
)

// Handler serves /api with the resolvers of the GraphQL layer.
type Handler struct {
	res    *graph.Resolver
	logger *slog.Logger
	mux    *http.ServeMux
	// served is the route table the mux was built from.
	served []route
	// literal holds the route paths without wildcards.
	literal map[string]bool
}

// Pagination describes where a list page sits. Page is null when the page
// was fetched by cursor, whose position in page numbers is unknown.
type Pagination struct {
	Page  *int `json:"page"`
	Limit int  `json:"limit"`
	Total int  `json:"total"`
	// TotalIsEstimate is set when Total (and so TotalPages) is the
	// planner's estimate rather than an exact count.
	TotalIsEstimate bool    `json:"totalIsEstimate"`
	TotalPages      int     `json:"totalPages"`
	HasNext         bool    `json:"hasNext"`
	NextCursor      *string `json:"nextCursor"`
}

// result is what an endpoint returns: a status, the data, and for lists the
// pagination. Headers set extra response headers (ETag).
type result struct {
	status     int
	data       any
	pagination *Pagination
	headers    map[string]string
	// stream, when set, writes the body after the status and headers instead
	// of the envelope of data, for answers too large to build in memory
	// (CSV import). It sets its own Content-Type. Its error can no longer
	// change the status: it is logged, and the answer ends there.
	stream func(w http.ResponseWriter) error
}

// endpoint is the one shape every REST operation has: decode the request,
// call a resolver, return the result or an error. q holds the query
// parameters, already checked against the route's list.
type endpoint func(r *http.Request, q url.Values) (result, error)

// New builds the /api handler.
func New(res *graph.Resolver, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	h := &Handler{res: res, logger: logger, mux: http.NewServeMux()}
	h.routes()
	return h
}

// ServeHTTP routes a request under /api to its endpoint.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// wrap turns an endpoint into an http.Handler writing the envelope. Before
// the endpoint runs, anonymous callers of data routes get UNAUTHORIZED (so
// that a missing token is reported before any input error) and query
// parameters outside the route's list get VALIDATION_ERROR naming them.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := h.run(rt, r)
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
		if res.stream != nil {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(res.status)
			if err := res.stream(w); err != nil {
				h.logger.WarnContext(r.Context(), "response stream ended early", "request_id", apperr.RequestID(r.Context()), "err", err)
			}
			return
		}
		if err := writeJSON(w, res.status, envelope{Success: true, Data: res.data, Pagination: res.pagination}); err != nil {
			WriteError(w, r, h.logger, fmt.Errorf("encode response: %w", err))
		}
	})
}

// run checks authentication and the query parameters, then calls the endpoint.
func (h *Handler) run(rt route, r *http.Request) (result, error) {
	if !rt.public {
		if err := authenticated(r); err != nil {
			return result{}, err
		}
	}
	q, err := queryParams(r, rt.query)
	if err != nil {
		return result{}, err
	}
	return rt.serve(r, q)
}

// authenticated returns nil for a caller with a verified token, else the
// reason the token was rejected, else UNAUTHORIZED. The resolvers check the
// same again; this only makes 401 win over input errors.
func authenticated(r *http.Request) error {
	if _, ok := auth.FromContext(r.Context()); ok {
		return nil
	}
	if err := auth.RejectionFromContext(r.Context()); err != nil {
		return err
	}
	return apperr.New(apperr.Unauthorized, "Authentication required: send Authorization: Bearer <token>.")
}

func ok(data any) (result, error) { return result{status: http.StatusOK, data: data}, nil }

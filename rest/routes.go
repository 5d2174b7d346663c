package rest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/telecaller-crm/api/apperr"
)

// route is one REST operation. The table built by routeTable is the only
// place routes are declared: it registers them on the mux, it answers 405
// with Allow, and the tests check the OpenAPI document against it.
type route struct {
	method string
	path   string // a ServeMux path pattern such as /api/leads/{id}
	// query lists the query parameters the route takes; others are rejected.
	query []string
	// public routes skip the authentication check (documentation).
	public bool
	serve  endpoint
	// raw, when set, serves the route instead of the JSON envelope (docs).
	raw http.Handler
}

// Route is a method and path pattern the handler serves, with the query
// parameters it accepts.
type Route struct {
	Method string
	Path   string
	Query  []string
}

// routeTable declares every route under /api.
func (h *Handler) routeTable() []route {
	return []route{
		{method: http.MethodGet, path: "/api/me", serve: h.getMe},

		{method: http.MethodPost, path: "/api/leads", serve: h.createLead},
		{method: http.MethodGet, path: "/api/leads", serve: h.listLeads,
			query: []string{"page", "limit", "cursor", "sort", "status", "source", "priority", "assignedTo", "tag", "search", "createdFrom", "createdTo", "followUpDue"}},
		{method: http.MethodPost, path: "/api/leads/bulk", serve: h.bulkCreateLeads, query: []string{"dryRun"}},
		{method: http.MethodPost, path: "/api/leads/bulk-assign", serve: h.bulkAssignLeads},
		{method: http.MethodPost, path: "/api/leads/import", serve: h.importLeads, query: []string{"mode", "dryRun", "format", "assigneeIds", "assignStrategy"}},
		{method: http.MethodGet, path: "/api/leads/{id}", serve: h.getLead},
		{method: http.MethodPatch, path: "/api/leads/{id}", serve: h.updateLead},
		{method: http.MethodPut, path: "/api/leads/{id}", serve: h.updateLead},
		{method: http.MethodDelete, path: "/api/leads/{id}", serve: h.deleteLead},
		{method: http.MethodPost, path: "/api/leads/{id}/restore", serve: h.restoreLead},
		{method: http.MethodGet, path: "/api/leads/{id}/events", serve: h.listLeadEvents,
			query: []string{"page", "limit", "cursor"}},

		{method: http.MethodPost, path: "/api/leads/{id}/interactions", serve: h.createLeadInteraction},
		{method: http.MethodGet, path: "/api/leads/{id}/interactions", serve: h.listLeadInteractions,
			query: []string{"page", "limit", "cursor", "type"}},

		{method: http.MethodGet, path: "/api/analytics/leads", serve: h.getLeadAnalytics,
			query: []string{"from", "to", "interval", "tz", "assignedTo", "source"}},
		{method: http.MethodGet, path: "/api/analytics/telecallers", serve: h.getTelecallerPerformance,
			query: []string{"from", "to", "tz", "telecallerId"}},

		{method: http.MethodGet, path: "/api/queue/next", serve: h.getNextLead},
		{method: http.MethodGet, path: "/api/follow-ups", serve: h.listFollowUps, query: []string{"from", "to", "tz", "telecallerId"}},

		{method: http.MethodGet, path: "/api/disposition-rules", serve: h.listDispositionRules},
		{method: http.MethodPut, path: "/api/disposition-rules/{outcome}", serve: h.putDispositionRule},
		{method: http.MethodDelete, path: "/api/disposition-rules/{outcome}", serve: h.deleteDispositionRule},

		{method: http.MethodGet, path: "/api/do-not-call", serve: h.listDoNotCall, query: []string{"page", "limit"}},
		{method: http.MethodPost, path: "/api/do-not-call", serve: h.addDoNotCall},
		{method: http.MethodDelete, path: "/api/do-not-call/{phone}", serve: h.removeDoNotCall},

		{method: http.MethodGet, path: "/api/webhooks", serve: h.listWebhooks},
		{method: http.MethodPost, path: "/api/webhooks", serve: h.createWebhook},
		{method: http.MethodDelete, path: "/api/webhooks/{id}", serve: h.deleteWebhook},
		{method: http.MethodGet, path: "/api/webhooks/{id}/deliveries", serve: h.listWebhookDeliveries, query: []string{"status", "page", "limit"}},

		{method: http.MethodGet, path: "/api/openapi.json", public: true, raw: staticFile(openapiJSON, "application/json; charset=utf-8")},
		{method: http.MethodGet, path: "/api/docs", public: true, raw: staticFile(docsHTML, "text/html; charset=utf-8")},
	}
}

// routes registers the route table, then a catch-all that answers 405 for
// known paths with another method and 404 for everything else. (ServeMux's
// own 405 is plain text, and the catch-all would hide it anyway.)
func (h *Handler) routes() {
	h.served = h.routeTable()
	h.literal = map[string]bool{}
	for _, rt := range h.served {
		if !strings.Contains(rt.path, "{") {
			h.literal[rt.path] = true
		}
	}
	for _, rt := range h.served {
		var hd http.Handler = rt.raw
		if hd == nil {
			hd = h.wrap(rt)
		}
		if strings.Contains(rt.path, "{") {
			hd = h.unshadowed(hd)
		}
		h.mux.Handle(rt.method+" "+rt.path, hd)
	}
	h.mux.Handle(catchAll, http.HandlerFunc(h.unrouted))
}

// unshadowed keeps a wildcard route such as GET /api/leads/{id} from
// answering for a path the table declares literally with other methods
// (GET /api/leads/bulk is a wrong method on the bulk route, not a lead id).
func (h *Handler) unshadowed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.literal[r.URL.Path] {
			h.unrouted(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const catchAll = "/api/"

// unrouted answers requests no route matched.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request) {
	allow := h.allowed(r)
	if len(allow) == 0 {
		WriteError(w, r, h.logger, apperr.New(apperr.NotFound, "No such endpoint: %s %s.", r.Method, r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	WriteError(w, r, h.logger, apperr.New(apperr.MethodNotAllowed, "%s is not allowed on %s; use %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
}

// allowed lists the methods the mux would route for r's path, asking the
// mux itself so that the answer follows its matching rules exactly. HEAD is
// served wherever GET is.
func (h *Handler) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range h.methods() {
		probe := *r
		probe.Method = m
		_, pattern := h.mux.Handler(&probe)
		if pattern == catchAll || pattern == "" || (strings.Contains(pattern, "{") && h.literal[r.URL.Path]) {
			continue
		}
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	return allow
}

// methods lists the distinct methods of the route table in a fixed order.
func (h *Handler) methods() []string {
	var ms []string
	for _, rt := range h.served {
		if !slices.Contains(ms, rt.method) {
			ms = append(ms, rt.method)
		}
	}
	slices.Sort(ms)
	return ms
}

// Routes lists the routes the handler serves, as registered on its mux.
func (h *Handler) Routes() []Route {
	out := make([]Route, len(h.served))
	for i, rt := range h.served {
		out[i] = Route{Method: rt.method, Path: rt.path, Query: slices.Clone(rt.query)}
	}
	return out
}

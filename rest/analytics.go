package rest

import (
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/db"
)

// getLeadAnalytics serves GET /api/analytics/leads (seed: "Lead
// Analytics"): the lead report of the GraphQL leadAnalytics query. Dates
// are read in tz; the resolver checks the range, the zone and assignedTo.
func (h *Handler) getLeadAnalytics(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	tz, from, to := p.zonedRange()
	interval := enum(p, "interval", db.AnalyticsIntervals)
	assignedTo := p.str("assignedTo")
	source := enum(p, "source", db.LeadSources)
	if p.err != nil {
		return result{}, p.err
	}
	a, err := h.res.Query().LeadAnalytics(r.Context(), from, to, interval, tz, assignedTo, source)
	if err != nil {
		return result{}, err
	}
	return ok(a)
}

// getTelecallerPerformance serves GET /api/analytics/telecallers (seed:
// "Telecaller Performance"): per-telecaller rows and team totals.
// Telecallers get their own row only, and FORBIDDEN for another's
// telecallerId.
func (h *Handler) getTelecallerPerformance(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	tz, from, to := p.zonedRange()
	who := p.id("telecallerId")
	if p.err != nil {
		return result{}, p.err
	}
	perf, err := h.res.Query().TelecallerPerformance(r.Context(), from, to, tz, who)
	if err != nil {
		return result{}, err
	}
	return ok(perf)
}

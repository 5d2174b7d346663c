package rest

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// getNextLead serves GET /api/queue/next: the GraphQL nextLead query. data
// is null when nothing is callable now.
func (h *Handler) getNextLead(r *http.Request, _ url.Values) (result, error) {
	item, err := h.res.Query().NextLead(r.Context())
	if err != nil {
		return result{}, err
	}
	if item == nil {
		return ok(json.RawMessage("null"))
	}
	return ok(item)
}

// listFollowUps serves GET /api/follow-ups: the GraphQL myFollowUps query,
// with dates read in tz.
func (h *Handler) listFollowUps(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	tz, from, to := p.zonedRange()
	who := p.id("telecallerId")
	if p.err != nil {
		return result{}, p.err
	}
	a, err := h.res.Query().MyFollowUps(r.Context(), from, to, who, tz)
	if err != nil {
		return result{}, err
	}
	return ok(a)
}

// listDispositionRules serves GET /api/disposition-rules.
func (h *Handler) listDispositionRules(r *http.Request, _ url.Values) (result, error) {
	rules, err := h.res.Query().DispositionRules(r.Context())
	if err != nil {
		return result{}, err
	}
	return ok(rules)
}

// pathOutcome reads the {outcome} path segment (lower-case).
func pathOutcome(r *http.Request) (db.Outcome, error) {
	o, err := db.ParseEnum(db.Outcomes, r.PathValue("outcome"))
	if err != nil {
		return "", apperr.Invalid("outcome", msgOf(err))
	}
	return o, nil
}

// putDispositionRule serves PUT /api/disposition-rules/{outcome}: replaces
// the outcome's rule (managers and admins).
func (h *Handler) putDispositionRule(r *http.Request, _ url.Values) (result, error) {
	o, err := pathOutcome(r)
	if err != nil {
		return result{}, err
	}
	var in model.DispositionRuleInput
	if err := decodeJSON(r, &in); err != nil {
		return result{}, err
	}
	rule, err := h.res.Mutation().SetDispositionRule(r.Context(), o, in)
	if err != nil {
		return result{}, err
	}
	return ok(rule)
}

// deleteDispositionRule serves DELETE /api/disposition-rules/{outcome}:
// back to the built-in rule, which it answers with.
func (h *Handler) deleteDispositionRule(r *http.Request, _ url.Values) (result, error) {
	o, err := pathOutcome(r)
	if err != nil {
		return result{}, err
	}
	rule, err := h.res.Mutation().ResetDispositionRule(r.Context(), o)
	if err != nil {
		return result{}, err
	}
	return ok(rule)
}

// listPage reads limit (1–100, default 50) and page (≥ 1) as first and offset.
func listPage(p *params) (first, offset int) {
	limit := p.intIn("limit", 50, 1, 100)
	page := p.intIn("page", 1, 1, 1_000_000)
	return limit, (page - 1) * limit
}

// listDoNotCall serves GET /api/do-not-call (managers and admins).
func (h *Handler) listDoNotCall(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	first, offset := listPage(p)
	if p.err != nil {
		return result{}, p.err
	}
	items, err := h.res.Query().DoNotCallNumbers(r.Context(), &first, &offset)
	if err != nil {
		return result{}, err
	}
	return ok(items)
}

// doNotCallRequest is the body of POST /api/do-not-call.
type doNotCallRequest struct {
	Phone  string  `json:"phone"`
	Reason *string `json:"reason,omitempty"`
}

// addDoNotCall serves POST /api/do-not-call (managers and admins): 201.
func (h *Handler) addDoNotCall(r *http.Request, _ url.Values) (result, error) {
	var body doNotCallRequest
	if err := decodeJSON(r, &body); err != nil {
		return result{}, err
	}
	n, err := h.res.Mutation().AddDoNotCallNumber(r.Context(), body.Phone, body.Reason)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusCreated, data: n}, nil
}

// removeDoNotCall serves DELETE /api/do-not-call/{phone} (managers and admins).
func (h *Handler) removeDoNotCall(r *http.Request, _ url.Values) (result, error) {
	n, err := h.res.Mutation().RemoveDoNotCallNumber(r.Context(), r.PathValue("phone"))
	if err != nil {
		return result{}, err
	}
	return ok(n)
}

// listWebhooks serves GET /api/webhooks (managers and admins).
func (h *Handler) listWebhooks(r *http.Request, _ url.Values) (result, error) {
	subs, err := h.res.Query().WebhookSubscriptions(r.Context())
	if err != nil {
		return result{}, err
	}
	return ok(subs)
}

// createWebhook serves POST /api/webhooks (managers and admins): 201 with
// the signing secret, shown only here.
func (h *Handler) createWebhook(r *http.Request, _ url.Values) (result, error) {
	var in model.CreateWebhookSubscriptionInput
	if err := decodeJSON(r, &in); err != nil {
		return result{}, err
	}
	s, err := h.res.Mutation().CreateWebhookSubscription(r.Context(), in)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusCreated, data: s}, nil
}

// deleteWebhook serves DELETE /api/webhooks/{id} (managers and admins).
func (h *Handler) deleteWebhook(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	s, err := h.res.Mutation().DeleteWebhookSubscription(r.Context(), id)
	if err != nil {
		return result{}, err
	}
	return ok(s)
}

// listWebhookDeliveries serves GET /api/webhooks/{id}/deliveries: the
// delivery log, newest first (managers and admins).
func (h *Handler) listWebhookDeliveries(r *http.Request, q url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	p := &params{q: q}
	first, offset := listPage(p)
	status := enum(p, "status", db.WebhookDeliveryStatuses)
	if p.err != nil {
		return result{}, p.err
	}
	items, err := h.res.Query().WebhookDeliveries(r.Context(), id, status, &first, &offset)
	if err != nil {
		return result{}, err
	}
	return ok(items)
}

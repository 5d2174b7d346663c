package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// bulkRequest is the body of POST /api/leads/bulk. Each lead is decoded as
// strictly as the body of POST /api/leads, so errors name leads[i].field.
type bulkRequest struct {
	Leads  []json.RawMessage      `json:"leads"`
	Mode   *db.BulkMode           `json:"mode,omitempty"`
	DryRun *bool                  `json:"dryRun,omitempty"`
	Assign *model.AutoAssignInput `json:"assign,omitempty"`
}

// bulkCreateLeads serves POST /api/leads/bulk: up to 1000 leads created,
// upserted or skipped in one transaction, with a result per row (a bad row
// never sinks the good ones). A malformed lead (unknown field, wrong type,
// bad enum value) fails the whole request with 400 naming leads[i].field,
// as it fails the GraphQL mutation. FORBIDDEN for telecallers.
func (h *Handler) bulkCreateLeads(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	dryQuery := p.boolean("dryRun")
	if p.err != nil {
		return result{}, p.err
	}
	var body bulkRequest
	if err := decodeJSON(r, &body); err != nil {
		return result{}, err
	}
	dryRun, err := dryRunOf(dryQuery, body.DryRun)
	if err != nil {
		return result{}, err
	}
	leads := make([]*model.CreateLeadInput, len(body.Leads))
	for i, raw := range body.Leads {
		leads[i] = &model.CreateLeadInput{}
		if err := decodeNested(fmt.Sprintf("leads[%d]", i), raw, leads[i]); err != nil {
			return result{}, err
		}
	}
	mode := db.BulkCreate
	if body.Mode != nil {
		mode = *body.Mode
	}
	res, err := h.res.Mutation().BulkCreateLeads(r.Context(), leads, mode, dryRun, body.Assign)
	if err != nil {
		return result{}, err
	}
	return ok(res)
}

// dryRunOf merges the dryRun query parameter with the body field: either
// may be given, both only when they agree.
func dryRunOf(query, body *bool) (bool, error) {
	switch {
	case query != nil && body != nil && *query != *body:
		return false, apperr.Invalid("dryRun", "differs between the query string and the body")
	case query != nil:
		return *query, nil
	case body != nil:
		return *body, nil
	}
	return false, nil
}

// assignRequest is the body of POST /api/leads/bulk-assign: leadIds or a
// filter, and assigneeIds (or one assigneeId).
type assignRequest struct {
	LeadIDs     []uuid.UUID        `json:"leadIds,omitempty"`
	Filter      json.RawMessage    `json:"filter,omitempty"`
	AssigneeIDs []uuid.UUID        `json:"assigneeIds,omitempty"`
	AssigneeID  *uuid.UUID         `json:"assigneeId,omitempty"`
	Strategy    *db.AssignStrategy `json:"strategy,omitempty"`
}

// bulkAssignLeads serves POST /api/leads/bulk-assign: the leads named by
// leadIds, or selected by filter (the GraphQL LeadFilter with lower-case
// enums), assigned across the assignees with the strategy (round_robin by
// default, or least_loaded). FORBIDDEN for
// telecallers; VALIDATION_ERROR naming leadIds, filter.<field>,
// assigneeIds or assigneeId.
func (h *Handler) bulkAssignLeads(r *http.Request, _ url.Values) (result, error) {
	var body assignRequest
	if err := decodeJSON(r, &body); err != nil {
		return result{}, err
	}
	var filter *model.LeadFilter
	if len(body.Filter) > 0 && string(body.Filter) != "null" {
		filter = &model.LeadFilter{}
		if err := decodeNested("filter", body.Filter, filter); err != nil {
			return result{}, err
		}
	}
	assignees := body.AssigneeIDs
	if body.AssigneeID != nil {
		if assignees != nil {
			return result{}, apperr.Invalid("assigneeId", "give assigneeIds or assigneeId, not both")
		}
		assignees = []uuid.UUID{*body.AssigneeID}
	}
	res, err := h.res.Mutation().AssignLeads(r.Context(), body.LeadIDs, filter, assignees, body.Strategy)
	if err != nil {
		if filter != nil && isFilterField(err) {
			return result{}, underPath("filter", err)
		}
		return result{}, err
	}
	return ok(res)
}

// filterFields are the json names of LeadFilter's fields.
var filterFields = jsonFields(reflect.ValueOf(&model.LeadFilter{}).Elem())

// isFilterField tells whether the resolver's VALIDATION_ERROR is about a
// field of the filter, which it names without the filter. prefix.
func isFilterField(err error) bool {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Validation {
		return false
	}
	_, in := filterFields[e.Field]
	return in
}

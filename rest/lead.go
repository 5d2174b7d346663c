package rest

import (
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// createLead serves POST /api/leads (seed: "Create Lead"): 201 with the new
// lead, its ETag and Location.
func (h *Handler) createLead(r *http.Request, _ url.Values) (result, error) {
	var in model.CreateLeadInput
	if err := decodeJSON(r, &in); err != nil {
		return result{}, err
	}
	lead, err := h.res.Mutation().CreateLead(r.Context(), in)
	res, err := leadResult(http.StatusCreated, lead, err)
	if err == nil {
		res.headers["Location"] = "/api/leads/" + lead.ID.String()
	}
	return res, err
}

// getLead serves GET /api/leads/{id}. NOT_FOUND also for leads outside the
// caller's scope.
func (h *Handler) getLead(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	lead, err := h.res.Query().Lead(r.Context(), id)
	return leadResult(http.StatusOK, lead, err)
}

// leadPatch is the body of PATCH and PUT /api/leads/{id}: the fields to
// change (omitted fields are left alone, null clears a nullable one) and,
// instead of If-Match, the version the change is based on.
type leadPatch struct {
	model.UpdateLeadInput
	Version *int `json:"version,omitempty"`
}

// updateLead serves PATCH and PUT /api/leads/{id} (seed: "Update Lead"), both
// as a partial update. The version from If-Match or the body makes it
// conditional: CONFLICT (field "version") when the lead moved on.
func (h *Handler) updateLead(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	version, err := ifMatch(r)
	if err != nil {
		return result{}, err
	}
	var body leadPatch
	if err := decodeJSON(r, &body); err != nil {
		return result{}, err
	}
	if v := body.Version; v != nil {
		if *v < 1 {
			return result{}, apperr.Invalid("version", "must be a positive integer")
		}
		if version != nil && *version != *v {
			return result{}, apperr.Invalid("version", "differs from the If-Match header")
		}
		version = v
	}
	lead, err := h.res.Mutation().UpdateLead(r.Context(), id, body.UpdateLeadInput, version)
	return leadResult(http.StatusOK, lead, err)
}

// deleteLead serves DELETE /api/leads/{id}: a soft delete by a manager or
// admin, answering with the deleted lead. FORBIDDEN for telecallers.
func (h *Handler) deleteLead(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	lead, err := h.res.Mutation().DeleteLead(r.Context(), id)
	return leadResult(http.StatusOK, lead, err)
}

// restoreLead serves POST /api/leads/{id}/restore: brings a soft-deleted
// lead back (managers and admins).
func (h *Handler) restoreLead(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	lead, err := h.res.Mutation().RestoreLead(r.Context(), id)
	return leadResult(http.StatusOK, lead, err)
}

// leadResult answers with one lead and its version as ETag.
func leadResult(status int, lead *db.Lead, err error) (result, error) {
	if err != nil {
		return result{}, err
	}
	if lead == nil {
		return result{}, apperr.New(apperr.NotFound, "Lead not found.")
	}
	return result{status: status, data: lead, headers: map[string]string{"ETag": etag(lead.Version)}}, nil
}

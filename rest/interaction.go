package rest

import (
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// createLeadInteraction serves POST /api/leads/{id}/interactions (seed:
// "Create Interaction"): logs an interaction on the lead in the path and
// answers 201 with it. A leadId in the body, optional, must be that lead.
func (h *Handler) createLeadInteraction(r *http.Request, _ url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	in := model.CreateInteractionInput{LeadID: id}
	if err := decodeJSON(r, &in); err != nil {
		return result{}, err
	}
	if in.LeadID != id {
		return result{}, apperr.Invalid("leadId", "must be the lead in the path, or left out")
	}
	it, err := h.res.Mutation().CreateInteraction(r.Context(), in)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusCreated, data: it}, nil
}

// listLeadInteractions serves GET /api/leads/{id}/interactions (seed: "Get
// Lead Interactions"): newest first, by page number or cursor, optionally
// of some types only.
func (h *Handler) listLeadInteractions(r *http.Request, q url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	p := &params{q: q}
	pr := p.paging()
	types := enumList(p, "type", db.InteractionTypes)
	if p.err != nil {
		return result{}, p.err
	}
	ctx := r.Context()
	conn, err := h.res.Query().LeadInteractions(ctx, id, &pr.limit, pr.cursor, pr.offset(), types)
	if err != nil {
		return result{}, asParam(err)
	}
	pg, err := paginate(pr, len(conn.Edges), conn.PageInfo, func() (int, bool, error) {
		n, err := h.res.InteractionConnection().TotalCount(ctx, conn)
		return n, false, err
	})
	if err != nil {
		return result{}, err
	}
	items := make([]*db.Interaction, len(conn.Edges))
	for i, e := range conn.Edges {
		items[i] = e.Node
	}
	return result{status: http.StatusOK, data: items, pagination: pg}, nil
}

package rest

import (
	"net/http"
	"net/url"

	"github.com/telecaller-crm/api/db"
)

// listLeadEvents serves GET /api/leads/{id}/events: the lead's audit trail,
// newest first, by page number or cursor, to whoever may read the lead.
func (h *Handler) listLeadEvents(r *http.Request, q url.Values) (result, error) {
	id, err := pathID(r)
	if err != nil {
		return result{}, err
	}
	p := &params{q: q}
	pr := p.paging()
	if p.err != nil {
		return result{}, p.err
	}
	ctx := r.Context()
	lead, err := h.res.Query().Lead(ctx, id)
	if err != nil {
		return result{}, err
	}
	conn, err := h.res.Lead().Timeline(ctx, lead, &pr.limit, pr.cursor, pr.offset())
	if err != nil {
		return result{}, asParam(err)
	}
	pg, err := paginate(pr, len(conn.Edges), conn.PageInfo, func() (int, bool, error) {
		n, err := h.res.LeadEventConnection().TotalCount(ctx, conn)
		return n, false, err
	})
	if err != nil {
		return result{}, err
	}
	items := make([]*db.LeadEvent, len(conn.Edges))
	for i, e := range conn.Edges {
		items[i] = e.Node
	}
	return result{status: http.StatusOK, data: items, pagination: pg}, nil
}

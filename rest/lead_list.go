package rest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// listLeads serves GET /api/leads (seed: "Get Leads"): the leads visible to
// the caller, filtered and sorted, by page number or cursor.
func (h *Handler) listLeads(r *http.Request, q url.Values) (result, error) {
	p := &params{q: q}
	pr := p.paging()
	filter := leadFilter(p)
	order := leadOrder(p)
	if p.err != nil {
		return result{}, p.err
	}
	ctx := r.Context()
	conn, err := h.res.Query().Leads(ctx, &pr.limit, pr.cursor, nil, nil, pr.offset(), filter, order)
	if err != nil {
		return result{}, asParam(err)
	}
	pg, err := paginate(pr, len(conn.Edges), conn.PageInfo, func() (int, bool, error) {
		c, err := conn.Total.Get(ctx)
		return c.N, c.Estimate, err
	})
	if err != nil {
		return result{}, err
	}
	leads := make([]*db.Lead, len(conn.Edges))
	for i, e := range conn.Edges {
		leads[i] = e.Node
	}
	return result{status: http.StatusOK, data: leads, pagination: pg}, nil
}

// leadFilter reads the filter parameters. The resolver checks what needs
// the caller (assignedTo=me) or several values (createdFrom < createdTo).
func leadFilter(p *params) *model.LeadFilter {
	return &model.LeadFilter{
		Status:      enumList(p, "status", db.LeadStatuses),
		Source:      enumList(p, "source", db.LeadSources),
		Priority:    enumList(p, "priority", db.LeadPriorities),
		AssignedTo:  p.str("assignedTo"),
		Tag:         p.str("tag"),
		Search:      p.str("search"),
		CreatedFrom: p.instant("createdFrom", false),
		CreatedTo:   p.instant("createdTo", true),
		FollowUpDue: p.boolean("followUpDue"),
	}
}

// leadOrder reads sort: a field name, prefixed with "-" for descending.
// Absent means the resolver's default, newest first (-createdAt).
func leadOrder(p *params) *model.LeadOrder {
	s := p.str("sort")
	if s == nil {
		return nil
	}
	o := &model.LeadOrder{Direction: model.SortDirectionAsc}
	name, desc := strings.CutPrefix(*s, "-")
	if desc {
		o.Direction = model.SortDirectionDesc
	}
	switch name {
	case "createdAt":
		o.Field = model.LeadSortFieldCreatedAt
	case "updatedAt":
		o.Field = model.LeadSortFieldUpdatedAt
	case "name":
		o.Field = model.LeadSortFieldName
	case "nextFollowUpAt":
		o.Field = model.LeadSortFieldNextFollowUpAt
	case "priority":
		o.Field = model.LeadSortFieldPriority
	default:
		p.fail("sort", "must be one of createdAt, updatedAt, name, nextFollowUpAt, priority, each optionally prefixed with - for descending order")
		return nil
	}
	return o
}

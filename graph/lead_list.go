package graph

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

var sortFields = map[model.LeadSortField]db.LeadSort{
	model.LeadSortFieldCreatedAt:      db.SortCreatedAt,
	model.LeadSortFieldUpdatedAt:      db.SortUpdatedAt,
	model.LeadSortFieldName:           db.SortName,
	model.LeadSortFieldNextFollowUpAt: db.SortNextFollowUpAt,
	model.LeadSortFieldPriority:       db.SortPriority,
}

// leadCriteria turns a LeadFilter into a query for p, adding p's scope.
// Returns VALIDATION_ERROR naming the filter field at fault, or FORBIDDEN for
// a telecaller asking for deleted leads.
func (r *Resolver) leadCriteria(p *auth.Principal, f *model.LeadFilter) (db.LeadCriteria, error) {
	c := db.LeadCriteria{Scope: leadScope(p)}
	if f == nil {
		return c, nil
	}
	c.Statuses, c.Sources, c.Priorities = f.Status, f.Source, f.Priority
	if f.AssignedTo != nil {
		a, err := parseAssignedTo(p, *f.AssignedTo)
		if err != nil {
			return c, err
		}
		c.AssignedTo, c.Unassigned = a.AssignedTo, a.Unassigned
	}
	if f.Tag != nil {
		t := strings.TrimSpace(*f.Tag)
		if err := checkNUL("tag", t); err != nil {
			return c, err
		}
		c.Tag = &t
	}
	if f.Search != nil {
		s := strings.TrimSpace(*f.Search)
		if len(s) > maxSearchLen {
			return c, apperr.Invalid("search", "must be at most 200 characters")
		}
		if err := checkNUL("search", s); err != nil {
			return c, err
		}
		if s != "" {
			c.Search = &s
		}
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedFrom.Before(*f.CreatedTo) {
		return c, apperr.Invalid("createdTo", "must be after createdFrom")
	}
	c.CreatedFrom, c.CreatedTo = f.CreatedFrom, f.CreatedTo
	if f.FollowUpDue != nil && *f.FollowUpDue {
		now := r.now()
		c.FollowUpDue = &now
	}
	if f.Deleted != nil && *f.Deleted {
		if err := requireManager(p, "list deleted leads"); err != nil {
			return c, err
		}
		c.OnlyDeleted = true
	}
	return c, nil
}

// parseAssignedTo reads an assignedTo filter: a user id, "me" or "unassigned".
func parseAssignedTo(p *auth.Principal, v string) (db.LeadCriteria, error) {
	var c db.LeadCriteria
	switch v = strings.TrimSpace(v); strings.ToLower(v) {
	case "me":
		c.AssignedTo = &p.UserID
	case "unassigned":
		c.Unassigned = true
	default:
		id, err := uuid.Parse(v)
		if err != nil {
			return c, apperr.Invalid("assignedTo", `must be a user id, "me" or "unassigned"`)
		}
		c.AssignedTo = &id
	}
	return c, nil
}

// leadWindow checks the paging arguments and builds the page request.
func leadWindow(first *int, after *string, last *int, before *string, offset *int, order *model.LeadOrder) (db.LeadPage, error) {
	p := db.LeadPage{Sort: db.SortCreatedAt, Desc: true}
	if order != nil {
		s, ok := sortFields[order.Field]
		if !ok {
			return p, apperr.Invalid("orderBy", "unknown sort field")
		}
		p.Sort, p.Desc = s, order.Direction != model.SortDirectionAsc
	}
	if first != nil && last != nil {
		return p, apperr.Invalid("last", "cannot be combined with first")
	}
	if after != nil && before != nil {
		return p, apperr.Invalid("before", "cannot be combined with after")
	}
	var err error
	if last != nil || before != nil {
		if offset != nil {
			return p, apperr.Invalid("offset", "cannot be combined with last or before")
		}
		if p.Limit, err = pageSize("last", last); err != nil {
			return p, err
		}
		p.Backward = true
	} else if p.Limit, err = pageSize("first", first); err != nil {
		return p, err
	}
	if p.Offset, err = pageOffset(offset); err != nil {
		return p, err
	}
	if after != nil {
		if p.After, err = db.DecodeCursor("after", *after, p.Sort, p.Desc); err != nil {
			return p, err
		}
	}
	if before != nil {
		if p.Before, err = db.DecodeCursor("before", *before, p.Sort, p.Desc); err != nil {
			return p, err
		}
	}
	return p, nil
}

// leadConnection fetches one page and wraps it as a Relay connection.
func (r *Resolver) leadConnection(ctx context.Context, c db.LeadCriteria, p db.LeadPage) (*model.LeadConnection, error) {
	leads, more, err := db.FindLeads(ctx, r.Settings.ListDB, c, p)
	if err != nil {
		return nil, err
	}
	r.prefetchLeadFields(ctx, leads)
	conn := &model.LeadConnection{Edges: make([]*model.LeadEdge, len(leads)), PageInfo: &model.PageInfo{}, Filter: c}
	conn.Total = model.NewLeadTotal(func(ctx context.Context) (db.LeadCount, error) {
		return db.CountLeadsUpTo(ctx, r.Settings.ListDB, c, r.Settings.ExactCountLimit)
	})
	for i, l := range leads {
		conn.Edges[i] = &model.LeadEdge{Cursor: db.LeadCursor(l, p.Sort, p.Desc), Node: l}
	}
	if p.Backward {
		conn.PageInfo.HasPreviousPage, conn.PageInfo.HasNextPage = more, p.Before != nil
	} else {
		conn.PageInfo.HasNextPage, conn.PageInfo.HasPreviousPage = more, p.After != nil || p.Offset > 0
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

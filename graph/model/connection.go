// Package model holds the GraphQL types that are not database rows:
// connections, inputs and filters.
package model

import (
	"context"
	"github.com/google/uuid"
	"sync"

	"github.com/telecaller-crm/api/db"
)

// LeadConnection is a page of leads. It keeps the filter so totalCount can be
// computed only when a client asks for it.
type LeadConnection struct {
	Edges    []*LeadEdge     `json:"edges"`
	PageInfo *PageInfo       `json:"pageInfo"`
	Filter   db.LeadCriteria `json:"-"`
	// Total counts the matches once for totalCount and
	// totalCountIsEstimate alike.
	Total *LeadTotal `json:"-"`
}

// LeadTotal computes a connection's total on first use and remembers it.
type LeadTotal struct {
	once  sync.Once
	count func(context.Context) (db.LeadCount, error)
	n     db.LeadCount
	err   error
}

// NewLeadTotal returns a total computed by count, at most once.
func NewLeadTotal(count func(context.Context) (db.LeadCount, error)) *LeadTotal {
	return &LeadTotal{count: count}
}

// Get returns the total, counting on the first call.
func (t *LeadTotal) Get(ctx context.Context) (db.LeadCount, error) {
	t.once.Do(func() { t.n, t.err = t.count(ctx) })
	return t.n, t.err
}

// InteractionConnection is a page of a lead's interactions.
type InteractionConnection struct {
	Edges    []*InteractionEdge   `json:"edges"`
	PageInfo *PageInfo            `json:"pageInfo"`
	Filter   db.InteractionFilter `json:"-"`
}

// LeadEventConnection is a page of a lead's audit trail. It keeps the lead
// id so totalCount can be computed only when a client asks for it.
type LeadEventConnection struct {
	Edges    []*LeadEventEdge `json:"edges"`
	PageInfo *PageInfo        `json:"pageInfo"`
	LeadID   uuid.UUID        `json:"-"`
}

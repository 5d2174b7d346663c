// Package model holds the GraphQL types that are not database rows:
// connections, inputs and filters.
package model

import (
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// LeadConnection is a page of leads. It keeps the filter so totalCount can be
// computed only when a client asks for it.
type LeadConnection struct {
	Edges    []*LeadEdge     `json:"edges"`
	PageInfo *PageInfo       `json:"pageInfo"`
	Filter   db.LeadCriteria `json:"-"`
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

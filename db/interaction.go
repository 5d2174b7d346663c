package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Interaction is one touch with a lead: a call, a message, a meeting or a note.
type Interaction struct {
	bun.BaseModel `bun:"table:interactions,alias:i" json:"-"`

	ID              uuid.UUID       `bun:"id,pk,type:uuid" json:"id"`
	LeadID          uuid.UUID       `bun:"lead_id,type:uuid" json:"leadId"`
	TelecallerID    uuid.UUID       `bun:"telecaller_id,type:uuid" json:"telecallerId"`
	Type            InteractionType `bun:"type" json:"type"`
	Direction       Direction       `bun:"direction" json:"direction"`
	Outcome         *Outcome        `bun:"outcome" json:"outcome"`
	DurationSeconds int             `bun:"duration_seconds" json:"durationSeconds"`
	Notes           *string         `bun:"notes" json:"notes"`
	FollowUpAt      *time.Time      `bun:"follow_up_at" json:"followUpAt"`
	StatusAfter     *LeadStatus     `bun:"status_after" json:"statusAfter"`
	// FollowedUpAt is when the lead was next contacted (not a note) after an
	// interaction that booked a follow-up; the database keeps it.
	FollowedUpAt *time.Time `bun:"followed_up_at" json:"-"`
	OccurredAt   time.Time  `bun:"occurred_at" json:"occurredAt"`
	CreatedAt    time.Time  `bun:"created_at,nullzero,default:current_timestamp" json:"createdAt"`
}

// InsertInteraction stores i, setting its id when unset. It does not touch
// the lead: callers run it inside the transaction that updates the lead.
func InsertInteraction(ctx context.Context, idb bun.IDB, i *Interaction) error {
	if i.ID == uuid.Nil {
		i.ID = uuid.Must(uuid.NewV7())
	}
	_, err := idb.NewInsert().Model(i).Returning("*").Exec(ctx)
	return formatError(err, "Interaction")
}

// LeadContact is what logging an interaction changes on its lead.
type LeadContact struct {
	ContactedAt    time.Time
	NextFollowUpAt *time.Time
	// ClearFollowUp drops the lead's follow-up: this contact completed it.
	ClearFollowUp bool
	// Outreach marks a real contact (not a note): it may be the first.
	Outreach bool
	Status   *LeadStatus
	// SetRetry sets retry_at, before which the call queue does not offer
	// the lead again, to Retry (nil clears it).
	SetRetry bool
	Retry    *time.Time
}

// RecordContact bumps a lead's attempt count and version, moves
// last_contacted_at forward, and sets the follow-up and status when given.
func RecordContact(ctx context.Context, idb bun.IDB, leadID uuid.UUID, c LeadContact) (*Lead, error) {
	l := &Lead{ID: leadID}
	q := idb.NewUpdate().Model(l).
		Set("attempt_count = l.attempt_count + 1").
		Set("last_contacted_at = greatest(l.last_contacted_at, ?)", c.ContactedAt).
		Set("version = l.version + 1").
		Set("updated_at = now()").
		Where("l.id = ?", leadID).
		Returning("*")
	if c.NextFollowUpAt != nil {
		q = q.Set("next_follow_up_at = ?", *c.NextFollowUpAt)
	} else if c.ClearFollowUp {
		q = q.Set("next_follow_up_at = NULL")
	}
	if c.Status != nil {
		q = q.Set("status = ?", *c.Status)
		if *c.Status == StatusConverted {
			q = q.Set("converted_at = coalesce(l.converted_at, ?)", c.ContactedAt)
		}
	}
	if c.Outreach {
		q = q.Set("first_contacted_at = least(coalesce(l.first_contacted_at, ?), ?)", c.ContactedAt, c.ContactedAt)
	}
	if c.SetRetry {
		q = q.Set("retry_at = ?", c.Retry)
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, formatError(err, "Lead")
	}
	return l, nil
}

// InteractionFilter selects a lead's interactions.
type InteractionFilter struct {
	LeadID uuid.UUID
	Types  []InteractionType
}

func (f InteractionFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	q = q.Where("i.lead_id = ?", f.LeadID)
	if len(f.Types) > 0 {
		q = q.Where("i.type IN (?)", bun.In(f.Types))
	}
	return q
}

// InteractionCursor is a keyset position in a newest-first interaction list.
type InteractionCursor struct {
	OccurredAt time.Time `json:"t"`
	ID         uuid.UUID `json:"i"`
}

// FindInteractions returns a newest-first page of a lead's interactions after
// the cursor (or skipping offset rows), and whether more follow.
func FindInteractions(ctx context.Context, idb bun.IDB, f InteractionFilter, after *InteractionCursor, limit, offset int) ([]*Interaction, bool, error) {
	var items []*Interaction
	q := f.apply(idb.NewSelect().Model(&items)).
		OrderExpr("i.occurred_at DESC, i.id DESC").
		Limit(int64(limit + 1))
	if after != nil {
		q = q.Where("(i.occurred_at, i.id) < (?, ?)", after.OccurredAt, after.ID)
	}
	if offset > 0 {
		q = q.Offset(int64(offset))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, formatError(err, "Interaction")
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	return items, more, nil
}

// CountInteractions counts a lead's interactions matching f.
func CountInteractions(ctx context.Context, idb bun.IDB, f InteractionFilter) (int, error) {
	n, err := f.apply(idb.NewSelect().Model((*Interaction)(nil))).Count(ctx)
	return int(n), formatError(err, "Interaction")
}

// FindRecentInteractions returns up to n newest interactions of each lead in
// one query, grouped by lead id.
func FindRecentInteractions(ctx context.Context, idb bun.IDB, leadIDs []uuid.UUID, n int) (map[uuid.UUID][]*Interaction, error) {
	var items []*Interaction
	err := idb.NewSelect().
		TableExpr("unnest(?::uuid[]) AS ids(lead_id)", pgdialectUUIDs(leadIDs)).
		ColumnExpr("i.*").
		Join("CROSS JOIN LATERAL (SELECT * FROM interactions AS i0 WHERE i0.lead_id = ids.lead_id ORDER BY i0.occurred_at DESC, i0.id DESC LIMIT ?) AS i", n).
		OrderExpr("i.lead_id, i.occurred_at DESC, i.id DESC").
		Scan(ctx, &items)
	if err != nil {
		return nil, formatError(err, "Interaction")
	}
	out := make(map[uuid.UUID][]*Interaction, len(leadIDs))
	for _, it := range items {
		out[it.LeadID] = append(out[it.LeadID], it)
	}
	return out, nil
}

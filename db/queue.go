package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// QueueItem is the lead the call queue offers, and why.
type QueueItem struct {
	Lead   *Lead       `json:"lead"`
	Reason QueueReason `json:"reason"`
	// TimeZone is the IANA zone the calling hours were checked in.
	TimeZone string `json:"timeZone"`
	// LocalTime is the lead's local clock time (HH:MM) when it was offered.
	LocalTime string `json:"localTime"`
}

// QueueLead is a callable lead with its queue tier.
type QueueLead struct {
	Lead `bun:",extend"`
	// Tier: 0 a due follow-up, 1 a new lead, 2 any other open lead.
	Tier int `bun:"queue_tier"`
}

// Reason names the tier.
func (q *QueueLead) Reason() QueueReason {
	switch q.Tier {
	case 0:
		return QueueFollowUpDue
	case 1:
		return QueueNewLead
	}
	return QueueRetry
}

// QueueFilter selects the leads the call queue may offer at Now.
type QueueFilter struct {
	// AssignedTo selects one telecaller's leads; nil selects unassigned leads.
	AssignedTo *uuid.UUID
	Now        time.Time
	// Lock takes row locks, skipping rows other transactions hold.
	Lock bool
}

// FindQueueLeads returns a page of callable leads in queue order: due
// follow-ups (oldest due first), then new leads (highest priority, then
// oldest first), then other open leads (least recently contacted first).
// Callable means live, open (not converted, lost, not interested or do not
// call), with a phone that is not on the do-not-call list, past its retry
// time and without a follow-up booked for later. Calling hours are the
// caller's to check.
func FindQueueLeads(ctx context.Context, idb bun.IDB, f QueueFilter, limit, offset int) ([]*QueueLead, error) {
	var rows []*QueueLead
	q := idb.NewSelect().Model(&rows).
		ColumnExpr("l.*").
		ColumnExpr("CASE WHEN l.next_follow_up_at <= ? THEN 0 WHEN l.status = 'new' THEN 1 ELSE 2 END AS queue_tier", f.Now).
		Where("l.deleted_at IS NULL").
		Where("l.status IN (?)", bun.In(openStatuses)).
		Where("l.phone_e164 IS NOT NULL").
		Where("(l.retry_at IS NULL OR l.retry_at <= ?)", f.Now).
		Where("(l.next_follow_up_at IS NULL OR l.next_follow_up_at <= ?)", f.Now).
		Where("NOT EXISTS (SELECT 1 FROM do_not_call_numbers AS dnc WHERE dnc.phone_e164 = l.phone_e164)").
		OrderExpr("queue_tier").
		OrderExpr("l.next_follow_up_at ASC NULLS LAST").
		OrderExpr("CASE WHEN l.status = 'new' THEN " + priorityRank + " END DESC NULLS LAST").
		OrderExpr("l.last_contacted_at ASC NULLS FIRST").
		OrderExpr("l.created_at, l.id").
		Limit(int64(limit)).Offset(int64(offset))
	if f.AssignedTo != nil {
		q = q.Where("l.assigned_to = ?", *f.AssignedTo)
	} else {
		q = q.Where("l.assigned_to IS NULL")
	}
	if f.Lock {
		q = q.For("UPDATE OF l SKIP LOCKED")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, formatError(err, "Lead")
	}
	return rows, nil
}

// ClaimLead assigns an unassigned lead to a telecaller. Returns NOT_FOUND
// when someone else claimed it first.
func ClaimLead(ctx context.Context, idb bun.IDB, leadID, telecallerID uuid.UUID) (*Lead, error) {
	l := &Lead{ID: leadID}
	res, err := idb.NewUpdate().Model(l).
		Set("assigned_to = ?", telecallerID).
		Set("version = l.version + 1").
		Set("updated_at = now()").
		Where("l.id = ?", leadID).Where("l.assigned_to IS NULL").Where("l.deleted_at IS NULL").
		Returning("*").Exec(ctx)
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, apperr.New(apperr.NotFound, "Lead not found.")
	}
	return l, nil
}

// FollowUpFilter selects leads with a follow-up booked in [From, To).
type FollowUpFilter struct {
	AssignedTo *uuid.UUID
	From, To   time.Time
}

// FindFollowUps returns up to limit open, live leads with a follow-up in
// [From, To), soonest first.
func FindFollowUps(ctx context.Context, idb bun.IDB, f FollowUpFilter, limit int) ([]*Lead, error) {
	var leads []*Lead
	q := idb.NewSelect().Model(&leads).
		Where("l.deleted_at IS NULL").
		Where("l.status IN (?)", bun.In(openStatuses)).
		Where("l.next_follow_up_at >= ? AND l.next_follow_up_at < ?", f.From, f.To).
		OrderExpr("l.next_follow_up_at, l.id").Limit(int64(limit))
	if f.AssignedTo != nil {
		q = q.Where("l.assigned_to = ?", *f.AssignedTo)
	}
	err := q.Scan(ctx)
	return leads, formatError(err, "Lead")
}

package db

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
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
}

// FindQueueLeads returns a page of callable leads in queue order: due
// follow-ups (oldest due first), then new leads (highest priority, then
// oldest first), then other open leads (least recently contacted first).
// Callable means live, open (not converted, lost, not interested or do not
// call), with a phone that is not on the do-not-call list, past its retry
// time and without a follow-up booked for later. Calling hours are the
// caller's to check. Each tier is one index-ordered scan (migration 6)
// that stops after offset+limit rows.
func FindQueueLeads(ctx context.Context, idb bun.IDB, f QueueFilter, limit, offset int) ([]*QueueLead, error) {
	// The nil uuid stands for "unassigned", as in the queue indexes.
	const who = "coalesce(l.assigned_to, '00000000-0000-0000-0000-000000000000'::uuid) = ?"
	owner := uuid.Nil
	if f.AssignedTo != nil {
		owner = *f.AssignedTo
	}
	var args []any
	branch := func(tier int, cond, order string, condArgs ...any) string {
		args = append(args, owner)
		args = append(args, f.Now)
		args = append(args, condArgs...)
		args = append(args, limit+offset)
		return fmt.Sprintf(`(SELECT l.*, %d AS queue_tier FROM leads AS l
			WHERE %s AND l.deleted_at IS NULL AND l.phone_e164 IS NOT NULL
			AND (l.retry_at IS NULL OR l.retry_at <= ?) AND %s
			AND NOT EXISTS (SELECT 1 FROM do_not_call_numbers AS dnc WHERE dnc.phone_e164 = l.phone_e164)
			ORDER BY %s LIMIT ?)`, tier, who, cond, order)
	}
	b0 := branch(0, "l.status IN ('new', 'contacted', 'interested', 'follow_up', 'qualified') AND l.next_follow_up_at <= ?",
		"l.next_follow_up_at, l.created_at, l.id", f.Now)
	b1 := branch(1, "l.status = 'new' AND l.next_follow_up_at IS NULL",
		priorityRank+" DESC, l.created_at, l.id")
	b2 := branch(2, "l.status IN ('contacted', 'interested', 'follow_up', 'qualified') AND l.next_follow_up_at IS NULL",
		"l.last_contacted_at ASC NULLS FIRST, l.created_at, l.id")
	args = append(args, limit, offset)
	q := `SELECT * FROM (` + b0 + ` UNION ALL ` + b1 + ` UNION ALL ` + b2 + `) AS l
		ORDER BY l.queue_tier, l.next_follow_up_at NULLS LAST,
			CASE WHEN l.queue_tier = 1 THEN ` + priorityRank + ` END DESC NULLS LAST,
			l.last_contacted_at ASC NULLS FIRST, l.created_at, l.id
		LIMIT ? OFFSET ?`
	var rows []*QueueLead
	if err := idb.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, formatError(err, "Lead")
	}
	return rows, nil
}

// ClaimFirstLead assigns to a telecaller the first of the candidate leads
// (in the order given) that is still unassigned, live and open, in one
// statement that locks only that lead and skips leads other transactions
// are claiming (FOR UPDATE SKIP LOCKED). Returns nil when none is left.
func ClaimFirstLead(ctx context.Context, idb bun.IDB, candidates []uuid.UUID, telecallerID uuid.UUID) (*Lead, error) {
	l := new(Lead)
	err := idb.NewRaw(`WITH pick AS (
			SELECT l.id FROM leads AS l
			JOIN unnest(?::uuid[]) WITH ORDINALITY AS c(id, n) ON c.id = l.id
			WHERE l.assigned_to IS NULL AND l.deleted_at IS NULL AND l.status IN (?)
			ORDER BY c.n LIMIT 1
			FOR UPDATE OF l SKIP LOCKED)
		UPDATE leads AS l SET assigned_to = ?, version = l.version + 1, updated_at = now()
		FROM pick WHERE l.id = pick.id
		RETURNING l.*`, pgdialectUUIDs(candidates), bun.In(openStatuses), telecallerID).Scan(ctx, l)
	if err != nil {
		if err = formatError(err, "Lead"); isNotFound(err) {
			return nil, nil
		}
		return nil, err
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

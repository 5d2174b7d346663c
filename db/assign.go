package db

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// openStatuses are the statuses of leads still being worked: they count as
// an assignee's load and may be offered by the call queue.
var openStatuses = []LeadStatus{StatusNew, StatusContacted, StatusInterested, StatusFollowUp, StatusQualified}

// AssignLeads assigns the live leads with the given ids (in that order)
// with the strategy. Round-robin continues after the assignee that got the
// last lead of the previous round-robin over the same set of assignees
// (whatever their order), so repeated small batches stay fair; least-loaded
// gives each lead to the assignee with the fewest open leads at that point
// (ties: the order given). Concurrent assignments over the same assignees
// are serialised by a row lock. Call it inside a transaction.
func AssignLeads(ctx context.Context, tx bun.Tx, leadIDs, assignees []uuid.UUID, strategy AssignStrategy) (*BulkAssignResult, error) {
	if len(leadIDs) == 0 || len(assignees) == 0 {
		return AssignLeadsRoundRobin(ctx, tx, nil, assignees)
	}
	// Lock the assignees' user rows in a fixed order: concurrent assignments
	// over overlapping sets queue up instead of reading stale loads or cursors.
	sorted := slices.Clone(assignees)
	slices.SortFunc(sorted, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	if _, err := tx.NewSelect().Model((*User)(nil)).Column("u.id").Where("u.id IN (?)", bun.In(sorted)).
		OrderExpr("u.id").For("UPDATE").Exec(ctx); err != nil {
		return nil, formatError(err, "User")
	}
	leadIDs, err := liveLeadIDs(ctx, tx, leadIDs)
	if err != nil {
		return nil, err
	}
	if len(leadIDs) == 0 {
		return AssignLeadsRoundRobin(ctx, tx, nil, assignees)
	}
	var order []uuid.UUID
	if strategy == AssignLeastLoaded {
		order, err = leastLoadedOrder(ctx, tx, len(leadIDs), assignees)
	} else {
		order, err = roundRobinOrder(ctx, tx, len(leadIDs), assignees, sorted)
	}
	if err != nil {
		return nil, err
	}
	return assignEach(ctx, tx, leadIDs, order, assignees)
}

// liveLeadIDs keeps the ids of live leads, in the order given, and locks them.
func liveLeadIDs(ctx context.Context, tx bun.Tx, ids []uuid.UUID) ([]uuid.UUID, error) {
	var found []uuid.UUID
	err := tx.NewSelect().Model((*Lead)(nil)).Column("l.id").Where("l.id = ANY(?::uuid[])", pgdialectUUIDs(ids)).
		Where("l.deleted_at IS NULL").For("UPDATE").Scan(ctx, &found)
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	live := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		live[id] = true
	}
	kept := make([]uuid.UUID, 0, len(found))
	for _, id := range ids {
		if live[id] {
			kept = append(kept, id)
			delete(live, id)
		}
	}
	return kept, nil
}

// roundRobinOrder deals n leads in turn, starting after the assignee stored
// for this set, and stores the last one dealt.
func roundRobinOrder(ctx context.Context, tx bun.Tx, n int, assignees, sorted []uuid.UUID) ([]uuid.UUID, error) {
	key := assigneeSetKey(sorted)
	var last uuid.UUID
	err := tx.NewRaw("SELECT last_assignee FROM assignment_cursors WHERE assignee_set = ? FOR UPDATE", key).Scan(ctx, &last)
	start := 0
	if err == nil {
		if i := slices.Index(assignees, last); i >= 0 {
			start = i + 1
		}
	} else if fe := formatError(err, "Assignment cursor"); !isNotFound(fe) {
		return nil, fe
	}
	order := make([]uuid.UUID, n)
	for i := range order {
		order[i] = assignees[(start+i)%len(assignees)]
	}
	_, err = tx.NewRaw(`INSERT INTO assignment_cursors (assignee_set, last_assignee) VALUES (?, ?)
		ON CONFLICT (assignee_set) DO UPDATE SET last_assignee = EXCLUDED.last_assignee, updated_at = now()`,
		key, order[n-1]).Exec(ctx)
	return order, formatError(err, "Assignment cursor")
}

// assigneeSetKey names a set of assignees independently of their order.
func assigneeSetKey(sorted []uuid.UUID) string {
	h := sha256.New()
	for _, id := range sorted {
		h.Write(id[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// leastLoadedOrder picks, lead by lead, the assignee with the fewest open
// leads (counting the ones just given), ties broken by the order given.
func leastLoadedOrder(ctx context.Context, tx bun.Tx, n int, assignees []uuid.UUID) ([]uuid.UUID, error) {
	var loads []struct {
		AssignedTo uuid.UUID `bun:"assigned_to"`
		N          int       `bun:"n"`
	}
	err := tx.NewSelect().Model((*Lead)(nil)).ColumnExpr("l.assigned_to, count(*) AS n").
		Where("l.deleted_at IS NULL").Where("l.assigned_to IN (?)", bun.In(assignees)).
		Where("l.status IN (?)", bun.In(openStatuses)).GroupExpr("l.assigned_to").Scan(ctx, &loads)
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	h := make(loadHeap, len(assignees))
	for i, a := range assignees {
		h[i] = &load{id: a, rank: i}
	}
	for _, l := range loads {
		for _, e := range h {
			if e.id == l.AssignedTo {
				e.n = l.N
			}
		}
	}
	heap.Init(&h)
	order := make([]uuid.UUID, n)
	for i := range order {
		order[i] = h[0].id
		h[0].n++
		heap.Fix(&h, 0)
	}
	return order, nil
}

type load struct {
	id      uuid.UUID
	n, rank int
}

type loadHeap []*load

func (h loadHeap) Len() int { return len(h) }
func (h loadHeap) Less(i, j int) bool {
	return h[i].n < h[j].n || (h[i].n == h[j].n && h[i].rank < h[j].rank)
}
func (h loadHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *loadHeap) Push(x any)   { *h = append(*h, x.(*load)) }
func (h *loadHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// assignEach sets leadIDs[i] to order[i] in one UPDATE and counts per assignee.
func assignEach(ctx context.Context, idb bun.IDB, leadIDs, order, assignees []uuid.UUID) (*BulkAssignResult, error) {
	res := &BulkAssignResult{ByAssignee: make([]AssigneeCount, len(assignees))}
	idx := map[uuid.UUID]int{}
	for i, a := range assignees {
		res.ByAssignee[i].AssigneeID = a
		idx[a] = i
	}
	var changed []struct {
		ID         uuid.UUID `bun:"id"`
		AssignedTo uuid.UUID `bun:"assigned_to"`
	}
	err := idb.NewRaw(`UPDATE leads AS l SET assigned_to = v.assignee, version = l.version + 1, updated_at = now()
		FROM unnest(?::uuid[], ?::uuid[]) AS v(id, assignee)
		WHERE l.id = v.id AND l.deleted_at IS NULL
		RETURNING l.id, l.assigned_to`, pgdialectUUIDs(leadIDs), pgdialectUUIDs(order)).Scan(ctx, &changed)
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	for _, c := range changed {
		res.ByAssignee[idx[c.AssignedTo]].Count++
	}
	res.Assigned = len(changed)
	return res, nil
}

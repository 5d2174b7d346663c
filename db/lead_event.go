package db

import (
	"context"
	"database/sql"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// LeadEventKind says what a lead event records.
type LeadEventKind string

// Lead event kinds, as stored (see migration 5).
const (
	EventCreated           LeadEventKind = "created"
	EventUpdated           LeadEventKind = "updated"
	EventAssigned          LeadEventKind = "assigned"
	EventStatusChanged     LeadEventKind = "status_changed"
	EventDeleted           LeadEventKind = "deleted"
	EventRestored          LeadEventKind = "restored"
	EventInteractionLogged LeadEventKind = "interaction_logged"
	EventBulkCreated       LeadEventKind = "bulk_created"
	EventBulkUpdated       LeadEventKind = "bulk_updated"
	EventBulkAssigned      LeadEventKind = "bulk_assigned"
)

// LeadEventKinds lists every event kind.
var LeadEventKinds = []LeadEventKind{EventCreated, EventUpdated, EventAssigned, EventStatusChanged, EventDeleted,
	EventRestored, EventInteractionLogged, EventBulkCreated, EventBulkUpdated, EventBulkAssigned}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e LeadEventKind) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext reads the GraphQL (upper-case) form.
func (e *LeadEventKind) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(LeadEventKinds, e, v)
}

// FieldChange is one field's value before and after a change (JSON values;
// old is null for a new lead).
type FieldChange struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// LeadEvent is one entry of a lead's audit trail: who changed what, when.
// Rows are written by a trigger in the transaction of the change.
type LeadEvent struct {
	bun.BaseModel `bun:"table:lead_events,alias:e" json:"-"`

	ID      uuid.UUID              `bun:"id,pk,type:uuid" json:"id"`
	LeadID  uuid.UUID              `bun:"lead_id,type:uuid" json:"leadId"`
	ActorID *uuid.UUID             `bun:"actor_id,type:uuid" json:"actorId"`
	At      time.Time              `bun:"at" json:"at"`
	Kind    LeadEventKind          `bun:"kind" json:"kind"`
	Changes map[string]FieldChange `bun:"changes,type:jsonb" json:"changes"`
}

// EventSource tells the audit trigger what kind of write a transaction
// makes when the changed columns alone cannot (an interaction, a bulk
// write). The zero value is a plain single-lead write.
type EventSource string

// Event sources.
const (
	SourcePlain       EventSource = ""
	SourceInteraction EventSource = "interaction"
	SourceBulk        EventSource = "bulk"
	SourceBulkAssign  EventSource = "bulk_assign"
)

// Actor is who makes a write, and what kind of write, as the audit trigger
// records it.
type Actor struct {
	ID     uuid.UUID
	Source EventSource
}

// actorExpr names an actor for the audit trigger from within one statement,
// as a FROM item: set_config(…, true) lasts until the end of the
// statement's transaction, which is the statement itself outside an
// explicit one, and the trigger runs at the end of the statement.
const actorExpr = "(SELECT set_config('crm.actor_id', ?, true), set_config('crm.event_source', ?, true)) AS actor"

// InTx runs fn in a transaction (a savepoint when idb is one). Returns fn's
// error, or SERVICE_UNAVAILABLE when the database is down.
func InTx(ctx context.Context, idb bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return formatError(idb.RunInTx(ctx, nil, fn), "Lead")
}

// AsActor runs fn in a transaction (a savepoint when idb is one) whose lead
// changes the audit trigger records in lead_events as made by actor.
// Returns fn's error, or SERVICE_UNAVAILABLE when the database is down.
func AsActor(ctx context.Context, idb bun.IDB, actor uuid.UUID, source EventSource, fn func(ctx context.Context, tx bun.Tx) error) error {
	err := idb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := SetActor(ctx, tx, actor, source); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
	// BEGIN and COMMIT fail outside fn: an unreachable database is
	// SERVICE_UNAVAILABLE there too.
	return formatError(err, "Lead")
}

// SetActor names the actor (and the kind of write) of tx's lead changes for
// the audit trail, until tx ends.
func SetActor(ctx context.Context, tx bun.Tx, actor uuid.UUID, source EventSource) error {
	_, err := tx.ExecContext(ctx, "SELECT set_config('crm.actor_id', ?, true), set_config('crm.event_source', ?, true)",
		actor.String(), string(source))
	return formatError(err, "Lead")
}

// EventCursor is a keyset position in a newest-first event list.
type EventCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// TimelineKey asks for one page of one lead's events: limit events after
// the cursor (or skipping offset events), newest first.
type TimelineKey struct {
	LeadID uuid.UUID
	Limit  int
	Offset int
	After  EventCursor // zero: from the newest
}

// FindLeadEvents returns the page of each key, in key order, with one query
// whatever the number of keys. Each page holds up to Limit+1 events, so the
// caller can tell whether more follow.
func FindLeadEvents(ctx context.Context, idb bun.IDB, keys []TimelineKey) ([][]*LeadEvent, error) {
	ids, limits, offsets := make([]string, len(keys)), make([]int, len(keys)), make([]int, len(keys))
	ats, afterIDs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		ids[i], limits[i], offsets[i] = k.LeadID.String(), k.Limit+1, k.Offset
		if !k.After.At.IsZero() {
			ats[i], afterIDs[i] = k.After.At.UTC().Format(time.RFC3339Nano), k.After.ID.String()
		}
	}
	var rows []struct {
		Ord int `bun:"ord"`
		LeadEvent
	}
	err := idb.NewRaw(`SELECT k.ord, e.* FROM unnest(?::uuid[], ?::int[], ?::int[], ?::text[], ?::text[])
			WITH ORDINALITY AS k(lead_id, lim, off, after_at, after_id, ord)
		CROSS JOIN LATERAL (
			SELECT * FROM lead_events AS e0
			WHERE e0.lead_id = k.lead_id AND (k.after_at = ''
				OR (e0.at, e0.id) < (nullif(k.after_at, '')::timestamptz, nullif(k.after_id, '')::uuid))
			ORDER BY e0.at DESC, e0.id DESC OFFSET k.off LIMIT k.lim) AS e
		ORDER BY k.ord, e.at DESC, e.id DESC`,
		pgdialect.Array(ids), pgdialect.Array(limits), pgdialect.Array(offsets), pgdialect.Array(ats), pgdialect.Array(afterIDs),
	).Scan(ctx, &rows)
	if err != nil && err != sql.ErrNoRows {
		return nil, formatError(err, "Event")
	}
	out := make([][]*LeadEvent, len(keys))
	for i := range rows {
		ev := rows[i].LeadEvent
		out[rows[i].Ord-1] = append(out[rows[i].Ord-1], &ev)
	}
	return out, nil
}

// CountLeadEvents counts a lead's events.
func CountLeadEvents(ctx context.Context, idb bun.IDB, leadID uuid.UUID) (int, error) {
	n, err := idb.NewSelect().Model((*LeadEvent)(nil)).Where("e.lead_id = ?", leadID).Count(ctx)
	return int(n), formatError(err, "Event")
}

package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// asActor runs a lead write in a transaction whose changes the audit trail
// records as p's, in that same transaction.
func asActor[T any](ctx context.Context, r *Resolver, p *auth.Principal, source db.EventSource, write func(ctx context.Context, tx bun.IDB) (T, error)) (T, error) {
	var out T
	err := db.AsActor(ctx, r.DB, p.UserID, source, func(ctx context.Context, tx bun.Tx) (err error) {
		out, err = write(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// timelineKey validates a timeline page request of a lead.
func timelineKey(l *db.Lead, first *int, after *string, offset *int) (db.TimelineKey, error) {
	k := db.TimelineKey{LeadID: l.ID, Limit: 20}
	if first != nil {
		if *first < 1 || *first > 100 {
			return k, apperr.Invalid("first", "must be between 1 and 100")
		}
		k.Limit = *first
	}
	if after != nil {
		c, err := decodeEventCursor(*after)
		if err != nil {
			return k, err
		}
		k.After = *c
	}
	if offset != nil {
		if *offset < 0 || *offset > 100000 {
			return k, apperr.Invalid("offset", "must be between 0 and 100000")
		}
		if after != nil && *offset > 0 {
			return k, apperr.Invalid("offset", "cannot be combined with after")
		}
		k.Offset = *offset
	}
	return k, nil
}

// eventConnection builds a connection from a page of up to limit+1 events.
func eventConnection(k db.TimelineKey, events []*db.LeadEvent) *model.LeadEventConnection {
	more := len(events) > k.Limit
	if more {
		events = events[:k.Limit]
	}
	conn := &model.LeadEventConnection{Edges: make([]*model.LeadEventEdge, len(events)), LeadID: k.LeadID,
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: !k.After.At.IsZero() || k.Offset > 0}}
	for i, ev := range events {
		conn.Edges[i] = &model.LeadEventEdge{Cursor: eventCursor(ev), Node: ev}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn
}

// fetchTimelines loads many leads' timeline pages with one query.
func (r *Resolver) fetchTimelines(ctx context.Context, keys []db.TimelineKey) ([][]*db.LeadEvent, []error) {
	pages, err := db.FindLeadEvents(ctx, r.DB, keys)
	if err != nil {
		errs := make([]error, len(keys))
		for i := range errs {
			errs[i] = err
		}
		return nil, errs
	}
	return pages, nil
}

// eventChanges is the JSON form of an event's changes.
func eventChanges(ev *db.LeadEvent) map[string]any {
	out := make(map[string]any, len(ev.Changes))
	for field, c := range ev.Changes {
		out[field] = map[string]any{"old": c.Old, "new": c.New}
	}
	return out
}

func eventCursor(ev *db.LeadEvent) string {
	b, _ := json.Marshal(db.EventCursor{At: ev.At, ID: ev.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeEventCursor(s string) (*db.EventCursor, error) {
	var c db.EventCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 || json.Unmarshal(b, &c) != nil || c.At.IsZero() || c.At.Year() < 2000 || c.At.Year() > 9999 {
		return nil, apperr.Invalid("after", "is not a cursor from this list")
	}
	return &c, nil
}

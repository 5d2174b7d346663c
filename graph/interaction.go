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

// logInteraction validates in and, in one transaction, stores the
// interaction and updates its lead. Returns NOT_FOUND for leads outside p's
// scope and VALIDATION_ERROR for bad input, input the outcome's disposition
// rule requires, or an outbound call to a do-not-call lead.
func (r *Resolver) logInteraction(ctx context.Context, p *auth.Principal, in model.CreateInteractionInput) (*db.Interaction, error) {
	now := r.now()
	it := &db.Interaction{LeadID: in.LeadID, TelecallerID: p.UserID, Type: in.Type, Direction: db.Outbound, Outcome: in.Outcome, OccurredAt: now}
	setIf(&it.Direction, in.Direction)
	if in.DurationSeconds != nil {
		if *in.DurationSeconds < 0 || *in.DurationSeconds > maxDuration {
			return nil, apperr.Invalid("durationSeconds", "must be between 0 and 86400")
		}
		it.DurationSeconds = *in.DurationSeconds
	}
	var err error
	if it.Notes, err = cleanText("notes", in.Notes, maxNotesLen); err != nil {
		return nil, err
	}
	if err := checkFuture("followUpAt", in.FollowUpAt, now); err != nil {
		return nil, err
	}
	it.FollowUpAt = in.FollowUpAt
	if in.OccurredAt != nil {
		if err := checkPast("occurredAt", *in.OccurredAt, now); err != nil {
			return nil, err
		}
		it.OccurredAt = in.OccurredAt.UTC()
	}
	rule, err := r.dispositionRule(ctx, r.DB, in.Outcome)
	if err != nil {
		return nil, err
	}
	if err := checkDisposition(rule, in); err != nil {
		return nil, err
	}
	err = db.InTx(ctx, r.DB, func(ctx context.Context, tx bun.Tx) error {
		lead, err := db.LockLeadAs(ctx, tx, db.Actor{ID: p.UserID, Source: db.SourceInteraction}, in.LeadID, leadScope(p))
		if err != nil {
			return err
		}
		if err := refuseCall(ctx, tx, lead, it); err != nil {
			return err
		}
		it.StatusAfter = nextStatus(lead.Status, it, in.StatusAfter, ruleStatus(rule, lead.AttemptCount+1))
		if err := db.InsertInteraction(ctx, tx, it); err != nil {
			return err
		}
		// Reaching out once a follow-up is due completes it.
		done := it.Type != db.TypeNote && lead.NextFollowUpAt != nil && !lead.NextFollowUpAt.After(it.OccurredAt)
		retry, setRetry := retryAt(rule, lead, it)
		if _, err = db.RecordContact(ctx, tx, lead.ID, db.LeadContact{ContactedAt: it.OccurredAt, NextFollowUpAt: it.FollowUpAt, ClearFollowUp: done,
			Outreach: it.Type != db.TypeNote, Status: it.StatusAfter, SetRetry: setRetry, Retry: retry}); err != nil {
			return err
		}
		return applyDisposition(ctx, tx, p, rule, lead, it)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// nextStatus is the status the lead moves to: the one asked for, else the
// one the outcome's disposition rule implies, else CONTACTED for a new lead
// that was actually reached out to (notes don't count). Nil means no change.
func nextStatus(current db.LeadStatus, it *db.Interaction, asked, implied *db.LeadStatus) *db.LeadStatus {
	next := asked
	if next == nil {
		next = implied
	}
	if next == nil && current == db.StatusNew && it.Type != db.TypeNote {
		s := db.StatusContacted
		next = &s
	}
	if next != nil && *next == current {
		return nil
	}
	return next
}

// interactionConnection pages a lead's interactions newest first.
func (r *Resolver) interactionConnection(ctx context.Context, f db.InteractionFilter, first *int, after *string, offset *int) (*model.InteractionConnection, error) {
	limit, err := pageSize("first", first)
	if err != nil {
		return nil, err
	}
	var cur *db.InteractionCursor
	if after != nil {
		if cur, err = decodeInteractionCursor(*after); err != nil {
			return nil, err
		}
	}
	skip, err := pageOffset(offset)
	if err != nil {
		return nil, err
	}
	items, more, err := db.FindInteractions(ctx, r.DB, f, cur, limit, skip)
	if err != nil {
		return nil, err
	}
	conn := &model.InteractionConnection{Edges: make([]*model.InteractionEdge, len(items)), Filter: f,
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: cur != nil || skip > 0}}
	for i, it := range items {
		conn.Edges[i] = &model.InteractionEdge{Cursor: interactionCursor(it), Node: it}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

func interactionCursor(it *db.Interaction) string {
	b, _ := json.Marshal(db.InteractionCursor{OccurredAt: it.OccurredAt, ID: it.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeInteractionCursor(s string) (*db.InteractionCursor, error) {
	var c db.InteractionCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 || json.Unmarshal(b, &c) != nil || c.OccurredAt.IsZero() {
		return nil, apperr.Invalid("after", "is not a cursor from this list")
	}
	return &c, nil
}

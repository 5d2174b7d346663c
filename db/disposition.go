package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// DispositionRule is what logging an interaction with Outcome does to its
// lead. The built-in rules live in the application layer; a row in
// disposition_rules replaces the built-in rule of its outcome.
type DispositionRule struct {
	bun.BaseModel `bun:"table:disposition_rules,alias:dr" json:"-"`

	Outcome Outcome `bun:"outcome,pk" json:"outcome"`
	// StatusAfter is the status the lead moves to, unless the interaction
	// names one itself.
	StatusAfter *LeadStatus `bun:"status_after" json:"statusAfter"`
	// RetryAfterMinutes keeps the lead out of the call queue for that long.
	RetryAfterMinutes *int `bun:"retry_after_minutes" json:"retryAfterMinutes"`
	// MaxAttempts and StatusAtMaxAttempts: once the lead's attempt count
	// reaches MaxAttempts with this outcome, it moves to StatusAtMaxAttempts.
	MaxAttempts         *int        `bun:"max_attempts" json:"maxAttempts"`
	StatusAtMaxAttempts *LeadStatus `bun:"status_at_max_attempts" json:"statusAtMaxAttempts"`
	// RequiresFollowUp refuses the interaction without followUpAt.
	RequiresFollowUp bool `bun:"requires_follow_up,notnull" json:"requiresFollowUp"`
	// AddToDoNotCall puts the lead's phone on the do-not-call list.
	AddToDoNotCall bool       `bun:"add_to_do_not_call,notnull" json:"addToDoNotCall"`
	UpdatedByID    *uuid.UUID `bun:"updated_by,type:uuid" json:"updatedById"`
	UpdatedAt      *time.Time `bun:"updated_at,nullzero,default:current_timestamp" json:"updatedAt"`
	// Custom is true for a rule stored by a manager, false for a built-in one.
	Custom bool `bun:"-" json:"custom"`
}

// FindDispositionRules returns the stored overrides by outcome.
func FindDispositionRules(ctx context.Context, idb bun.IDB) (map[Outcome]*DispositionRule, error) {
	var rules []*DispositionRule
	if err := idb.NewSelect().Model(&rules).Scan(ctx); err != nil {
		return nil, formatError(err, "Disposition rule")
	}
	out := make(map[Outcome]*DispositionRule, len(rules))
	for _, r := range rules {
		r.Custom = true
		out[r.Outcome] = r
	}
	return out, nil
}

// FindDispositionRule returns the stored override of one outcome, or nil.
func FindDispositionRule(ctx context.Context, idb bun.IDB, o Outcome) (*DispositionRule, error) {
	r := new(DispositionRule)
	err := idb.NewSelect().Model(r).Where("dr.outcome = ?", o).Scan(ctx)
	if err != nil {
		if err = formatError(err, "Disposition rule"); isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	r.Custom = true
	return r, nil
}

func isNotFound(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.NotFound
}

// SaveDispositionRule stores r as the override of its outcome.
func SaveDispositionRule(ctx context.Context, idb bun.IDB, r *DispositionRule) error {
	_, err := idb.NewInsert().Model(r).
		On("CONFLICT (outcome) DO UPDATE").
		Set("status_after = EXCLUDED.status_after").
		Set("retry_after_minutes = EXCLUDED.retry_after_minutes").
		Set("max_attempts = EXCLUDED.max_attempts").
		Set("status_at_max_attempts = EXCLUDED.status_at_max_attempts").
		Set("requires_follow_up = EXCLUDED.requires_follow_up").
		Set("add_to_do_not_call = EXCLUDED.add_to_do_not_call").
		Set("updated_by = EXCLUDED.updated_by").
		Set("updated_at = now()").
		Returning("*").Exec(ctx)
	r.Custom = true
	return formatError(err, "Disposition rule")
}

// DeleteDispositionRule drops the override of an outcome (a no-op when there is none).
func DeleteDispositionRule(ctx context.Context, idb bun.IDB, o Outcome) error {
	_, err := idb.NewDelete().Model((*DispositionRule)(nil)).Where("outcome = ?", o).Exec(ctx)
	return formatError(err, "Disposition rule")
}

// DoNotCallNumber is a phone number that must not be called or imported again.
type DoNotCallNumber struct {
	bun.BaseModel `bun:"table:do_not_call_numbers,alias:dnc" json:"-"`

	PhoneE164 string     `bun:"phone_e164,pk" json:"phoneE164"`
	LeadID    *uuid.UUID `bun:"lead_id,type:uuid" json:"leadId"`
	AddedByID *uuid.UUID `bun:"added_by,type:uuid" json:"addedById"`
	Reason    *string    `bun:"reason" json:"reason"`
	CreatedAt time.Time  `bun:"created_at,nullzero,default:current_timestamp" json:"createdAt"`
}

// AddDoNotCall puts n on the do-not-call list; a number already there keeps its first entry.
func AddDoNotCall(ctx context.Context, idb bun.IDB, n *DoNotCallNumber) error {
	_, err := idb.NewInsert().Model(n).On("CONFLICT (phone_e164) DO NOTHING").Exec(ctx)
	return formatError(err, "Do-not-call number")
}

// RemoveDoNotCall takes a number off the list. Returns NOT_FOUND when it is not on it.
func RemoveDoNotCall(ctx context.Context, idb bun.IDB, phoneE164 string) (*DoNotCallNumber, error) {
	n := new(DoNotCallNumber)
	res, err := idb.NewDelete().Model(n).Where("phone_e164 = ?", phoneE164).Returning("*").Exec(ctx)
	if err != nil {
		return nil, formatError(err, "Do-not-call number")
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, apperr.New(apperr.NotFound, "This number is not on the do-not-call list.")
	}
	return n, nil
}

// FindDoNotCall returns the numbers of phones that are on the list.
func FindDoNotCall(ctx context.Context, idb bun.IDB, phones []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(phones) == 0 {
		return out, nil
	}
	var found []string
	err := idb.NewSelect().Model((*DoNotCallNumber)(nil)).Column("dnc.phone_e164").
		Where("dnc.phone_e164 = ANY(?)", pgArray(phones)).Scan(ctx, &found)
	if err != nil {
		return nil, formatError(err, "Do-not-call number")
	}
	for _, p := range found {
		out[p] = true
	}
	return out, nil
}

// ListDoNotCall returns a page of the list, newest first.
func ListDoNotCall(ctx context.Context, idb bun.IDB, limit, offset int) ([]*DoNotCallNumber, error) {
	var items []*DoNotCallNumber
	err := idb.NewSelect().Model(&items).OrderExpr("dnc.created_at DESC, dnc.phone_e164").
		Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	return items, formatError(err, "Do-not-call number")
}

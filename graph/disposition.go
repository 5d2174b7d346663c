package graph

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// Default disposition rules: a retry after the queue's gap for unanswered
// calls, lost after 6 attempts without an answer, a booked callback for
// CALLBACK_REQUESTED, and the status (and do-not-call entry) an outcome
// implies. Managers override them per outcome.
const defaultMaxAttempts = 6

// builtinRule is the rule of an outcome when no manager stored one.
func (r *Resolver) builtinRule(o db.Outcome) *db.DispositionRule {
	rule := &db.DispositionRule{Outcome: o}
	status := func(s db.LeadStatus) *db.LeadStatus { return &s }
	gap := int(r.Settings.Queue.RetryGap / time.Minute)
	maxAttempts := defaultMaxAttempts
	switch o {
	case db.OutcomeNoAnswer, db.OutcomeBusy:
		rule.RetryAfterMinutes = &gap
		rule.MaxAttempts, rule.StatusAtMaxAttempts = &maxAttempts, status(db.StatusLost)
	case db.OutcomeVoicemail:
		rule.RetryAfterMinutes = &gap
	case db.OutcomeCallbackRequested:
		rule.RequiresFollowUp = true
	case db.OutcomeNotInterested:
		rule.StatusAfter = status(db.StatusNotInterested)
	case db.OutcomeConverted:
		rule.StatusAfter = status(db.StatusConverted)
	case db.OutcomeDoNotCall:
		rule.StatusAfter = status(db.StatusDoNotCall)
		rule.AddToDoNotCall = true
	}
	return rule
}

// dispositionRule is the rule in force for an outcome (nil for none).
func (r *Resolver) dispositionRule(ctx context.Context, idb bun.IDB, o *db.Outcome) (*db.DispositionRule, error) {
	if o == nil {
		return nil, nil
	}
	stored, err := db.FindDispositionRule(ctx, idb, *o)
	if err != nil || stored != nil {
		return stored, err
	}
	return r.builtinRule(*o), nil
}

// dispositionRules lists every outcome's rule in force.
func (r *Resolver) dispositionRules(ctx context.Context) ([]*db.DispositionRule, error) {
	if _, err := r.principal(ctx); err != nil {
		return nil, err
	}
	stored, err := db.FindDispositionRules(ctx, r.DB)
	if err != nil {
		return nil, err
	}
	out := make([]*db.DispositionRule, len(db.Outcomes))
	for i, o := range db.Outcomes {
		if out[i] = stored[o]; out[i] == nil {
			out[i] = r.builtinRule(o)
		}
	}
	return out, nil
}

// setDispositionRule validates and stores a manager's rule for an outcome.
func (r *Resolver) setDispositionRule(ctx context.Context, o db.Outcome, in model.DispositionRuleInput) (*db.DispositionRule, error) {
	p, err := r.manager(ctx, "change disposition rules")
	if err != nil {
		return nil, err
	}
	rule := &db.DispositionRule{Outcome: o, StatusAfter: in.StatusAfter, RetryAfterMinutes: in.RetryAfterMinutes,
		MaxAttempts: in.MaxAttempts, StatusAtMaxAttempts: in.StatusAtMaxAttempts, UpdatedByID: &p.UserID}
	setIf(&rule.RequiresFollowUp, in.RequiresFollowUp)
	setIf(&rule.AddToDoNotCall, in.AddToDoNotCall)
	if m := rule.RetryAfterMinutes; m != nil && (*m < 0 || *m > 43200) {
		return nil, apperr.Invalid("retryAfterMinutes", "must be between 0 and 43200")
	}
	if m := rule.MaxAttempts; m != nil && (*m < 1 || *m > 1000) {
		return nil, apperr.Invalid("maxAttempts", "must be between 1 and 1000")
	}
	if (rule.MaxAttempts == nil) != (rule.StatusAtMaxAttempts == nil) {
		return nil, apperr.Invalid("statusAtMaxAttempts", "give maxAttempts and statusAtMaxAttempts together")
	}
	return rule, db.SaveDispositionRule(ctx, r.DB, rule)
}

// resetDispositionRule drops a stored rule and returns the built-in one.
func (r *Resolver) resetDispositionRule(ctx context.Context, o db.Outcome) (*db.DispositionRule, error) {
	if _, err := r.manager(ctx, "change disposition rules"); err != nil {
		return nil, err
	}
	if err := db.DeleteDispositionRule(ctx, r.DB, o); err != nil {
		return nil, err
	}
	return r.builtinRule(o), nil
}

// checkDisposition refuses an interaction its rule needs more from.
func checkDisposition(rule *db.DispositionRule, in model.CreateInteractionInput) error {
	if rule != nil && rule.RequiresFollowUp && in.FollowUpAt == nil {
		return apperr.Invalid("followUpAt", "is required for this outcome: book the callback")
	}
	return nil
}

// ruleStatus is the status the rule moves the lead to, given the attempt
// count the interaction brings it to; nil for none.
func ruleStatus(rule *db.DispositionRule, attempts int) *db.LeadStatus {
	if rule == nil {
		return nil
	}
	if rule.MaxAttempts != nil && attempts >= *rule.MaxAttempts {
		return rule.StatusAtMaxAttempts
	}
	return rule.StatusAfter
}

// refuseCall rejects outbound calls to a lead that asked not to be called,
// by its status or by its phone being on the do-not-call list.
func refuseCall(ctx context.Context, tx bun.Tx, lead *db.Lead, it *db.Interaction) error {
	if it.Type != db.TypeCall || it.Direction != db.Outbound {
		return nil
	}
	listed := false
	if lead.PhoneE164 != nil {
		found, err := db.FindDoNotCall(ctx, tx, []string{*lead.PhoneE164})
		if err != nil {
			return err
		}
		listed = found[*lead.PhoneE164]
	}
	if lead.Status == db.StatusDoNotCall || listed {
		return apperr.Invalid("type", "this lead asked not to be called; outbound calls are refused")
	}
	return nil
}

// retryAt is when the call queue may offer the lead again after it, by
// the rule: set reports whether retry_at changes (outcomes without a retry
// time clear an earlier one).
func retryAt(rule *db.DispositionRule, lead *db.Lead, it *db.Interaction) (at *time.Time, set bool) {
	if it.Type == db.TypeNote {
		return nil, false
	}
	if rule != nil && rule.RetryAfterMinutes != nil && *rule.RetryAfterMinutes > 0 {
		t := it.OccurredAt.Add(time.Duration(*rule.RetryAfterMinutes) * time.Minute)
		return &t, true
	}
	return nil, lead.RetryAt != nil
}

// applyDisposition does what the rule says beyond the status and the
// retry time (which the lead's contact update sets), in the interaction's
// transaction: the do-not-call entry.
func applyDisposition(ctx context.Context, tx bun.Tx, p *auth.Principal, rule *db.DispositionRule, lead *db.Lead, it *db.Interaction) error {
	if it.Type == db.TypeNote || rule == nil || !rule.AddToDoNotCall || lead.PhoneE164 == nil {
		return nil
	}
	return db.AddDoNotCall(ctx, tx, &db.DoNotCallNumber{PhoneE164: *lead.PhoneE164, LeadID: &lead.ID, AddedByID: &p.UserID})
}

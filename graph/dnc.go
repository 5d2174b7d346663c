package graph

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// A phone on the do-not-call list can never come back as a lead: creating,
// importing or changing a lead to such a phone is a VALIDATION_ERROR on
// phone (not a CONFLICT: no mode or retry can make the row acceptable).
func doNotCallError() error {
	e := apperr.Invalid("phone", "is on the do-not-call list")
	e.Message = "This phone number is on the do-not-call list."
	return e.With("reason", "do_not_call")
}

// checkDoNotCall refuses a phone that is on the do-not-call list.
func checkDoNotCall(ctx context.Context, idb bun.IDB, phoneE164 *string) error {
	if phoneE164 == nil {
		return nil
	}
	found, err := db.FindDoNotCall(ctx, idb, []string{*phoneE164})
	if err != nil {
		return err
	}
	if found[*phoneE164] {
		return doNotCallError()
	}
	return nil
}

// dropDoNotCall fails the bulk rows whose phone is on the list, whatever
// the mode (an upsert must not revive a number either).
func dropDoNotCall(ctx context.Context, idb bun.IDB, rows []db.BulkRow, res *db.BulkResult) ([]db.BulkRow, error) {
	var phones []string
	for _, row := range rows {
		if row.Lead.PhoneE164 != nil {
			phones = append(phones, *row.Lead.PhoneE164)
		}
	}
	listed, err := db.FindDoNotCall(ctx, idb, phones)
	if err != nil || len(listed) == 0 {
		return rows, err
	}
	kept := rows[:0]
	for _, row := range rows {
		if row.Lead.PhoneE164 != nil && listed[*row.Lead.PhoneE164] {
			res.Results = append(res.Results, db.RowFailure(row.Index, doNotCallError()))
			continue
		}
		kept = append(kept, row)
	}
	return kept, nil
}

// autoAssign assigns the leads a bulk write created without an assignee.
func autoAssign(ctx context.Context, tx bun.Tx, rows []db.BulkRow, written []*db.BulkRowResult, assign *model.AutoAssignInput) error {
	if assign == nil {
		return nil
	}
	explicit := map[int]bool{}
	for _, row := range rows {
		if row.Lead.AssignedToID != nil {
			explicit[row.Index] = true
		}
	}
	var ids []uuid.UUID
	for _, w := range written {
		if w.Status == db.RowCreated && w.ID != nil && !explicit[w.Index] {
			ids = append(ids, *w.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := db.AssignLeads(ctx, tx, ids, assign.AssigneeIds, assign.Strategy)
	return err
}

// listedPhone normalises a phone given to the do-not-call list to E.164.
func (r *Resolver) listedPhone(phone string) (string, error) {
	_, e164, err := cleanPhone("phone", &phone, r.Settings.PhoneRegion)
	if err != nil {
		return "", err
	}
	if e164 == nil {
		return "", apperr.Invalid("phone", "is required")
	}
	return *e164, nil
}

// addDoNotCallNumber puts a phone on the list by hand.
func (r *Resolver) addDoNotCallNumber(ctx context.Context, phone string, reason *string) (*db.DoNotCallNumber, error) {
	p, err := r.manager(ctx, "edit the do-not-call list")
	if err != nil {
		return nil, err
	}
	e164, err := r.listedPhone(phone)
	if err != nil {
		return nil, err
	}
	if reason, err = cleanText("reason", reason, 500); err != nil {
		return nil, err
	}
	n := &db.DoNotCallNumber{PhoneE164: e164, AddedByID: &p.UserID, Reason: reason}
	if err := db.AddDoNotCall(ctx, r.DB, n); err != nil {
		return nil, err
	}
	return n, nil
}

// removeDoNotCallNumber takes a phone off the list.
func (r *Resolver) removeDoNotCallNumber(ctx context.Context, phone string) (*db.DoNotCallNumber, error) {
	if _, err := r.manager(ctx, "edit the do-not-call list"); err != nil {
		return nil, err
	}
	e164, err := r.listedPhone(phone)
	if err != nil {
		return nil, err
	}
	return db.RemoveDoNotCall(ctx, r.DB, e164)
}

// doNotCallNumbers pages the list.
func (r *Resolver) doNotCallNumbers(ctx context.Context, first, offset *int) ([]*db.DoNotCallNumber, error) {
	if _, err := r.manager(ctx, "see the do-not-call list"); err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first)
	if err != nil {
		return nil, err
	}
	skip, err := pageOffset(offset)
	if err != nil {
		return nil, err
	}
	items, err := db.ListDoNotCall(ctx, r.DB, limit, skip)
	if items == nil {
		items = []*db.DoNotCallNumber{}
	}
	return items, err
}

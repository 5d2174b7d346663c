package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// BulkRowError explains why one row of a bulk write failed.
type BulkRowError struct {
	Code    string  `json:"code"`
	Field   *string `json:"field"`
	Message string  `json:"message"`
}

// BulkRowResult is what happened to the row at Index of a bulk request.
type BulkRowResult struct {
	Index  int           `json:"index"`
	Status BulkRowStatus `json:"status"`
	ID     *uuid.UUID    `json:"id"`
	Error  *BulkRowError `json:"error"`
}

// BulkTotals counts the rows by status.
type BulkTotals struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
	Error   int `json:"error"`
}

// BulkResult is the outcome of a bulk write, row by row.
type BulkResult struct {
	Results []*BulkRowResult `json:"results"`
	Totals  BulkTotals       `json:"totals"`
}

// Count adds up the totals from the results.
func (r *BulkResult) Count() {
	r.Totals = BulkTotals{}
	for _, row := range r.Results {
		switch row.Status {
		case RowCreated:
			r.Totals.Created++
		case RowUpdated:
			r.Totals.Updated++
		case RowSkipped:
			r.Totals.Skipped++
		default:
			r.Totals.Error++
		}
	}
}

// RowFailure turns an error into a row result.
func RowFailure(index int, err error) *BulkRowResult {
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.Public(err, "")
	}
	re := &BulkRowError{Code: e.Code, Message: e.Message}
	if e.Field != "" {
		re.Field = &e.Field
	}
	return &BulkRowResult{Index: index, Status: RowError, Error: re}
}

// BulkRow is one valid lead of a bulk request. Patch holds the fields to
// apply when upserting into an existing lead: nil and empty mean "keep".
type BulkRow struct {
	Index int
	Lead  *Lead
	Patch *Lead
}

// WriteLeadsBulk writes rows inside tx with set-based statements, whatever
// their number: one lookup of existing leads, one multi-row UPDATE for
// upserts, one multi-row INSERT … ON CONFLICT DO NOTHING for new leads. A
// row whose phone or email repeats an earlier row of the batch, matches
// two different existing leads, or names an unknown assignee fails alone.
func WriteLeadsBulk(ctx context.Context, tx bun.Tx, rows []BulkRow, mode BulkMode) ([]*BulkRowResult, error) {
	out := make([]*BulkRowResult, 0, len(rows))
	rows = dropBatchDuplicates(rows, &out)
	rows, err := dropUnknownAssignees(ctx, tx, rows, &out)
	if err != nil {
		return nil, err
	}
	existing, err := findExisting(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	var fresh, updates []BulkRow
	for _, row := range rows {
		match, field, err := existing.match(row.Lead)
		switch {
		case err != nil:
			out = append(out, RowFailure(row.Index, err))
		case match == nil:
			fresh = append(fresh, row)
		case mode == BulkSkip:
			out = append(out, &BulkRowResult{Index: row.Index, Status: RowSkipped, ID: match})
		case mode == BulkUpsert:
			row.Patch.ID = *match
			updates = append(updates, row)
		default:
			out = append(out, RowFailure(row.Index, duplicate(field, *match)))
		}
	}
	if err := updateLeadsBulk(ctx, tx, updates, &out); err != nil {
		return nil, err
	}
	if err := insertLeadsBulk(ctx, tx, fresh, mode, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func duplicate(field string, id uuid.UUID) error {
	e := apperr.New(apperr.Conflict, "A lead with this %s already exists (%s).", field, id)
	e.Field, e.FieldMessage = field, "already in use"
	return e.With("existingLeadId", id.String())
}

// dropBatchDuplicates fails rows whose phone or email an earlier row of the
// same batch already uses.
func dropBatchDuplicates(rows []BulkRow, out *[]*BulkRowResult) []BulkRow {
	phones, emails := map[string]int{}, map[string]int{}
	kept := rows[:0]
	for _, row := range rows {
		l := row.Lead
		if l.PhoneE164 != nil {
			if first, ok := phones[*l.PhoneE164]; ok {
				*out = append(*out, RowFailure(row.Index, batchDuplicate("phone", first)))
				continue
			}
		}
		if l.Email != nil {
			if first, ok := emails[*l.Email]; ok {
				*out = append(*out, RowFailure(row.Index, batchDuplicate("email", first)))
				continue
			}
		}
		if l.PhoneE164 != nil {
			phones[*l.PhoneE164] = row.Index
		}
		if l.Email != nil {
			emails[*l.Email] = row.Index
		}
		kept = append(kept, row)
	}
	return kept
}

func batchDuplicate(field string, first int) error {
	e := apperr.New(apperr.Conflict, "Row %d of this request has the same %s.", first, field)
	e.Field, e.FieldMessage = field, fmt.Sprintf("duplicates row %d", first)
	return e.With("duplicateOfIndex", first)
}

// dropUnknownAssignees fails rows assigned to users that do not exist,
// which would otherwise sink the whole INSERT.
func dropUnknownAssignees(ctx context.Context, tx bun.Tx, rows []BulkRow, out *[]*BulkRowResult) ([]BulkRow, error) {
	var ids []uuid.UUID
	for _, row := range rows {
		if id := row.Lead.AssignedToID; id != nil {
			ids = append(ids, *id)
		}
	}
	if len(ids) == 0 {
		return rows, nil
	}
	var found []uuid.UUID
	if err := tx.NewSelect().Model((*User)(nil)).Column("u.id").Where("u.id IN (?)", bun.In(ids)).Scan(ctx, &found); err != nil {
		return nil, formatError(err, "User")
	}
	known := map[uuid.UUID]bool{}
	for _, id := range found {
		known[id] = true
	}
	kept := rows[:0]
	for _, row := range rows {
		if id := row.Lead.AssignedToID; id != nil && !known[*id] {
			*out = append(*out, RowFailure(row.Index, apperr.Invalid("assignedToId", "no such user")))
			continue
		}
		kept = append(kept, row)
	}
	return kept, nil
}

// existingLeads indexes the live leads that share a phone or email with the batch.
type existingLeads struct{ byPhone, byEmail map[string]uuid.UUID }

func findExisting(ctx context.Context, tx bun.Tx, rows []BulkRow) (existingLeads, error) {
	ex := existingLeads{byPhone: map[string]uuid.UUID{}, byEmail: map[string]uuid.UUID{}}
	var phones, emails []string
	for _, row := range rows {
		if row.Lead.PhoneE164 != nil {
			phones = append(phones, *row.Lead.PhoneE164)
		}
		if row.Lead.Email != nil {
			emails = append(emails, *row.Lead.Email)
		}
	}
	if len(phones)+len(emails) == 0 {
		return ex, nil
	}
	var found []*Lead
	err := tx.NewSelect().Model(&found).Column("l.id", "l.phone_e164", "l.email").
		Where("l.deleted_at IS NULL").
		Where("(l.phone_e164 = ANY(?) OR l.email = ANY(?))", pgArray(phones), pgArray(emails)).
		For("UPDATE").Scan(ctx)
	if err != nil {
		return ex, formatError(err, "Lead")
	}
	for _, l := range found {
		if l.PhoneE164 != nil {
			ex.byPhone[*l.PhoneE164] = l.ID
		}
		if l.Email != nil {
			ex.byEmail[*l.Email] = l.ID
		}
	}
	return ex, nil
}

// match finds the existing lead for l: by E.164 phone, then by email. It
// fails when phone and email belong to two different leads.
func (ex existingLeads) match(l *Lead) (*uuid.UUID, string, error) {
	var byPhone, byEmail *uuid.UUID
	if l.PhoneE164 != nil {
		if id, ok := ex.byPhone[*l.PhoneE164]; ok {
			byPhone = &id
		}
	}
	if l.Email != nil {
		if id, ok := ex.byEmail[*l.Email]; ok {
			byEmail = &id
		}
	}
	switch {
	case byPhone != nil && byEmail != nil && *byPhone != *byEmail:
		return nil, "", duplicate("email", *byEmail)
	case byPhone != nil:
		return byPhone, "phone", nil
	case byEmail != nil:
		return byEmail, "email", nil
	}
	return nil, "", nil
}

// updateLeadsBulk applies the patches in one UPDATE … FROM (VALUES …).
func updateLeadsBulk(ctx context.Context, tx bun.Tx, rows []BulkRow, out *[]*BulkRowResult) error {
	if len(rows) == 0 {
		return nil
	}
	patches := make([]*Lead, len(rows))
	for i, row := range rows {
		patches[i] = row.Patch
	}
	var ids []uuid.UUID
	_, err := tx.NewUpdate().
		With("_data", tx.NewValues(&patches)).
		Model((*Lead)(nil)).
		TableExpr("_data").
		Set("name = coalesce(nullif(_data.name, ''), l.name)").
		Set("email = coalesce(_data.email, l.email)").
		Set("phone = coalesce(_data.phone, l.phone)").
		Set("phone_e164 = coalesce(_data.phone_e164, l.phone_e164)").
		Set("company = coalesce(_data.company, l.company)").
		Set("source = coalesce(nullif(_data.source, ''), l.source)").
		Set("status = coalesce(nullif(_data.status, ''), l.status)").
		Set("priority = coalesce(nullif(_data.priority, ''), l.priority)").
		Set("assigned_to = coalesce(_data.assigned_to, l.assigned_to)").
		Set("notes = coalesce(_data.notes, l.notes)").
		Set("tags = CASE WHEN cardinality(_data.tags) > 0 THEN _data.tags ELSE l.tags END").
		Set("custom_fields = coalesce(nullif(_data.custom_fields, 'null'::jsonb), l.custom_fields)").
		Set("next_follow_up_at = coalesce(_data.next_follow_up_at, l.next_follow_up_at)").
		Set("version = l.version + 1").
		Set("updated_at = now()").
		Where("l.id = _data.id").
		Returning("l.id").
		Exec(ctx, &ids)
	if err != nil {
		return formatError(err, "Lead")
	}
	done := map[uuid.UUID]bool{}
	for _, id := range ids {
		done[id] = true
	}
	for _, row := range rows {
		id := row.Patch.ID
		if done[id] {
			*out = append(*out, &BulkRowResult{Index: row.Index, Status: RowUpdated, ID: &id})
		} else {
			*out = append(*out, RowFailure(row.Index, apperr.New(apperr.Conflict, "The matching lead changed during the import; retry the row.")))
		}
	}
	return nil
}

// insertLeadsBulk inserts new leads in one statement. A row that loses a
// race with a concurrent insert of the same phone or email is reported as
// a conflict (or skipped in skip mode), never silently duplicated.
func insertLeadsBulk(ctx context.Context, tx bun.Tx, rows []BulkRow, mode BulkMode, out *[]*BulkRowResult) error {
	if len(rows) == 0 {
		return nil
	}
	leads := make([]*Lead, len(rows))
	for i, row := range rows {
		row.Lead.prepareNew()
		leads[i] = row.Lead
	}
	var ids []uuid.UUID
	if _, err := tx.NewInsert().Model(&leads).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx, &ids); err != nil {
		return formatError(err, "Lead")
	}
	inserted := map[uuid.UUID]bool{}
	for _, id := range ids {
		inserted[id] = true
	}
	for _, row := range rows {
		id := row.Lead.ID
		switch {
		case inserted[id]:
			*out = append(*out, &BulkRowResult{Index: row.Index, Status: RowCreated, ID: &id})
		case mode == BulkSkip:
			*out = append(*out, &BulkRowResult{Index: row.Index, Status: RowSkipped})
		default:
			*out = append(*out, RowFailure(row.Index, apperr.New(apperr.Conflict, "A lead with this phone or email was created at the same time.")))
		}
	}
	return nil
}

// AssigneeCount is how many leads one assignee received.
type AssigneeCount struct {
	AssigneeID uuid.UUID `json:"assigneeId"`
	Count      int       `json:"count"`
}

// BulkAssignResult is the outcome of a bulk assignment.
type BulkAssignResult struct {
	Assigned   int             `json:"assigned"`
	ByAssignee []AssigneeCount `json:"byAssignee"`
}

// AssignLeadsRoundRobin assigns the live leads with the given ids (in that
// order) to assignees in turn, in one UPDATE, bumping their versions.
func AssignLeadsRoundRobin(ctx context.Context, idb bun.IDB, leadIDs, assignees []uuid.UUID) (*BulkAssignResult, error) {
	if len(leadIDs) == 0 {
		res := &BulkAssignResult{ByAssignee: make([]AssigneeCount, len(assignees))}
		for i, a := range assignees {
			res.ByAssignee[i].AssigneeID = a
		}
		return res, nil
	}
	to := make([]uuid.UUID, len(leadIDs))
	for i := range leadIDs {
		to[i] = assignees[i%len(assignees)]
	}
	return assignEach(ctx, idb, leadIDs, to, assignees)
}

// FindLeadIDs returns up to limit ids of leads matching c, oldest first.
func FindLeadIDs(ctx context.Context, idb bun.IDB, c LeadCriteria, limit int) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := c.apply(idb.NewSelect().Model((*Lead)(nil)).Column("l.id")).
		OrderExpr("l.created_at, l.id").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, formatError(err, "Lead")
}

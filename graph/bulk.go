package graph

import (
	"context"
	"errors"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// MaxBulkRows is the most leads one bulk request may carry.
const MaxBulkRows = 1000

// errDryRun rolls back a dry run's transaction after it computed the results.
var errDryRun = errors.New("dry run")

// bulkCreateLeads validates every row, then writes the valid ones in one
// transaction (rolled back for a dry run). Returns FORBIDDEN for
// telecallers and VALIDATION_ERROR for an empty or oversized batch; row
// failures are reported per row.
func (r *Resolver) bulkCreateLeads(ctx context.Context, leads []*model.CreateLeadInput, mode db.BulkMode, dryRun bool, assign *model.AutoAssignInput) (*db.BulkResult, error) {
	p, err := r.manager(ctx, "run bulk operations")
	if err != nil {
		return nil, err
	}
	if assign != nil {
		if assign.AssigneeIds, err = r.checkAssignees(ctx, "assign.assigneeIds", assign.AssigneeIds); err != nil {
			return nil, err
		}
		if assign.Strategy == "" {
			assign.Strategy = db.AssignRoundRobin
		}
	}
	if len(leads) == 0 || len(leads) > MaxBulkRows {
		return nil, apperr.Invalid("leads", "must hold 1 to 1000 leads")
	}
	res := &db.BulkResult{}
	rows := make([]db.BulkRow, 0, len(leads))
	for i, in := range leads {
		row, err := r.bulkRow(p, i, in)
		if err != nil {
			res.Results = append(res.Results, db.RowFailure(i, err))
			continue
		}
		rows = append(rows, row)
	}
	if rows, err = dropDoNotCall(ctx, r.DB, rows, res); err != nil {
		return nil, err
	}
	err = db.AsActor(ctx, r.DB, p.UserID, db.SourceBulk, func(ctx context.Context, tx bun.Tx) error {
		written, err := db.WriteLeadsBulk(ctx, tx, rows, mode)
		if err != nil {
			return err
		}
		res.Results = append(res.Results, written...)
		if err := autoAssign(ctx, tx, rows, written, assign); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	if dryRun {
		for _, row := range res.Results {
			if row.Status == db.RowCreated {
				row.ID = nil
			}
		}
	}
	sort.Slice(res.Results, func(i, j int) bool { return res.Results[i].Index < res.Results[j].Index })
	res.Count()
	return res, nil
}

// bulkRow validates one input like createLead does, with IMPORT as the
// default source, and derives the patch an upsert applies: only the fields
// the row gave.
func (r *Resolver) bulkRow(p *auth.Principal, i int, in *model.CreateLeadInput) (db.BulkRow, error) {
	withSource := *in
	if in.Source == nil {
		src := db.SourceImport
		withSource.Source = &src
	}
	l, err := r.newLead(p, withSource)
	if err != nil {
		return db.BulkRow{}, err
	}
	patch := *l
	patch.CreatedByID = nil
	if in.Source == nil {
		patch.Source = ""
	}
	if in.Status == nil {
		patch.Status = ""
	}
	if in.Priority == nil {
		patch.Priority = ""
	}
	if in.Tags == nil {
		patch.Tags = nil
	}
	if in.CustomFields == nil {
		patch.CustomFields = nil
	}
	return db.BulkRow{Index: i, Lead: l, Patch: &patch}, nil
}

// maxAssignBatch bounds one bulk assignment.
const maxAssignBatch = 10000

// assignLeads assigns leads named by id or selected by filter round-robin
// across assignees; ids that match no live lead are ignored (the result's
// assigned count says how many were). Returns FORBIDDEN for telecallers and
// VALIDATION_ERROR for a missing selection, unknown assignees or too many leads.
func (r *Resolver) assignLeads(ctx context.Context, leadIDs []uuid.UUID, filter *model.LeadFilter, assigneeIDs []uuid.UUID, strategy *db.AssignStrategy) (*db.BulkAssignResult, error) {
	p, err := r.manager(ctx, "assign leads")
	if err != nil {
		return nil, err
	}
	if assigneeIDs, err = r.checkAssignees(ctx, "assigneeIds", assigneeIDs); err != nil {
		return nil, err
	}
	if (leadIDs == nil) == (filter == nil) {
		return nil, apperr.Invalid("leadIds", "give either leadIds or filter")
	}
	if leadIDs == nil {
		c, err := r.leadCriteria(p, filter)
		if err != nil {
			return nil, err
		}
		if leadIDs, err = db.FindLeadIDs(ctx, r.DB, c, maxAssignBatch+1); err != nil {
			return nil, err
		}
	}
	leadIDs = dedupe(leadIDs)
	if len(leadIDs) > maxAssignBatch {
		return nil, apperr.Invalid("leadIds", "at most 10000 leads per request; narrow the filter")
	}
	how := db.AssignRoundRobin
	setIf(&how, strategy)
	var res *db.BulkAssignResult
	err = db.AsActor(ctx, r.DB, p.UserID, db.SourceBulkAssign, func(ctx context.Context, tx bun.Tx) error {
		res, err = db.AssignLeads(ctx, tx, leadIDs, assigneeIDs, how)
		return err
	})
	return res, err
}

// checkAssignees dedupes the assignees and checks that they are 1 to 1000
// existing users. Returns VALIDATION_ERROR on field otherwise.
func (r *Resolver) checkAssignees(ctx context.Context, field string, ids []uuid.UUID) ([]uuid.UUID, error) {
	ids = dedupe(ids)
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, apperr.Invalid(field, "must name 1 to 1000 users")
	}
	if users, err := db.FindUsersByIDs(ctx, r.DB, ids); err != nil {
		return nil, err
	} else if len(users) != len(ids) {
		return nil, apperr.Invalid(field, "names a user that does not exist")
	}
	return ids, nil
}

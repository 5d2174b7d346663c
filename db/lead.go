package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// Lead is a person or company the team calls.
type Lead struct {
	bun.BaseModel `bun:"table:leads,alias:l" json:"-"`

	ID              uuid.UUID      `bun:"id,pk,type:uuid" json:"id"`
	Name            string         `bun:"name" json:"name"`
	Email           *string        `bun:"email" json:"email"`
	Phone           *string        `bun:"phone" json:"phone"`
	PhoneE164       *string        `bun:"phone_e164" json:"phoneE164"`
	Company         *string        `bun:"company" json:"company"`
	Source          LeadSource     `bun:"source" json:"source"`
	Status          LeadStatus     `bun:"status" json:"status"`
	Priority        LeadPriority   `bun:"priority" json:"priority"`
	AssignedToID    *uuid.UUID     `bun:"assigned_to,type:uuid" json:"assignedToId"`
	CreatedByID     *uuid.UUID     `bun:"created_by,type:uuid" json:"createdById"`
	Notes           *string        `bun:"notes" json:"notes"`
	Tags            []string       `bun:"tags,array,type:text[]" json:"tags"`
	CustomFields    map[string]any `bun:"custom_fields,type:jsonb" json:"customFields"`
	NextFollowUpAt  *time.Time     `bun:"next_follow_up_at" json:"nextFollowUpAt"`
	LastContactedAt *time.Time     `bun:"last_contacted_at" json:"lastContactedAt"`
	AttemptCount    int            `bun:"attempt_count" json:"attemptCount"`
	Version         int            `bun:"version" json:"version"`
	CreatedAt       time.Time      `bun:"created_at,nullzero,default:current_timestamp" json:"createdAt"`
	UpdatedAt       time.Time      `bun:"updated_at,nullzero,default:current_timestamp" json:"updatedAt"`
	DeletedAt       *time.Time     `bun:"deleted_at" json:"deletedAt"`

	// Progress kept for analytics (see migration 3); not part of the API.
	FirstContactedAt *time.Time `bun:"first_contacted_at" json:"-"`
	ConvertedAt      *time.Time `bun:"converted_at" json:"-"`
	Stage            int        `bun:"stage" json:"-"`
	// RetryAt keeps the call queue from offering the lead again too soon
	// (see migration 6); not part of the API.
	RetryAt *time.Time `bun:"retry_at" json:"-"`
}

// CreateLead inserts l, setting its id when unset. Returns CONFLICT naming the
// field and the existing lead's id when a live lead has the same phone or email.
func CreateLead(ctx context.Context, idb bun.IDB, l *Lead) error {
	return createLead(ctx, idb, nil, l)
}

// CreateLeadAs is CreateLead in a statement of its own that names actor for
// the audit trail itself, so idb need not be a transaction and a new lead
// costs one round trip instead of six (BEGIN, the actor, a savepoint, the
// insert, its release, COMMIT). Outside a transaction a duplicate leaves
// nothing to roll back, and the lookup that names the lead it collided
// with runs on its own.
func CreateLeadAs(ctx context.Context, idb bun.IDB, actor Actor, l *Lead) error {
	return createLead(ctx, idb, &actor, l)
}

func createLead(ctx context.Context, idb bun.IDB, actor *Actor, l *Lead) error {
	l.prepareNew()
	err := savepoint(ctx, idb, func(conn bun.IConn) error {
		q := idb.NewInsert().Conn(conn).Model(l).Returning("*")
		if actor != nil {
			// Any column would do: the version of a new lead carries
			// the subquery that names the actor.
			q = q.Value("version", "(SELECT ? FROM "+actorExpr+")", l.Version, actor.ID.String(), string(actor.Source))
		}
		_, err := q.Exec(ctx)
		return err
	})
	if err != nil {
		return duplicateError(ctx, idb, formatError(err, "Lead"), l)
	}
	return nil
}

// savepoint runs fn on idb; inside a transaction, under a savepoint, so a
// failed statement (a duplicate) leaves the transaction usable for the
// lookups that explain the failure.
func savepoint(ctx context.Context, idb bun.IDB, fn func(conn bun.IConn) error) error {
	tx, ok := idb.(bun.Tx)
	if !ok {
		return fn(idb)
	}
	return tx.RunInTx(ctx, nil, func(_ context.Context, sp bun.Tx) error { return fn(sp) })
}

// prepareNew fills what a new lead row needs: an id, version 1, and empty
// (not null) tags and custom fields.
func (l *Lead) prepareNew() {
	if l.ID == uuid.Nil {
		l.ID = uuid.Must(uuid.NewV7())
	}
	if l.Tags == nil {
		l.Tags = []string{}
	}
	if l.CustomFields == nil {
		l.CustomFields = map[string]any{}
	}
	l.Version = 1
}

// duplicateError adds the id of the live lead that a CONFLICT collided with.
func duplicateError(ctx context.Context, idb bun.IDB, err error, l *Lead) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Conflict {
		return err
	}
	var id uuid.UUID
	q := idb.NewSelect().Model((*Lead)(nil)).Column("l.id").Where("l.deleted_at IS NULL").Limit(1)
	switch {
	case e.Field == "phone" && l.PhoneE164 != nil:
		q = q.Where("l.phone_e164 = ?", *l.PhoneE164)
	case e.Field == "email" && l.Email != nil:
		q = q.Where("l.email = ?", *l.Email)
	default:
		return err
	}
	q = q.Where("l.id <> ?", l.ID)
	if q.Scan(ctx, &id) != nil {
		return err
	}
	e = e.With("existingLeadId", id.String())
	e.Message = "A lead with this " + e.Field + " already exists (" + id.String() + ")."
	return e
}

// LeadScope restricts which leads a caller may touch; a nil AssignedTo means all.
type LeadScope struct {
	AssignedTo *uuid.UUID
}

func (s LeadScope) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if s.AssignedTo != nil {
		q = q.Where("l.assigned_to = ?", *s.AssignedTo)
	}
	return q
}

// FindLeadByID returns a live lead inside scope (or a deleted one when
// withDeleted). Returns NOT_FOUND otherwise, so ids outside scope don't leak.
func FindLeadByID(ctx context.Context, idb bun.IDB, id uuid.UUID, scope LeadScope, withDeleted bool) (*Lead, error) {
	// A cached statement (prepared.go): a NULL $2 is the unrestricted scope.
	q := selectLeads() + " WHERE l.id = $1 AND ($2::uuid IS NULL OR l.assigned_to = $2)"
	if !withDeleted {
		q += " AND l.deleted_at IS NULL"
	}
	l := new(Lead)
	rows, err := queryCached(ctx, idb, q, id, scope.AssignedTo)
	if err == nil {
		err = scanOne(ctx, idb, rows, l)
	}
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	return l, nil
}

// LockLeadAs is FindLeadByID with a row lock, for read-modify-write in a
// transaction, whose lead changes the same statement names actor of for
// the audit trail (until the transaction ends): one round trip for both.
func LockLeadAs(ctx context.Context, tx bun.Tx, actor Actor, id uuid.UUID, scope LeadScope) (*Lead, error) {
	l := new(Lead)
	q := scope.apply(tx.NewSelect().Model(l).TableExpr(actorExpr, actor.ID.String(), string(actor.Source)).
		Where("l.id = ?", id).Where("l.deleted_at IS NULL")).For("UPDATE OF l")
	if err := q.Scan(ctx); err != nil {
		return nil, formatError(err, "Lead")
	}
	return l, nil
}

// FindLeadsByIDs returns the live leads with the given ids, in no particular order.
func FindLeadsByIDs(ctx context.Context, idb bun.IDB, ids []uuid.UUID) ([]*Lead, error) {
	var leads []*Lead
	err := idb.NewSelect().Model(&leads).Where("l.id IN (?)", bun.In(ids)).Scan(ctx)
	return leads, formatError(err, "Lead")
}

// LeadUpdate is a patch: nil fields are left alone; Clear names nullable
// columns to set to NULL.
type LeadUpdate struct {
	Name           *string
	Email          *string
	Phone          *string
	PhoneE164      *string
	Company        *string
	Source         *LeadSource
	Status         *LeadStatus
	Priority       *LeadPriority
	AssignedToID   *uuid.UUID
	Notes          *string
	Tags           *[]string
	CustomFields   map[string]any
	NextFollowUpAt *time.Time
	Clear          []string
}

// IsEmpty reports whether the patch changes nothing.
func (u LeadUpdate) IsEmpty() bool {
	return u.Name == nil && u.Email == nil && u.Phone == nil && u.PhoneE164 == nil && u.Company == nil &&
		u.Source == nil && u.Status == nil && u.Priority == nil && u.AssignedToID == nil && u.Notes == nil &&
		u.Tags == nil && u.CustomFields == nil && u.NextFollowUpAt == nil && len(u.Clear) == 0
}

// clearable lists the nullable columns a patch may set to NULL.
var clearable = map[string]bool{
	"email": true, "phone": true, "phone_e164": true, "company": true,
	"assigned_to": true, "notes": true, "next_follow_up_at": true,
}

// UpdateLead applies u to a live lead in scope, bumping version and
// updated_at. With expectedVersion set, the update happens only at that
// version. Returns NOT_FOUND, CONFLICT (field "version") on a version
// mismatch, or CONFLICT on a duplicate phone/email.
func UpdateLead(ctx context.Context, idb bun.IDB, id uuid.UUID, scope LeadScope, u LeadUpdate, expectedVersion *int) (*Lead, error) {
	return updateLead(ctx, idb, nil, id, scope, u, expectedVersion)
}

// UpdateLeadAs is UpdateLead in a statement of its own that names actor
// for the audit trail itself (set_config in its FROM list, local to the
// statement's implicit transaction), so idb need not be a transaction and
// a single-lead change costs one round trip instead of four (BEGIN, the
// actor, the update, COMMIT), six when a savepoint wraps the update.
func UpdateLeadAs(ctx context.Context, idb bun.IDB, actor Actor, id uuid.UUID, scope LeadScope, u LeadUpdate, expectedVersion *int) (*Lead, error) {
	return updateLead(ctx, idb, &actor, id, scope, u, expectedVersion)
}

func updateLead(ctx context.Context, idb bun.IDB, actor *Actor, id uuid.UUID, scope LeadScope, u LeadUpdate, expectedVersion *int) (*Lead, error) {
	if u.IsEmpty() { // nothing to write: keep version and ETag as they are
		l, err := FindLeadByID(ctx, idb, id, scope, false)
		if err == nil && expectedVersion != nil && *expectedVersion != l.Version {
			return nil, versionConflict(l.Version)
		}
		return l, err
	}
	l := &Lead{ID: id}
	q := idb.NewUpdate().Model(l).
		Set("version = l.version + 1").
		Set("updated_at = now()").
		Where("l.id = ?", id).
		Where("l.deleted_at IS NULL").
		Returning("l.*")
	if actor != nil {
		q = q.TableExpr(actorExpr, actor.ID.String(), string(actor.Source))
	}
	if scope.AssignedTo != nil {
		q = q.Where("l.assigned_to = ?", *scope.AssignedTo)
	}
	if expectedVersion != nil {
		q = q.Where("l.version = ?", *expectedVersion)
	}
	set := func(col string, v any) { q = q.Set("? = ?", bun.Ident(col), v) }
	if u.Name != nil {
		set("name", *u.Name)
	}
	if u.Email != nil {
		set("email", *u.Email)
	}
	if u.Phone != nil {
		set("phone", *u.Phone)
	}
	if u.PhoneE164 != nil {
		set("phone_e164", *u.PhoneE164)
	}
	if u.Company != nil {
		set("company", *u.Company)
	}
	if u.Source != nil {
		set("source", *u.Source)
	}
	if u.Status != nil {
		set("status", *u.Status)
	}
	if u.Priority != nil {
		set("priority", *u.Priority)
	}
	if u.AssignedToID != nil {
		set("assigned_to", *u.AssignedToID)
	}
	if u.Notes != nil {
		set("notes", *u.Notes)
	}
	if u.Tags != nil {
		set("tags", pgArray(*u.Tags))
	}
	if u.CustomFields != nil {
		set("custom_fields", jsonb(u.CustomFields))
	}
	if u.NextFollowUpAt != nil {
		set("next_follow_up_at", *u.NextFollowUpAt)
	}
	for _, col := range u.Clear {
		if clearable[col] {
			q = q.Set("? = NULL", bun.Ident(col))
		}
	}
	var res sql.Result
	exec := func(conn bun.IConn) (err error) {
		res, err = q.Conn(conn).Exec(ctx)
		return err
	}
	var err error
	if u.Email != nil || u.PhoneE164 != nil {
		// Only these can collide with another live lead; the lookups
		// that name it need the transaction, if any, to survive.
		err = savepoint(ctx, idb, exec)
	} else {
		err = exec(idb)
	}
	if err != nil {
		probe := &Lead{ID: id}
		if u.PhoneE164 != nil {
			probe.PhoneE164 = u.PhoneE164
		}
		if u.Email != nil {
			probe.Email = u.Email
		}
		return nil, duplicateError(ctx, idb, formatError(err, "Lead"), probe)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return l, nil
	}
	// Nothing matched: tell a missing lead from a stale version.
	cur, err := FindLeadByID(ctx, idb, id, scope, false)
	if err != nil {
		return nil, err
	}
	return nil, versionConflict(cur.Version)
}

// versionConflict is the CONFLICT of an update made against a stale version.
func versionConflict(current int) error {
	e := apperr.New(apperr.Conflict, "The lead was changed by someone else (now at version %d); reload and retry.", current)
	e.Field, e.FieldMessage = "version", "does not match the current version"
	return e.With("currentVersion", current)
}

// SetLeadDeleted soft-deletes (deleted=true) or restores a lead, bumping its
// version. Returns NOT_FOUND when the lead is not in the expected state, or
// CONFLICT when restoring would duplicate a live lead's phone or email.
func SetLeadDeleted(ctx context.Context, idb bun.IDB, id uuid.UUID, deleted bool) (*Lead, error) {
	l := &Lead{ID: id}
	q := idb.NewUpdate().Model(l).
		Set("version = l.version + 1").
		Set("updated_at = now()").
		Where("l.id = ?", id).
		Returning("*")
	if deleted {
		q = q.Set("deleted_at = now()").Where("l.deleted_at IS NULL")
	} else {
		q = q.Set("deleted_at = NULL").Where("l.deleted_at IS NOT NULL")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return nil, formatError(err, "Lead")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, apperr.New(apperr.NotFound, "Lead not found.")
	}
	return l, nil
}

// Allows reports whether l lies inside the scope.
func (s LeadScope) Allows(l *Lead) bool {
	return s.AssignedTo == nil || (l.AssignedToID != nil && *l.AssignedToID == *s.AssignedTo)
}

package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/telecaller-crm/api/db"
)

// The baselines issue the statements the API issues for the same request,
// straight through pgx (prepared and cached, pgx's default), and scan every
// row into Go values, but skip HTTP, auth, rate limiting, JSON and the
// application layer.

const leadColumns = `l.id, l.name, l.email, l.phone, l.phone_e164, l.company, l.source, l.status, l.priority,
	l.assigned_to, l.created_by, l.notes, l.tags, l.custom_fields, l.next_follow_up_at, l.last_contacted_at,
	l.attempt_count, l.version, l.created_at, l.updated_at, l.deleted_at`

// leadRow holds a scanned lead.
type leadRow struct {
	ID                               uuid.UUID
	Name                             string
	Email, Phone, PhoneE164, Company *string
	Source, Status, Priority         string
	AssignedTo, CreatedBy            *uuid.UUID
	Notes                            *string
	Tags                             []string
	CustomFields                     map[string]any
	NextFollowUpAt, LastContactedAt  *time.Time
	AttemptCount, Version            int
	CreatedAt, UpdatedAt             time.Time
	DeletedAt                        *time.Time
}

func scanLead(row pgx.CollectableRow) (leadRow, error) {
	var l leadRow
	err := row.Scan(&l.ID, &l.Name, &l.Email, &l.Phone, &l.PhoneE164, &l.Company, &l.Source, &l.Status, &l.Priority,
		&l.AssignedTo, &l.CreatedBy, &l.Notes, &l.Tags, &l.CustomFields, &l.NextFollowUpAt, &l.LastContactedAt,
		&l.AttemptCount, &l.Version, &l.CreatedAt, &l.UpdatedAt, &l.DeletedAt)
	return l, err
}

// leadPage fetches a status's page of 20 newest leads plus one to tell
// whether more follow, and counts the matches the way the API does.
func (t *Target) leadPage(ctx context.Context, c *Client) ([]leadRow, error) {
	status, page := listPage(c)
	rows, err := t.Pool.Query(ctx, `SELECT `+leadColumns+` FROM leads AS l
		WHERE l.deleted_at IS NULL AND l.status IN ($1)
		ORDER BY l.created_at DESC, l.id DESC LIMIT 21 OFFSET $2`, status, (page-1)*20)
	if err != nil {
		return nil, err
	}
	leads, err := pgx.CollectRows(rows, scanLead)
	if err != nil {
		return nil, err
	}
	if len(leads) > 20 {
		leads = leads[:20]
	}
	_, err = t.countLeads(ctx, status)
	return leads, err
}

// countLeads counts the leads of a status as the server does: with the
// server's own statement over the kept counts (db.KeptLeadCountSQL).
func (t *Target) countLeads(ctx context.Context, status string) (int, error) {
	var n int
	err := t.Pool.QueryRow(ctx, db.KeptLeadCountSQL, []string{status}, nil, false, nil).Scan(&n)
	return n, err
}

func (t *Target) sqlList(ctx context.Context, c *Client) error {
	_, err := t.leadPage(ctx, c)
	return err
}

// sqlListNested adds what the nested GraphQL list loads: the assignees and
// each lead's three latest interactions, one query each.
func (t *Target) sqlListNested(ctx context.Context, c *Client) error {
	leads, err := t.leadPage(ctx, c)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, 0, len(leads))
	var users []uuid.UUID
	for _, l := range leads {
		ids = append(ids, l.ID)
		if l.AssignedTo != nil {
			users = append(users, *l.AssignedTo)
		}
	}
	rows, err := t.Pool.Query(ctx, `SELECT i.id, i.lead_id, i.telecaller_id, i.type, i.direction, i.outcome, i.duration_seconds,
		i.notes, i.follow_up_at, i.status_after, i.occurred_at, i.created_at
		FROM unnest($1::uuid[]) AS ids(lead_id)
		CROSS JOIN LATERAL (SELECT * FROM interactions AS i0 WHERE i0.lead_id = ids.lead_id
			ORDER BY i0.occurred_at DESC, i0.id DESC LIMIT 3) AS i
		ORDER BY i.lead_id, i.occurred_at DESC, i.id DESC`, ids)
	if err != nil {
		return err
	}
	if _, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (int, error) {
		var id, lead, tc uuid.UUID
		var typ, dir string
		var outcome, notes, after *string
		var dur int
		var fu *time.Time
		var at, created time.Time
		return 0, row.Scan(&id, &lead, &tc, &typ, &dir, &outcome, &dur, &notes, &fu, &after, &at, &created)
	}); err != nil {
		return err
	}
	if len(users) == 0 {
		return nil
	}
	rows, err = t.Pool.Query(ctx, `SELECT u.id, u.email, u.full_name, u.role, u.created_at, u.updated_at FROM users AS u WHERE u.id = ANY($1)`, users)
	if err != nil {
		return err
	}
	_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (int, error) {
		var id uuid.UUID
		var email, name, role string
		var created, updated time.Time
		return 0, row.Scan(&id, &email, &name, &role, &created, &updated)
	})
	return err
}

func (t *Target) sqlGet(ctx context.Context, c *Client) error {
	rows, err := t.Pool.Query(ctx, `SELECT `+leadColumns+` FROM leads AS l WHERE l.id = $1 AND l.deleted_at IS NULL`, t.lead(c))
	if err != nil {
		return err
	}
	_, err = pgx.CollectExactlyOneRow(rows, scanLead)
	return err
}

// sqlCreate inserts a lead as the manager, naming them for the audit trail
// in the same statement, as createLead does (the unique indexes catch
// duplicates; nothing looks for them first).
func (t *Target) sqlCreate(ctx context.Context, _ *Client) error {
	n := t.created.Add(1)
	email := fmt.Sprintf("bench-%s-%d@example.test", t.run, n)
	rows, err := t.Pool.Query(ctx, `INSERT INTO leads (id, name, email, company, source, status, priority, tags, custom_fields, version)
		SELECT $1, $2, $3, 'Load Test Ltd', 'website', 'new', 'medium', '{}', '{}', 1
		FROM (SELECT set_config('crm.actor_id', $4::uuid::text, true), set_config('crm.event_source', '', true)) AS actor
		RETURNING `+leadColumnsBare,
		uuid.Must(uuid.NewV7()), "Bench Lead "+strconv.FormatInt(n, 10), email, t.ManagerID)
	if err != nil {
		return err
	}
	_, err = pgx.CollectExactlyOneRow(rows, scanLead)
	return err
}

// sqlInteraction logs a call as the client's telecaller on one of their
// leads in one transaction, as createInteraction does: lock the lead in
// the telecaller's scope (naming the actor for the audit trail in the same
// statement), insert the interaction, update the lead's contact fields.
func (t *Target) sqlInteraction(ctx context.Context, c *Client) error {
	tc, lead := t.callerLead(c)
	return pgx.BeginFunc(ctx, t.Pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT l.status, set_config('crm.actor_id', $2::uuid::text, true), set_config('crm.event_source', 'interaction', true)
			FROM leads AS l WHERE l.id = $1 AND l.deleted_at IS NULL AND l.assigned_to = $2 FOR UPDATE`, lead, tc.ID).Scan(&status, nil, nil); err != nil {
			return err
		}
		now := time.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO interactions (id, lead_id, telecaller_id, type, direction, outcome, duration_seconds, occurred_at)
			VALUES ($1, $2, $3, 'call', 'outbound', 'no_answer', $4, $5)`,
			uuid.Must(uuid.NewV7()), lead, tc.ID, c.IntN(120), now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE leads AS l SET attempt_count = l.attempt_count + 1,
			last_contacted_at = greatest(l.last_contacted_at, $2), version = l.version + 1, updated_at = now(),
			first_contacted_at = least(coalesce(l.first_contacted_at, $2), $2)
			WHERE l.id = $1 RETURNING `+leadColumnsBare, lead, now)
		if err != nil {
			return err
		}
		_, err = pgx.CollectExactlyOneRow(rows, scanLead)
		return err
	})
}

// sqlPatch updates one field of one of the client's telecaller's leads in
// their scope and bumps the version, as updateLead does, naming the actor
// for the audit trail in the same statement (so the same trigger writes
// the same lead event) without a transaction of its own.
func (t *Target) sqlPatch(ctx context.Context, c *Client) error {
	tc, lead := t.callerLead(c)
	rows, err := t.Pool.Query(ctx, `UPDATE leads AS l SET priority = $2, version = l.version + 1, updated_at = now()
		FROM (SELECT set_config('crm.actor_id', $3::uuid::text, true), set_config('crm.event_source', '', true)) AS actor
		WHERE l.id = $1 AND l.deleted_at IS NULL AND l.assigned_to = $3 RETURNING `+leadColumns,
		lead, priorities[c.IntN(len(priorities))], tc.ID)
	if err != nil {
		return err
	}
	_, err = pgx.CollectExactlyOneRow(rows, scanLead)
	return err
}

// leadColumnsBare is leadColumns for RETURNING, which takes no alias.
const leadColumnsBare = `id, name, email, phone, phone_e164, company, source, status, priority,
	assigned_to, created_by, notes, tags, custom_fields, next_follow_up_at, last_contacted_at,
	attempt_count, version, created_at, updated_at, deleted_at`

// DatabaseBackends meters the Postgres processes that work for one
// database: the backends connected to the pool's database, the server's and
// the baselines' alike, and Postgres's background processes (WAL writer,
// checkpointer, autovacuum launcher). Backends of other databases on the
// same server, such as another suite's tests, are left out. The processes
// must be local and visible to this user.
type DatabaseBackends struct{ Pool *pgxpool.Pool }

func (d DatabaseBackends) cpuByPID() map[int]time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := d.Pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL`)
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if _, cpu, err := readStat(int(pid)); err == nil {
			out[int(pid)] = cpu
		}
	}
	return out
}

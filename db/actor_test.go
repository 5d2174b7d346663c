package db_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// CreateLeadAs and UpdateLeadAs name their actor inside the statement,
// outside any transaction: the audit trail must record that actor, and the
// setting must end with the statement, so the next write on the same
// pooled connection is not attributed to them.
func TestActorStatementsOutsideTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, _ := dbtest.New(t)
	var users []*db.User
	for i, role := range []db.UserRole{db.RoleTelecaller, db.RoleManager} {
		u := &db.User{ID: uuid.New(), Email: []string{"tc@example.com", "mgr@example.com"}[i], FullName: "User", Role: role}
		if err := db.UpsertUser(ctx, bdb, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	tc, mgr := users[0], users[1]
	conn, err := bdb.Conn(ctx) // one connection, as a pool would reuse it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	actorLeft := func(t *testing.T) {
		t.Helper()
		var v sql.NullString
		if err := conn.QueryRowContext(ctx, "SELECT current_setting('crm.actor_id', true)").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v.String != "" {
			t.Fatalf("crm.actor_id = %q after the statement, want it gone", v.String)
		}
	}
	lastEvent := func(t *testing.T, lead uuid.UUID) *db.LeadEvent {
		t.Helper()
		pages, err := db.FindLeadEvents(ctx, conn, []db.TimelineKey{{LeadID: lead, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if len(pages[0]) == 0 {
			t.Fatal("no event recorded")
		}
		return pages[0][0]
	}

	email := "asha@example.com"
	l := &db.Lead{Name: "Asha", Email: &email, Source: db.SourceWebsite, Status: db.StatusNew, Priority: db.PriorityMedium, AssignedToID: &tc.ID}
	if err := db.CreateLeadAs(ctx, conn, db.Actor{ID: mgr.ID}, l); err != nil {
		t.Fatal(err)
	}
	if l.Version != 1 {
		t.Errorf("new lead at version %d, want 1", l.Version)
	}
	if e := lastEvent(t, l.ID); e.Kind != db.EventCreated || e.ActorID == nil || *e.ActorID != mgr.ID {
		t.Errorf("create event = %s by %v, want created by the manager", e.Kind, e.ActorID)
	}
	actorLeft(t)

	high := db.PriorityHigh
	scope := db.LeadScope{AssignedTo: &tc.ID}
	got, err := db.UpdateLeadAs(ctx, conn, db.Actor{ID: tc.ID}, l.ID, scope, db.LeadUpdate{Priority: &high}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Priority != high || got.Version != 2 {
		t.Errorf("updated lead: priority %s version %d, want high at 2", got.Priority, got.Version)
	}
	if e := lastEvent(t, l.ID); e.Kind != db.EventUpdated || e.ActorID == nil || *e.ActorID != tc.ID {
		t.Errorf("update event = %s by %v, want updated by the telecaller", e.Kind, e.ActorID)
	}
	actorLeft(t)

	// A write without an actor, next on the same connection, records none.
	events := func() int {
		n, err := db.CountLeadEvents(ctx, conn, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := events()
	if _, err := conn.ExecContext(ctx, "UPDATE leads SET notes = 'x' WHERE id = ?", l.ID); err != nil {
		t.Fatal(err)
	}
	if after := events(); after != before {
		t.Errorf("a write without an actor recorded %d events", after-before)
	}

	// Out of scope, a stale version and a duplicate still fail as before.
	other := uuid.New()
	if _, err := db.UpdateLeadAs(ctx, conn, db.Actor{ID: tc.ID}, l.ID, db.LeadScope{AssignedTo: &other}, db.LeadUpdate{Priority: &high}, nil); !isNotFound(err) {
		t.Errorf("an update outside the scope: %v, want NOT_FOUND", err)
	}
	stale := 1
	if _, err := db.UpdateLeadAs(ctx, conn, db.Actor{ID: tc.ID}, l.ID, scope, db.LeadUpdate{Priority: &high}, &stale); !isConflict(err) {
		t.Errorf("stale version: %v, want CONFLICT", err)
	}
	dup := &db.Lead{Name: "Twin", Email: &email, Source: db.SourceWebsite, Status: db.StatusNew, Priority: db.PriorityMedium}
	if err := db.CreateLeadAs(ctx, conn, db.Actor{ID: mgr.ID}, dup); !isConflict(err) {
		t.Errorf("duplicate e-mail: %v, want CONFLICT", err)
	}
	actorLeft(t)
}

func isConflict(err error) bool { return apperr.CodeOf(err) == apperr.Conflict }

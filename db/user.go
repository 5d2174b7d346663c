package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// User is a person who signs in: an admin, a manager or a telecaller. Its id
// is the Supabase user id (the JWT's sub).
type User struct {
	bun.BaseModel `bun:"table:users,alias:u" json:"-"`

	ID        uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	Email     string    `bun:"email" json:"email"`
	FullName  string    `bun:"full_name" json:"fullName"`
	Role      UserRole  `bun:"role" json:"role"`
	CreatedAt time.Time `bun:"created_at,nullzero,default:current_timestamp" json:"createdAt"`
	UpdatedAt time.Time `bun:"updated_at,nullzero,default:current_timestamp" json:"updatedAt"`
}

// UpsertUser inserts u or refreshes its email, name and role, writing only
// when something changed. When it writes, it fills u from the stored row.
func UpsertUser(ctx context.Context, idb bun.IDB, u *User) error {
	_, err := idb.NewInsert().Model(u).
		On("CONFLICT (id) DO UPDATE").
		Set("email = EXCLUDED.email, full_name = EXCLUDED.full_name, role = EXCLUDED.role, updated_at = now()").
		Where("(u.email, u.full_name, u.role) IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.full_name, EXCLUDED.role)").
		Returning("*").
		Exec(ctx)
	if err != nil {
		return formatError(err, "User")
	}
	return nil
}

// FindUserByID returns one user. Returns NOT_FOUND if there is none.
func FindUserByID(ctx context.Context, idb bun.IDB, id uuid.UUID) (*User, error) {
	u := new(User)
	if err := idb.NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, formatError(err, "User")
	}
	return u, nil
}

// FindUsersByIDs returns the users with the given ids, in no particular order.
func FindUsersByIDs(ctx context.Context, idb bun.IDB, ids []uuid.UUID) ([]*User, error) {
	var users []*User
	if err := idb.NewSelect().Model(&users).Where("u.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, formatError(err, "User")
	}
	return users, nil
}

// FindUsers returns users, optionally of one role, ordered by name.
func FindUsers(ctx context.Context, idb bun.IDB, role *UserRole) ([]*User, error) {
	var users []*User
	q := idb.NewSelect().Model(&users).OrderExpr("u.full_name, u.id")
	if role != nil {
		q = q.Where("u.role = ?", *role)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, formatError(err, "User")
	}
	return users, nil
}

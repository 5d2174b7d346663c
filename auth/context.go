package auth

import (
	"context"

	"github.com/google/uuid"
)

// Role is a caller's role in the CRM. It comes from the token's
// app_metadata.role, which only the server side of Supabase can set.
type Role string

// The roles of the CRM, from the most to the least privileged.
const (
	RoleAdmin      Role = "admin"
	RoleManager    Role = "manager"
	RoleTelecaller Role = "telecaller"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleManager, RoleTelecaller:
		return true
	}
	return false
}

// AtLeastManager reports whether r is manager or admin.
func (r Role) AtLeastManager() bool {
	return r == RoleManager || r == RoleAdmin
}

// parseRole maps an app_metadata.role value to a Role; anything missing or
// unknown is the least privileged role.
func parseRole(v any) Role {
	if s, ok := v.(string); ok && Role(s).Valid() {
		return Role(s)
	}
	return RoleTelecaller
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID uuid.UUID
	Email  string
	// Name comes from user_metadata.full_name or user_metadata.name. The user
	// can change it, so it is for display only, never for authorisation.
	Name string
	// Role comes from app_metadata.role only; missing or unknown values give
	// RoleTelecaller.
	Role Role
}

type principalKey struct{}

type rejectionKey struct{}

// NewContext returns a copy of ctx carrying p as the caller.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller stored by NewContext, or nil, false when the
// request is anonymous. It never panics.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	if !ok || p == nil {
		return nil, false
	}
	return p, true
}

// RejectionFromContext returns why a presented token was rejected (an
// *apperr.Error with code UNAUTHORIZED and a safe message such as "The token
// has expired."), or nil when no token was presented or it was accepted.
func RejectionFromContext(ctx context.Context) error {
	if err, ok := ctx.Value(rejectionKey{}).(error); ok && err != nil {
		return err
	}
	return nil
}

// withRejection returns a copy of ctx recording that the presented token was
// rejected with err.
func withRejection(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, rejectionKey{}, err)
}

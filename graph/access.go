package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
)

// The permission rules of the API live in this file and nowhere else.

// principal returns the authenticated caller and makes sure their user row
// exists. Returns UNAUTHORIZED for anonymous callers, with the reason a
// presented token was rejected.
func (r *Resolver) principal(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		if err := auth.RejectionFromContext(ctx); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.Unauthorized, "Authentication required: send Authorization: Bearer <token>.")
	}
	if _, err := r.syncUser(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// syncUser upserts the caller's user row when it is new or its profile
// changed since this process last wrote it.
func (r *Resolver) syncUser(ctx context.Context, p *auth.Principal) (*db.User, error) {
	u := &db.User{ID: p.UserID, Email: p.Email, FullName: p.Name, Role: db.UserRole(p.Role)}
	if seen, ok := r.seenUsers.Load(p.UserID); ok && seen.(profile) == profileOf(u) {
		return u, nil
	}
	if err := db.UpsertUser(ctx, r.DB, u); err != nil {
		return nil, err
	}
	r.seenUsers.Store(p.UserID, profileOf(u))
	return u, nil
}

type profile struct{ email, name, role string }

func profileOf(u *db.User) profile { return profile{u.Email, u.FullName, string(u.Role)} }

// leadScope is what part of the lead table p may see and change:
// telecallers only the leads assigned to them, managers and admins all.
func leadScope(p *auth.Principal) db.LeadScope {
	if p.Role.AtLeastManager() {
		return db.LeadScope{}
	}
	id := p.UserID
	return db.LeadScope{AssignedTo: &id}
}

// requireManager returns FORBIDDEN unless p is a manager or an admin.
func requireManager(p *auth.Principal, action string) error {
	if p.Role.AtLeastManager() {
		return nil
	}
	return apperr.New(apperr.Forbidden, "Only managers and admins can %s.", action)
}

// manager returns the caller when they are a manager or admin: UNAUTHORIZED
// or FORBIDDEN otherwise.
func (r *Resolver) manager(ctx context.Context, action string) (*auth.Principal, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	return p, requireManager(p, action)
}

// agendaSubject is whose follow-ups or queue a caller may see: telecallers
// only their own (asking for another is FORBIDDEN); managers and admins
// anyone's, their own by default.
func agendaSubject(p *auth.Principal, telecallerID *uuid.UUID) (uuid.UUID, error) {
	if telecallerID == nil || *telecallerID == p.UserID {
		return p.UserID, nil
	}
	if !p.Role.AtLeastManager() {
		return uuid.Nil, apperr.New(apperr.Forbidden, "Telecallers can only see their own follow-ups.")
	}
	return *telecallerID, nil
}

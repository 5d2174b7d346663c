package seed

import (
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// DemoUser is one of the fixed demo accounts. Its id is a constant so that
// `crm token` can sign tokens for it without reading the database.
type DemoUser struct {
	ID       uuid.UUID
	Email    string
	FullName string
	Role     db.UserRole
}

// DemoUsers are the demo accounts Run upserts: one admin, one manager and
// three telecallers, in that order. Treat it as read-only: the ids are what
// tokens and the seeded leads refer to.
var DemoUsers = []DemoUser{
	{uuid.MustParse("00000000-0000-4000-8000-000000000001"), "admin@demo.telecaller-crm.dev", "Anjali Mehta", db.RoleAdmin},
	{uuid.MustParse("00000000-0000-4000-8000-000000000002"), "manager@demo.telecaller-crm.dev", "Rajesh Iyer", db.RoleManager},
	{uuid.MustParse("00000000-0000-4000-8000-000000000003"), "telecaller1@demo.telecaller-crm.dev", "Priya Sharma", db.RoleTelecaller},
	{uuid.MustParse("00000000-0000-4000-8000-000000000004"), "telecaller2@demo.telecaller-crm.dev", "Arjun Reddy", db.RoleTelecaller},
	{uuid.MustParse("00000000-0000-4000-8000-000000000005"), "telecaller3@demo.telecaller-crm.dev", "Sneha Kulkarni", db.RoleTelecaller},
}

// FindDemoUser returns the demo user of role (empty role = any) that key
// names: its uuid, its email (or the part before the @, case-insensitive), or
// its 1-based position among the demo users of that role ("2" with role
// telecaller is the second telecaller). An empty key means the first user of
// the role. It returns false when nothing matches.
func FindDemoUser(role db.UserRole, key string) (DemoUser, bool) {
	key = strings.TrimSpace(key)
	var candidates []DemoUser
	for _, u := range DemoUsers {
		if role == "" || u.Role == role {
			candidates = append(candidates, u)
		}
	}
	if len(candidates) == 0 {
		return DemoUser{}, false
	}
	if key == "" {
		return candidates[0], true
	}
	if n, err := strconv.Atoi(key); err == nil {
		if n >= 1 && n <= len(candidates) {
			return candidates[n-1], true
		}
		return DemoUser{}, false
	}
	id, idErr := uuid.Parse(key)
	for _, u := range candidates {
		local, _, _ := strings.Cut(u.Email, "@")
		switch {
		case idErr == nil && u.ID == id,
			strings.EqualFold(u.Email, key),
			strings.EqualFold(local, key):
			return u, true
		}
	}
	return DemoUser{}, false
}

// demoUser returns the first demo user of role; DemoUsers always has one.
func demoUser(role db.UserRole) DemoUser {
	u, _ := FindDemoUser(role, "")
	return u
}

// telecallers returns the demo telecallers in order.
func telecallers() []DemoUser {
	var out []DemoUser
	for _, u := range DemoUsers {
		if u.Role == db.RoleTelecaller {
			out = append(out, u)
		}
	}
	return out
}

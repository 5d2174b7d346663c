package seed_test

import (
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

func TestFindDemoUser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		role   db.UserRole
		key    string
		wantID string // "" = not found
	}{
		{"first of any role", "", "1", "00000000-0000-4000-8000-000000000001"},
		{"fifth of any role", "", "5", "00000000-0000-4000-8000-000000000005"},
		{"index past the end", "", "6", ""},
		{"second telecaller", db.RoleTelecaller, "2", "00000000-0000-4000-8000-000000000004"},
		{"index counts within the role", db.RoleTelecaller, "4", ""},
		{"index zero", db.RoleTelecaller, "0", ""},
		{"negative index", db.RoleTelecaller, "-1", ""},
		{"empty key is the first of the role", db.RoleManager, "", "00000000-0000-4000-8000-000000000002"},
		{"empty key and role is the admin", "", " ", "00000000-0000-4000-8000-000000000001"},
		{"uuid", "", "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000003"},
		{"uuid of another role", db.RoleManager, "00000000-0000-4000-8000-000000000003", ""},
		{"unknown uuid", "", "00000000-0000-4000-8000-000000000009", ""},
		{"email, any case", "", "Manager@Demo.Telecaller-CRM.dev", "00000000-0000-4000-8000-000000000002"},
		{"email with matching role", db.RoleTelecaller, "telecaller3@demo.telecaller-crm.dev", "00000000-0000-4000-8000-000000000005"},
		{"email of another role", db.RoleTelecaller, "admin@demo.telecaller-crm.dev", ""},
		{"local part of the email", "", "telecaller1", "00000000-0000-4000-8000-000000000003"},
		{"unknown email", "", "nobody@example.com", ""},
		{"unknown role", "owner", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, ok := seed.FindDemoUser(tc.role, tc.key)
			switch {
			case tc.wantID == "" && ok:
				t.Errorf("FindDemoUser(%q, %q) = %s, want none", tc.role, tc.key, u.Email)
			case tc.wantID != "" && (!ok || u.ID.String() != tc.wantID):
				t.Errorf("FindDemoUser(%q, %q) = %s, %v, want %s", tc.role, tc.key, u.ID, ok, tc.wantID)
			}
		})
	}
}

func TestDemoUsers(t *testing.T) {
	t.Parallel()
	roles := map[db.UserRole]int{}
	seen := map[string]bool{}
	for _, u := range seed.DemoUsers {
		roles[u.Role]++
		if seen[u.ID.String()] || seen[u.Email] {
			t.Errorf("demo user %s repeats an id or email", u.Email)
		}
		seen[u.ID.String()], seen[u.Email] = true, true
		if u.FullName == "" || u.ID.Version() != 4 {
			t.Errorf("demo user %+v needs a name and a version 4 id", u)
		}
	}
	if roles[db.RoleAdmin] != 1 || roles[db.RoleManager] != 1 || roles[db.RoleTelecaller] != 3 {
		t.Errorf("roles = %v, want 1 admin, 1 manager, 3 telecallers", roles)
	}
}

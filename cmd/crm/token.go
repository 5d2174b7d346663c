package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

// localSecretFile is where scripts/services.sh keeps the dev JWT secret.
const localSecretFile = ".data/jwt-secret"

func token(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "telecaller", "admin, manager or telecaller")
	user := fs.String("user", "", "demo user (uuid, email or 1-based index within the role), or any uuid")
	ttl := fs.Duration("ttl", 24*time.Hour, "token lifetime")
	all := fs.Bool("all", false, "print a token for every demo user, ready to paste")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret, err := devSecret(getenv)
	if err != nil {
		return err
	}
	if *all {
		for _, u := range seed.DemoUsers {
			tok, err := auth.SignHS256(secret, auth.TokenSpec{UserID: u.ID, Email: u.Email, Name: u.FullName, Role: auth.Role(u.Role), TTL: *ttl})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "# %s (%s)\nexport TOKEN_%s=%s\n", u.FullName, u.Role, strings.ToUpper(strings.Split(u.Email, "@")[0]), tok)
		}
		return nil
	}
	r, err := db.ParseEnum(db.UserRoles, *role)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	spec := auth.TokenSpec{Role: auth.Role(r), TTL: *ttl}
	if u, ok := seed.FindDemoUser(r, *user); ok {
		spec.UserID, spec.Email, spec.Name = u.ID, u.Email, u.FullName
	} else if id, err := uuid.Parse(*user); err == nil {
		spec.UserID, spec.Email, spec.Name = id, id.String()[:8]+"@example.com", "User "+id.String()[:8]
	} else {
		return fmt.Errorf("--user %q is neither a demo user nor a uuid", *user)
	}
	tok, err := auth.SignHS256(secret, spec)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// devSecret is SUPABASE_JWT_SECRET, or the local dev secret that
// `make run` generated under .data/.
func devSecret(getenv func(string) string) ([]byte, error) {
	if s := getenv("SUPABASE_JWT_SECRET"); s != "" {
		return []byte(s), nil
	}
	b, err := os.ReadFile(filepath.FromSlash(localSecretFile))
	if err != nil {
		return nil, errors.New("SUPABASE_JWT_SECRET is not set and no local secret exists: run `make run` or `make services-up` first")
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

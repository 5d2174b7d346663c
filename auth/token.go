package auth

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// TokenSpec describes a dev or test token for SignHS256.
type TokenSpec struct {
	UserID uuid.UUID
	Email  string
	Name   string
	// Role goes into app_metadata.role; it is left out when empty. Any
	// string is written, so tests can try unknown roles.
	Role Role
	// TTL is the lifetime; 24h when zero. A negative TTL gives an expired
	// token.
	TTL time.Duration
	// Audience is the aud claim; "authenticated" when empty.
	Audience string
	// Issuer is the iss claim; left out when empty.
	Issuer string
}

// SignHS256 returns a Supabase-shaped HS256 token signed with secret: sub,
// aud, exp, iat, email, role "authenticated", app_metadata {provider, role},
// user_metadata {full_name}, aal "aal1" and a random session_id. It returns an
// error when secret is empty or spec.UserID is the nil UUID.
func SignHS256(secret []byte, spec TokenSpec) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("auth: empty HS256 secret")
	}
	if spec.UserID == uuid.Nil {
		return "", errors.New("auth: token needs a user id")
	}
	ttl := spec.TTL
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	aud := spec.Audience
	if aud == "" {
		aud = defaultAudience
	}
	now := time.Now()
	app := map[string]any{"provider": "email", "providers": []string{"email"}}
	if spec.Role != "" {
		app["role"] = string(spec.Role)
	}
	c := jwt.MapClaims{
		"sub":           spec.UserID.String(),
		"aud":           aud,
		"exp":           now.Add(ttl).Unix(),
		"iat":           now.Unix(),
		"email":         spec.Email,
		"phone":         "",
		"role":          "authenticated",
		"app_metadata":  app,
		"user_metadata": map[string]any{"full_name": spec.Name},
		"aal":           "aal1",
		"amr":           []map[string]any{{"method": "password", "timestamp": now.Unix()}},
		"session_id":    uuid.NewString(),
		"is_anonymous":  false,
	}
	if spec.Issuer != "" {
		c["iss"] = spec.Issuer
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

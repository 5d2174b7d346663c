package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestForgedTokens sends forged and broken tokens through the whole HTTP
// stack (REST and GraphQL) of a server that accepts both the HS256 secret
// and a Supabase JWKS with an RSA key. Every forgery is a 401 envelope;
// user_metadata.role never grants anything. (auth/verifier_test.go and
// auth/jwks_test.go cover the same cases at the verifier, with more.)
func TestForgedTokens(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	t.Cleanup(jwks.Close)
	iss := jwks.URL + "/auth/v1"
	env := servertest.New(t, func(_ *server.Config, d *server.Deps) {
		v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(servertest.Secret), SupabaseURL: jwks.URL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(v.Close)
		d.Verifier = v
	})
	user := env.SeedUser(t, db.RoleTelecaller)
	other := env.SeedLead(t, nil) // unassigned: only managers see it
	now := time.Now()
	claims := func(kv ...any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": user.ID.String(), "aud": "authenticated", "iss": iss, "role": "authenticated",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "app_metadata": map[string]any{"role": "telecaller"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
				continue
			}
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	hs := func(secret []byte, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rs := func(c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	secret := []byte(servertest.Secret)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	valid := hs(secret, claims())
	parts := strings.Split(valid, ".")
	seg := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }

	rows := []struct {
		name, token string
		wantStatus  int
	}{
		{"valid HS256 (control)", valid, 200},
		{"valid RS256 from the JWKS (control)", rs(claims()), 200},
		{"alg none", seg(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", 401},
		{"alg none keeping the signature", seg(map[string]string{"alg": "none"}) + "." + parts[1] + "." + parts[2], 401},
		{"HS256 signed with the JWKS public key (PEM)", hs(pubPEM, claims()), 401},
		{"HS256 signed with the JWKS modulus", hs(key.N.Bytes(), claims()), 401},
		{"HS256 with the kid of the RSA key", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims())
			tok.Header["kid"] = "k1"
			s, _ := tok.SignedString(pubPEM)
			return s
		}(), 401},
		{"RS256 with an unknown kid", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims())
			tok.Header["kid"] = "nope"
			s, _ := tok.SignedString(key)
			return s
		}(), 401},
		{"expired", hs(secret, claims("exp", now.Add(-time.Hour).Unix())), 401},
		{"not yet valid", hs(secret, claims("nbf", now.Add(time.Hour).Unix())), 401},
		{"no exp", hs(secret, claims("exp", nil)), 401},
		{"wrong audience", hs(secret, claims("aud", "anon-api")), 401},
		{"wrong issuer", hs(secret, claims("iss", "https://evil.supabase.co/auth/v1")), 401},
		{"no issuer", hs(secret, claims("iss", nil)), 401},
		{"wrong secret", hs([]byte("another-secret-with-at-least-32-characters"), claims()), 401},
		{"tampered payload: role admin", parts[0] + "." + seg(claims("app_metadata", map[string]any{"role": "admin"})) + "." + parts[2], 401},
		{"tampered payload: another user", parts[0] + "." + seg(claims("sub", uuid.NewString())) + "." + parts[2], 401},
		{"truncated signature", valid[:len(valid)-4], 401},
		{"service_role key", hs(secret, claims("role", "service_role", "sub", nil)), 401},
		{"sub is not a uuid", hs(secret, claims("sub", "admin")), 401},
		{"garbage", "not.a.token", 401},
		{"oversized", strings.Repeat("a", 20000), 401},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := env.Do(t, "GET", "/api/me", nil, row.token)
			if r.Status != row.wantStatus {
				t.Fatalf("REST: %d, want %d: %s", r.Status, row.wantStatus, r.Body)
			}
			if row.wantStatus == 401 {
				servertest.Check(t, servertest.Scenario{WantCode: "UNAUTHORIZED"}, r)
				g := env.GraphQL(t, row.token, `{ me { id } }`, nil)
				servertest.Check(t, servertest.Scenario{Query: "x", WantCode: "UNAUTHORIZED"}, g)
			}
		})
	}
	// user_metadata.role is the user's own to edit: it never grants admin.
	t.Run("user_metadata.role admin grants nothing", func(t *testing.T) {
		tok := hs(secret, claims("user_metadata", map[string]any{"role": "admin"}, "role", "admin"))
		r := env.Do(t, "GET", "/api/me", nil, tok)
		servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"role":"telecaller"`}}, r)
		r = env.Do(t, "GET", "/api/leads/"+other.ID.String(), nil, tok)
		servertest.Check(t, servertest.Scenario{WantStatus: 404, WantCode: "NOT_FOUND"}, r)
		r = env.Do(t, "DELETE", "/api/leads/"+other.ID.String(), nil, tok)
		servertest.Check(t, servertest.Scenario{WantStatus: 403, WantCode: "FORBIDDEN"}, r)
		g := env.GraphQL(t, tok, `{ users { id } }`, nil)
		servertest.Check(t, servertest.Scenario{Query: "x", WantCode: "FORBIDDEN"}, g)
	})
}

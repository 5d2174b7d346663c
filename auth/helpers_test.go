package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
)

var testSecret = []byte("super-secret-jwt-token-with-at-least-32-characters-long")

// quiet drops the verifier's logs so test output stays readable.
var quiet = slog.New(slog.DiscardHandler)

// testKey is a signing key with the kid and alg it is published under.
type testKey struct {
	kid    string
	method jwt.SigningMethod
	signer crypto.Signer
}

func newECKey(t testing.TB, kid string) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, method: jwt.SigningMethodES256, signer: k}
}

// rsaKey is generated once: 2048-bit generation is slow under -race.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newRSAKey(kid string) testKey {
	return testKey{kid: kid, method: jwt.SigningMethodRS256, signer: rsaKey()}
}

func newEdKey(t testing.TB, kid string) testKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, method: jwt.SigningMethodEdDSA, signer: k}
}

// sign signs claims with k, putting k.kid in the header when it is set.
func (k testKey) sign(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	return signWith(t, k.method, k.signer, k.kid, c)
}

func signWith(t testing.TB, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// userClaims are the claims of a Supabase user token for a manager.
func userClaims(iss string) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub":           uuid.NewString(),
		"aud":           "authenticated",
		"exp":           now.Add(time.Hour).Unix(),
		"iat":           now.Unix(),
		"email":         "asha@example.com",
		"role":          "authenticated",
		"app_metadata":  map[string]any{"provider": "email", "role": "manager"},
		"user_metadata": map[string]any{"full_name": "Asha Rao"},
		"aal":           "aal1",
		"session_id":    uuid.NewString(),
	}
	if iss != "" {
		c["iss"] = iss
	}
	return c
}

// with returns a copy of c with the given claims set, or deleted when nil.
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func newVerifier(t testing.TB, cfg auth.Config) *auth.Verifier {
	t.Helper()
	cfg.Logger = quiet
	v, err := auth.NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// wantRejected fails unless err is UNAUTHORIZED with exactly msg.
func wantRejected(t testing.TB, err error, msg string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error = %v, want an *apperr.Error", err)
	}
	if e.Code != apperr.Unauthorized || e.Message != msg {
		t.Fatalf("error = %s %q, want %s %q", e.Code, e.Message, apperr.Unauthorized, msg)
	}
}

// jwksServer serves a Supabase-style JWKS that tests can change or take down.
type jwksServer struct {
	*httptest.Server
	store *jwkset.MemoryJWKSet
	down  atomic.Bool
	hits  atomic.Int64
}

func newJWKSServer(t testing.TB, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{store: jwkset.NewMemoryStorage()}
	s.publish(t, keys...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/v1/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		raw, err := s.store.JSONPublic(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// publish replaces the served keys (public halves only).
func (s *jwksServer) publish(t testing.TB, keys ...testKey) {
	t.Helper()
	jwks := make([]jwkset.JWK, 0, len(keys))
	for _, k := range keys {
		j, err := jwkset.NewJWKFromKey(k.signer.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
			ALG: jwkset.ALG(k.method.Alg()),
			KID: k.kid,
			USE: jwkset.UseSig,
		}})
		if err != nil {
			t.Fatalf("jwk %s: %v", k.kid, err)
		}
		jwks = append(jwks, j)
	}
	if err := s.store.KeyReplaceAll(context.Background(), jwks); err != nil {
		t.Fatal(err)
	}
}

func (s *jwksServer) issuer() string { return s.URL + "/auth/v1" }

// config is a JWKS-only verifier config for s.
func (s *jwksServer) config() auth.Config {
	return auth.Config{SupabaseURL: s.URL, HTTPClient: s.Client()}
}

var errNotReady = errors.New("not ready in time")

// eventuallyReady polls Ready until it is nil or the deadline passes.
func eventuallyReady(v *auth.Verifier, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := v.Ready(context.Background())
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(errNotReady, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

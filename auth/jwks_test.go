package auth_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/telecaller-crm/api/auth"
)

func TestVerifyJWKS(t *testing.T) {
	t.Parallel()
	ec, rs, ed := newECKey(t, "ec-1"), newRSAKey("rsa-1"), newEdKey(t, "ed-1")
	srv := newJWKSServer(t, ec, rs, ed)
	v := newVerifier(t, srv.config())
	both := newVerifier(t, auth.Config{Secret: testSecret, SupabaseURL: srv.URL, HTTPClient: srv.Client()})
	base := userClaims(srv.issuer())

	der, err := x509.MarshalPKIXPublicKey(rsaKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	ecOther := newECKey(t, "ec-1") // same kid, different key
	stranger := newECKey(t, "ec-unknown")
	noKid := ec
	noKid.kid = ""

	tests := []struct {
		name    string
		v       *auth.Verifier
		token   string
		wantMsg string
	}{
		{name: "ES256", v: v, token: ec.sign(t, base)},
		{name: "RS256", v: v, token: rs.sign(t, base)},
		{name: "EdDSA", v: v, token: ed.sign(t, base)},
		{name: "HS256 beside a JWKS", v: both, token: signWith(t, jwt.SigningMethodHS256, testSecret, "", base)},
		{name: "ES256 beside a secret", v: both, token: ec.sign(t, base)},
		{name: "wrong issuer", v: v, token: ec.sign(t, with(base, "iss", "https://evil.supabase.co/auth/v1")), wantMsg: "The token was not issued by this project."},
		{name: "no issuer", v: v, token: ec.sign(t, with(base, "iss", nil)), wantMsg: "The token is missing a required claim."},
		{name: "HS256 user token with wrong issuer", v: both, token: signWith(t, jwt.SigningMethodHS256, testSecret, "", with(base, "iss", "x")), wantMsg: "The token was not issued by this project."},
		{name: "expired", v: v, token: ec.sign(t, with(base, "exp", time.Now().Add(-time.Hour).Unix())), wantMsg: "The token has expired."},
		{name: "HS256 keyed with the RSA public key PEM", v: v, token: signWith(t, jwt.SigningMethodHS256, pemKey, rs.kid, base), wantMsg: "The token algorithm is not supported."},
		{name: "HS256 keyed with the RSA public key DER", v: v, token: signWith(t, jwt.SigningMethodHS256, der, rs.kid, base), wantMsg: "The token algorithm is not supported."},
		{name: "HS256 keyed with the RSA PEM beside a secret", v: both, token: signWith(t, jwt.SigningMethodHS256, pemKey, rs.kid, base), wantMsg: "The token signature is invalid."},
		{name: "known kid, other key", v: v, token: ecOther.sign(t, base), wantMsg: "The token signature is invalid."},
		{name: "kid of a key of another type", v: v, token: signWith(t, jwt.SigningMethodES256, ec.signer, rs.kid, base), wantMsg: "The token was signed with an unknown key."},
		{name: "no kid, one key fits the alg", v: v, token: noKid.sign(t, base)},
		{name: "numeric kid", v: v, token: func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodES256, base)
			tok.Header["kid"] = 1
			s, err := tok.SignedString(ec.signer)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}(), wantMsg: "The token was signed with an unknown key."},
		{name: "anon key cannot use HS256 without a secret", v: v, token: signWith(t, jwt.SigningMethodHS256, testSecret, "", jwt.MapClaims{"role": "anon", "exp": time.Now().Add(time.Hour).Unix()}), wantMsg: "The token algorithm is not supported."},
		// Runs last in spirit: it spends the verifier's one unknown-kid refetch.
		{name: "unknown kid, unknown key", v: newVerifier(t, srv.config()), token: stranger.sign(t, base), wantMsg: "The token was signed with an unknown key."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.v.Verify(context.Background(), tt.token)
			if tt.wantMsg != "" {
				if p != nil {
					t.Fatalf("principal = %+v, want none", p)
				}
				wantRejected(t, err, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Role != auth.RoleManager || p.Email != "asha@example.com" {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
}

func TestVerifyJWKSWithoutKid(t *testing.T) {
	t.Parallel()
	ec := newECKey(t, "only")
	srv := newJWKSServer(t, ec)
	v := newVerifier(t, srv.config())
	noKid := ec
	noKid.kid = ""
	if _, err := v.Verify(context.Background(), noKid.sign(t, userClaims(srv.issuer()))); err != nil {
		t.Fatalf("token without kid, JWKS with one key: %v", err)
	}
	other := newECKey(t, "")
	_, err := v.Verify(context.Background(), other.sign(t, userClaims(srv.issuer())))
	wantRejected(t, err, "The token signature is invalid.")

	// With two keys that fit, a token without kid names neither.
	srv2 := newJWKSServer(t, ec, newECKey(t, "second"))
	v2 := newVerifier(t, srv2.config())
	_, err = v2.Verify(context.Background(), noKid.sign(t, userClaims(srv2.issuer())))
	wantRejected(t, err, "The token was signed with an unknown key.")
}

func TestVerifyJWKSRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newECKey(t, "key-2024"), newECKey(t, "key-2025")
	srv := newJWKSServer(t, oldKey)
	v := newVerifier(t, srv.config())
	ctx := context.Background()
	if _, err := v.Verify(ctx, oldKey.sign(t, userClaims(srv.issuer()))); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}

	srv.publish(t, newKey)
	if _, err := v.Verify(ctx, newKey.sign(t, userClaims(srv.issuer()))); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	// The refetch replaced the cached set, so the revoked key is gone.
	_, err := v.Verify(ctx, oldKey.sign(t, userClaims(srv.issuer())))
	wantRejected(t, err, "The token was signed with an unknown key.")
}

func TestReady(t *testing.T) {
	t.Parallel()
	ec := newECKey(t, "ec-1")

	t.Run("HS256 only", func(t *testing.T) {
		t.Parallel()
		if err := newVerifier(t, auth.Config{Secret: testSecret}).Ready(context.Background()); err != nil {
			t.Fatalf("Ready = %v, want nil", err)
		}
	})

	t.Run("JWKS reachable", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t, ec)
		if err := newVerifier(t, srv.config()).Ready(context.Background()); err != nil {
			t.Fatalf("Ready = %v, want nil", err)
		}
	})

	t.Run("JWKS down at start, then up", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t, ec)
		srv.down.Store(true)
		v := newVerifier(t, srv.config())
		if err := v.Ready(context.Background()); err == nil {
			t.Fatal("Ready = nil while the JWKS is down")
		}
		_, err := v.Verify(context.Background(), ec.sign(t, userClaims(srv.issuer())))
		wantRejected(t, err, "The token was signed with an unknown key.")

		srv.down.Store(false)
		if err := eventuallyReady(v, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), ec.sign(t, userClaims(srv.issuer()))); err != nil {
			t.Fatalf("Verify once the JWKS is up: %v", err)
		}
	})

	t.Run("JWKS server gone", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t, ec)
		cfg := srv.config()
		srv.Close()
		v := newVerifier(t, cfg)
		if err := v.Ready(context.Background()); err == nil {
			t.Fatal("Ready = nil with no JWKS server")
		}
	})

	t.Run("empty JWKS without a secret", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		if err := newVerifier(t, srv.config()).Ready(context.Background()); err == nil {
			t.Fatal("Ready = nil with no key to verify with")
		}
	})

	t.Run("empty JWKS beside a secret", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		cfg := srv.config()
		cfg.Secret = testSecret
		if err := newVerifier(t, cfg).Ready(context.Background()); err != nil {
			t.Fatalf("Ready = %v; an HS256-only Supabase project serves an empty JWKS", err)
		}
	})
}

func TestClose(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, newECKey(t, "ec-1"))
	v := newVerifier(t, srv.config())
	v.Close()
	v.Close()
	newVerifier(t, auth.Config{Secret: testSecret}).Close()
}

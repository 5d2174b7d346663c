package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/auth"
)

func TestNewVerifierConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  auth.Config
	}{
		{name: "neither secret nor Supabase URL"},
		{name: "Supabase URL without scheme", cfg: auth.Config{SupabaseURL: "abc.supabase.co"}},
		{name: "Supabase URL with another scheme", cfg: auth.Config{SupabaseURL: "ftp://abc.supabase.co"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Logger = quiet
			if v, err := auth.NewVerifier(context.Background(), tt.cfg); err == nil {
				v.Close()
				t.Fatal("NewVerifier: want an error")
			}
		})
	}
}

func TestVerifyHS256(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	hs := func(c jwt.MapClaims) string { return signWith(t, jwt.SigningMethodHS256, testSecret, "", c) }
	base := userClaims("")
	valid := hs(base)
	parts := strings.Split(valid, ".")
	now := time.Now()
	id := uuid.New()

	tests := []struct {
		name     string
		token    string
		wantRole auth.Role // checked when wantMsg is empty and wantAnon is false
		wantAnon bool
		wantMsg  string
	}{
		{name: "valid token", token: valid, wantRole: auth.RoleManager},
		{name: "aud as a list containing authenticated", token: hs(with(base, "aud", []string{"other", "authenticated"})), wantRole: auth.RoleManager},
		{name: "expired within the leeway", token: hs(with(base, "exp", now.Add(-10*time.Second).Unix())), wantRole: auth.RoleManager},
		{name: "expired", token: hs(with(base, "exp", now.Add(-time.Hour).Unix())), wantMsg: "The token has expired."},
		{name: "not yet valid", token: hs(with(base, "nbf", now.Add(time.Hour).Unix())), wantMsg: "The token is not valid yet."},
		{name: "no exp", token: hs(with(base, "exp", nil)), wantMsg: "The token is missing a required claim."},
		{name: "wrong audience", token: hs(with(base, "aud", "service")), wantMsg: "The token is not meant for this API."},
		{name: "aud list without authenticated", token: hs(with(base, "aud", []string{"a", "b"})), wantMsg: "The token is not meant for this API."},
		{name: "no aud", token: hs(with(base, "aud", nil)), wantMsg: "The token is missing a required claim."},
		{name: "wrong secret", token: signWith(t, jwt.SigningMethodHS256, []byte("another-secret-of-32-bytes-or-more!!"), "", base), wantMsg: "The token signature is invalid."},
		{name: "alg none", token: b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".", wantMsg: "The token algorithm is not supported."},
		{name: "alg none with a signature", token: b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], wantMsg: "The token algorithm is not supported."},
		{name: "HS512 with the right secret", token: signWith(t, jwt.SigningMethodHS512, testSecret, "", base), wantMsg: "The token algorithm is not supported."},
		{name: "RS256 without a JWKS", token: newRSAKey("r1").sign(t, base), wantMsg: "The token algorithm is not supported."},
		{name: "unknown alg", token: b64(`{"alg":"HS999","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], wantMsg: "The token algorithm is not supported."},
		{
			name:    "tampered payload",
			token:   parts[0] + "." + b64(`{"sub":"`+id.String()+`","aud":"authenticated","exp":9999999999,"app_metadata":{"role":"admin"}}`) + "." + parts[2],
			wantMsg: "The token signature is invalid.",
		},
		{name: "tampered signature", token: parts[0] + "." + parts[1] + "." + b64("not the signature"), wantMsg: "The token signature is invalid."},
		{
			name:     "user_metadata.role is ignored",
			token:    hs(with(base, "app_metadata", map[string]any{"role": "telecaller"}, "user_metadata", map[string]any{"role": "admin"})),
			wantRole: auth.RoleTelecaller,
		},
		{name: "top-level role is ignored", token: hs(with(base, "app_metadata", nil, "role", "admin")), wantRole: auth.RoleTelecaller},
		{name: "missing app_metadata", token: hs(with(base, "app_metadata", nil)), wantRole: auth.RoleTelecaller},
		{name: "unknown app role", token: hs(with(base, "app_metadata", map[string]any{"role": "superuser"})), wantRole: auth.RoleTelecaller},
		{name: "non-string app role", token: hs(with(base, "app_metadata", map[string]any{"role": 7})), wantRole: auth.RoleTelecaller},
		{name: "admin", token: hs(with(base, "app_metadata", map[string]any{"role": "admin"})), wantRole: auth.RoleAdmin},
		{
			name:     "anon key",
			token:    hs(jwt.MapClaims{"iss": "supabase", "ref": "abc", "role": "anon", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}),
			wantAnon: true,
		},
		{
			name:    "expired anon key",
			token:   hs(jwt.MapClaims{"iss": "supabase", "role": "anon", "exp": now.Add(-time.Hour).Unix()}),
			wantMsg: "The token has expired.",
		},
		{
			name:    "service_role key",
			token:   hs(jwt.MapClaims{"iss": "supabase", "ref": "abc", "role": "service_role", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}),
			wantMsg: "Service keys are not accepted.",
		},
		{name: "service_role with user claims", token: hs(with(base, "role", "service_role")), wantMsg: "Service keys are not accepted."},
		{name: "non-uuid sub", token: hs(with(base, "sub", "user-42")), wantMsg: "The token does not name a valid user."},
		{name: "nil uuid sub", token: hs(with(base, "sub", uuid.Nil.String())), wantMsg: "The token does not name a valid user."},
		{name: "missing sub", token: hs(with(base, "sub", nil)), wantMsg: "The token does not name a valid user."},
		{name: "numeric sub", token: hs(with(base, "sub", 42)), wantMsg: "The token is malformed."},
		{name: "empty string", token: "", wantMsg: "The token is malformed."},
		{name: "one segment", token: "abc", wantMsg: "The token is malformed."},
		{name: "two segments", token: parts[0] + "." + parts[1], wantMsg: "The token is malformed."},
		{name: "four segments", token: valid + ".x", wantMsg: "The token is malformed."},
		{name: "garbage segments", token: "a.b.c", wantMsg: "The token is malformed."},
		{name: "header not JSON", token: b64("nope") + "." + parts[1] + "." + parts[2], wantMsg: "The token is malformed."},
		{name: "payload not JSON", token: parts[0] + "." + b64("nope") + "." + parts[2], wantMsg: "The token is malformed."},
		{name: "oversized", token: strings.Repeat("a", 20<<10), wantMsg: "The token is malformed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := v.Verify(context.Background(), tt.token)
			switch {
			case tt.wantMsg != "":
				if p != nil {
					t.Fatalf("principal = %+v, want none", p)
				}
				wantRejected(t, err, tt.wantMsg)
			case tt.wantAnon:
				if p != nil || err != nil {
					t.Fatalf("Verify = %+v, %v; want nil, nil", p, err)
				}
			default:
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if p.Role != tt.wantRole {
					t.Fatalf("role = %q, want %q", p.Role, tt.wantRole)
				}
			}
		})
	}
}

func TestVerifyPrincipalFields(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	id := uuid.New()
	tests := []struct {
		name string
		meta map[string]any
		want string
	}{
		{name: "full_name", meta: map[string]any{"full_name": "Asha Rao", "name": "asha"}, want: "Asha Rao"},
		{name: "name when no full_name", meta: map[string]any{"name": "asha"}, want: "asha"},
		{name: "no metadata", meta: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := with(userClaims(""), "sub", id.String(), "user_metadata", tt.meta)
			p, err := v.Verify(context.Background(), signWith(t, jwt.SigningMethodHS256, testSecret, "", c))
			if err != nil {
				t.Fatal(err)
			}
			want := auth.Principal{UserID: id, Email: "asha@example.com", Name: tt.want, Role: auth.RoleManager}
			if *p != want {
				t.Fatalf("principal = %+v, want %+v", *p, want)
			}
		})
	}
}

func TestSignHS256(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	id := uuid.New()
	tests := []struct {
		name    string
		spec    auth.TokenSpec
		want    *auth.Principal
		wantMsg string
	}{
		{
			name: "defaults",
			spec: auth.TokenSpec{UserID: id, Email: "a@example.com", Name: "A", Role: auth.RoleAdmin},
			want: &auth.Principal{UserID: id, Email: "a@example.com", Name: "A", Role: auth.RoleAdmin},
		},
		{name: "no role", spec: auth.TokenSpec{UserID: id}, want: &auth.Principal{UserID: id, Role: auth.RoleTelecaller}},
		{name: "negative TTL", spec: auth.TokenSpec{UserID: id, TTL: -time.Hour}, wantMsg: "The token has expired."},
		{name: "other audience", spec: auth.TokenSpec{UserID: id, Audience: "other"}, wantMsg: "The token is not meant for this API."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := auth.SignHS256(testSecret, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.Verify(context.Background(), tok)
			if tt.wantMsg != "" {
				wantRejected(t, err, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *p != *tt.want {
				t.Fatalf("principal = %+v, want %+v", *p, *tt.want)
			}
		})
	}

	t.Run("Supabase shape", func(t *testing.T) {
		t.Parallel()
		tok, err := auth.SignHS256(testSecret, auth.TokenSpec{UserID: id, Role: auth.RoleManager, Issuer: "https://x.supabase.co/auth/v1"})
		if err != nil {
			t.Fatal(err)
		}
		c := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"sub", "aud", "exp", "iat", "email", "role", "app_metadata", "user_metadata", "aal", "session_id", "iss"} {
			if _, ok := c[k]; !ok {
				t.Errorf("claim %q missing", k)
			}
		}
		if c["aud"] != "authenticated" || c["role"] != "authenticated" || c["aal"] != "aal1" {
			t.Errorf("aud, role, aal = %v, %v, %v", c["aud"], c["role"], c["aal"])
		}
		if app, _ := c["app_metadata"].(map[string]any); app["role"] != "manager" || app["provider"] != "email" {
			t.Errorf("app_metadata = %v", c["app_metadata"])
		}
		if exp, _ := c.GetExpirationTime(); exp == nil || time.Until(exp.Time) < 23*time.Hour {
			t.Errorf("exp = %v, want about 24h from now", exp)
		}
	})

	t.Run("refuses bad input", func(t *testing.T) {
		t.Parallel()
		if _, err := auth.SignHS256(nil, auth.TokenSpec{UserID: id}); err == nil {
			t.Error("empty secret: want an error")
		}
		if _, err := auth.SignHS256(testSecret, auth.TokenSpec{}); err == nil {
			t.Error("nil user id: want an error")
		}
	})
}

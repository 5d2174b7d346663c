package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
)

// FuzzVerify feeds token-shaped input to the verifier: any header and
// payload JSON, signed with the real secret or not, or raw text. It must
// never panic; it either rejects with UNAUTHORIZED, treats an anon key as
// anonymous, or accepts a token that really is valid: HS256, signed with
// the secret, for the authenticated audience, unexpired, with a user id.
func FuzzVerify(f *testing.F) {
	v := newVerifier(f, auth.Config{Secret: testSecret})
	exp := time.Now().Add(time.Hour).Unix()
	valid := `{"sub":"0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b","aud":"authenticated","role":"authenticated","exp":` + itoa(exp) + `,"app_metadata":{"role":"manager"}}`
	for _, s := range []struct {
		header, payload string
		sign            bool
		raw             string
	}{
		{`{"alg":"HS256","typ":"JWT"}`, valid, true, ""},
		{`{"alg":"none","typ":"JWT"}`, valid, false, ""},
		{`{"alg":"HS256"}`, `{"sub":"x","aud":"authenticated","exp":1}`, true, ""},
		{`{"alg":"HS256"}`, `{"sub":"0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b","aud":["a","authenticated"],"exp":` + itoa(exp) + `,"nbf":9999999999}`, true, ""},
		{`{"alg":"HS256"}`, `{"role":"anon","aud":"authenticated","exp":` + itoa(exp) + `}`, true, ""},
		{`{"alg":"HS256"}`, `{"role":"service_role","exp":` + itoa(exp) + `}`, true, ""},
		{`{"alg":"HS256"}`, `{"sub":"0190b1d2-3c4d-7e5f-8a9b-0c1d2e3f4a5b","aud":"authenticated","exp":` + itoa(exp) + `,"user_metadata":{"role":"admin"}}`, true, ""},
		{`{"alg":"RS256","kid":"k"}`, valid, true, ""},
		{`{"alg":"HS256","crit":["exp"]}`, `{"exp":1e400}`, true, ""},
		{"", "", false, "a.b.c"},
		{"", "", false, "...."},
		{"", "", false, "eyJhbGciOiJIUzI1NiJ9.e30."},
	} {
		f.Add(s.header, s.payload, s.sign, s.raw)
	}
	f.Fuzz(func(t *testing.T, header, payload string, sign bool, raw string) {
		tok := raw
		if raw == "" {
			tok = b64(header) + "." + b64(payload) + "."
			if sign {
				m := hmac.New(sha256.New, testSecret)
				m.Write([]byte(b64(header) + "." + b64(payload)))
				tok += base64.RawURLEncoding.EncodeToString(m.Sum(nil))
			}
		}
		p, err := v.Verify(context.Background(), tok)
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Unauthorized {
				t.Fatalf("rejection is not UNAUTHORIZED: %v", err)
			}
			return
		}
		if p == nil {
			return // an anon key: anonymous
		}
		// Accepted: the token must really be one we would issue.
		var h struct{ Alg string }
		var c struct {
			Exp float64 `json:"exp"`
			Aud any     `json:"aud"`
		}
		if raw != "" || !sign || json.Unmarshal([]byte(header), &h) != nil || h.Alg != "HS256" || json.Unmarshal([]byte(payload), &c) != nil {
			t.Fatalf("accepted a token that is not a signed HS256 token: %q", tok)
		}
		if time.Unix(int64(c.Exp), 0).Before(time.Now().Add(-time.Minute)) {
			t.Fatalf("accepted an expired token: %q", payload)
		}
		if !audienceOK(c.Aud) {
			t.Fatalf("accepted a token for another audience: %q", payload)
		}
		if !slices.Contains([]auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleTelecaller}, p.Role) {
			t.Fatalf("accepted with role %q", p.Role)
		}
	})
}

func audienceOK(aud any) bool {
	switch a := aud.(type) {
	case string:
		return a == "authenticated"
	case []any:
		return slices.Contains(a, any("authenticated"))
	}
	return false
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

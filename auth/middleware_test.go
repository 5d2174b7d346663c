package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	id := uuid.New()
	good, err := auth.SignHS256(testSecret, auth.TokenSpec{UserID: id, Email: "m@example.com", Role: auth.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := auth.SignHS256(testSecret, auth.TokenSpec{UserID: id, TTL: -time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	anon := signWith(t, jwt.SigningMethodHS256, testSecret, "", jwt.MapClaims{"iss": "supabase", "role": "anon", "exp": time.Now().Add(time.Hour).Unix()})

	tests := []struct {
		name       string
		header     []string // Authorization values; none when empty
		wantUser   bool
		wantReject string // the rejection message, "" for none
	}{
		{name: "no header is anonymous"},
		{name: "blank header is anonymous", header: []string{"  "}},
		{name: "good bearer", header: []string{"Bearer " + good}, wantUser: true},
		{name: "scheme is case-insensitive", header: []string{"bEARER " + good}, wantUser: true},
		{name: "extra spaces around the token", header: []string{"Bearer   " + good + " "}, wantUser: true},
		{name: "anon key is anonymous", header: []string{"Bearer " + anon}},
		{name: "expired bearer", header: []string{"Bearer " + expired}, wantReject: "The token has expired."},
		{name: "garbage bearer", header: []string{"Bearer not-a-jwt"}, wantReject: "The token is malformed."},
		{name: "bearer without a token", header: []string{"Bearer"}, wantReject: "The bearer token is missing."},
		{name: "bearer with only spaces", header: []string{"Bearer    "}, wantReject: "The bearer token is missing."},
		{name: "basic scheme", header: []string{"Basic dXNlcjpwYXNz"}, wantReject: "The Authorization header must use the Bearer scheme."},
		{name: "token without a scheme", header: []string{good}, wantReject: "The Authorization header must use the Bearer scheme."},
		{name: "first header wins", header: []string{"Basic x", "Bearer " + good}, wantReject: "The Authorization header must use the Bearer scheme."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				p      *auth.Principal
				ok     bool
				reject error
				called bool
			)
			h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				p, ok = auth.FromContext(r.Context())
				reject = auth.RejectionFromContext(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/api/leads", nil)
			for _, hv := range tt.header {
				req.Header.Add("Authorization", hv)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if !called {
				t.Fatalf("next handler not called; status %d", rec.Code)
			}
			if ok != tt.wantUser || (p != nil) != tt.wantUser {
				t.Fatalf("FromContext = %+v, %v; want a principal: %v", p, ok, tt.wantUser)
			}
			if tt.wantUser && (p.UserID != id || p.Role != auth.RoleManager) {
				t.Fatalf("principal = %+v", p)
			}
			if tt.wantReject == "" {
				if reject != nil {
					t.Fatalf("RejectionFromContext = %v, want nil", reject)
				}
				return
			}
			wantRejected(t, reject, tt.wantReject)
			if e, _ := apperr.As(reject); e.Status() != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", e.Status())
			}
		})
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	p := &auth.Principal{UserID: uuid.New(), Role: auth.RoleAdmin}
	tests := []struct {
		name string
		ctx  context.Context
		want *auth.Principal
	}{
		{name: "empty context", ctx: context.Background()},
		{name: "nil principal", ctx: auth.NewContext(context.Background(), nil)},
		{name: "principal", ctx: auth.NewContext(context.Background(), p), want: p},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := auth.FromContext(tt.ctx)
			if got != tt.want || ok != (tt.want != nil) {
				t.Fatalf("FromContext = %v, %v; want %v", got, ok, tt.want)
			}
			if err := auth.RejectionFromContext(tt.ctx); err != nil {
				t.Fatalf("RejectionFromContext = %v, want nil", err)
			}
		})
	}
}

func TestRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		role           auth.Role
		valid, manager bool
	}{
		{role: auth.RoleAdmin, valid: true, manager: true},
		{role: auth.RoleManager, valid: true, manager: true},
		{role: auth.RoleTelecaller, valid: true},
		{role: "Admin"},
		{role: ""},
		{role: "service_role"},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			t.Parallel()
			if got := tt.role.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v, want %v", got, tt.valid)
			}
			if got := tt.role.AtLeastManager(); got != tt.manager {
				t.Errorf("AtLeastManager() = %v, want %v", got, tt.manager)
			}
		})
	}
}

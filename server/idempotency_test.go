package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleManager))
	body := map[string]any{"name": "John Doe", "email": "john@example.com", "phone": "123-456-7890", "company": "Acme Corp"}
	first := env.Do(t, http.MethodPost, "/api/leads", body, tok, "Idempotency-Key", "create-john")
	again := env.Do(t, http.MethodPost, "/api/leads", body, tok, "Idempotency-Key", "create-john")
	if first.Status != http.StatusCreated || again.Status != http.StatusCreated || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	other := env.Do(t, http.MethodPost, "/api/leads", map[string]any{"name": "Jane", "email": "jane@example.com"}, tok, "Idempotency-Key", "create-john")
	servertest.Check(t, servertest.Scenario{WantStatus: http.StatusConflict, WantCode: "CONFLICT", WantField: "Idempotency-Key"}, other)
	n, err := env.DB.NewSelect().Model((*db.Lead)(nil)).Count(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("leads stored = %d (%v), want 1", n, err)
	}
}

package graph_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/graph"
)

func TestPresentError(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	present := graph.PresentError(slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := apperr.WithRequestID(context.Background(), "req-42")
	tests := []struct {
		name, wantCode, wantField, wantMsg, notInMsg string
		err                                          error
	}{
		{name: "application error keeps code and field", err: apperr.Invalid("email", "is not valid"), wantCode: "VALIDATION_ERROR", wantField: "email", wantMsg: "Invalid email: is not valid"},
		{name: "internal error hides its text and cites the request", err: errors.New(`pq: relation "leads" SELECT password`), wantCode: "INTERNAL_ERROR", wantMsg: "req-42", notInMsg: "SELECT"},
		{name: "query validation becomes VALIDATION_ERROR", err: &gqlerror.Error{Message: "Cannot query field \"nope\"", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}, wantCode: "VALIDATION_ERROR", wantMsg: "nope"},
		{name: "panic", err: graph.Recover(ctx, "boom"), wantCode: "INTERNAL_ERROR", notInMsg: "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := present(ctx, tc.err)
			if got.Extensions["code"] != tc.wantCode || (tc.wantField != "" && got.Extensions["field"] != tc.wantField) {
				t.Fatalf("extensions = %v", got.Extensions)
			}
			if !strings.Contains(got.Message, tc.wantMsg) || (tc.notInMsg != "" && strings.Contains(got.Message, tc.notInMsg)) {
				t.Fatalf("message = %q", got.Message)
			}
		})
	}
	if !strings.Contains(logs.String(), "req-42") || !strings.Contains(logs.String(), "SELECT password") {
		t.Fatalf("the internal error was not logged with its request id: %s", logs.String())
	}
}

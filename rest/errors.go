// Package rest is the REST compatibility layer under /api: thin adapters
// that parse HTTP, call the same resolver methods as GraphQL, and write the
// documented envelope. It holds no business rules and no SQL.
package rest

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/telecaller-crm/api/apperr"
)

type envelope struct {
	Success    bool        `json:"success"`
	Data       any         `json:"data,omitempty"`
	Pagination *Pagination `json:"pagination,omitempty"`
	Error      *errorBody  `json:"error,omitempty"`
}

type errorBody struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details *errorDetails  `json:"details,omitempty"`
	Meta    map[string]any `json:"meta,omitempty"`
}

type errorDetails struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// WriteError writes err in the documented error envelope with the status of
// its code. Unexpected errors are logged with the request id and shown as
// INTERNAL_ERROR without their text.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	id := apperr.RequestID(r.Context())
	e := apperr.Public(err, id)
	status := e.Status()
	if status >= 500 {
		logger.ErrorContext(r.Context(), "request failed", "request_id", id, "code", e.Code, "err", err)
	}
	body := &errorBody{Code: e.Code, Message: e.Message, Meta: e.Meta}
	if e.Field != "" {
		body.Details = &errorDetails{Field: e.Field, Message: e.FieldMessage}
	}
	writeJSON(w, status, envelope{Success: false, Error: body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

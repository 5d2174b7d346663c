// Package rest is the REST compatibility layer under /api: thin adapters
// that parse HTTP, call the same resolver methods as GraphQL, and write the
// documented envelope. It holds no business rules and no SQL.
package rest

import (
	"bytes"
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
	_ = writeJSON(w, status, envelope{Success: false, Error: body})
}

// writeJSON encodes v before it writes anything, so that a value JSON cannot
// hold (a time past the year 9999) is an error the caller can still answer
// with, not an empty 200.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// Package apperr holds the one error type of the application, its codes and
// the code → HTTP status map shared by the REST and GraphQL faces.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Codes clients match on. They are spelled as the public API documents them.
const (
	Unauthorized       = "UNAUTHORIZED"
	Forbidden          = "FORBIDDEN"
	NotFound           = "NOT_FOUND"
	Validation         = "VALIDATION_ERROR"
	Conflict           = "CONFLICT"
	PayloadTooLarge    = "PAYLOAD_TOO_LARGE"
	MethodNotAllowed   = "METHOD_NOT_ALLOWED"
	RateLimited        = "RATE_LIMITED"
	Internal           = "INTERNAL_ERROR"
	ServiceUnavailable = "SERVICE_UNAVAILABLE"
)

var statusByCode = map[string]int{
	Unauthorized:       http.StatusUnauthorized,
	Forbidden:          http.StatusForbidden,
	NotFound:           http.StatusNotFound,
	Validation:         http.StatusBadRequest,
	Conflict:           http.StatusConflict,
	PayloadTooLarge:    http.StatusRequestEntityTooLarge,
	MethodNotAllowed:   http.StatusMethodNotAllowed,
	RateLimited:        http.StatusTooManyRequests,
	Internal:           http.StatusInternalServerError,
	ServiceUnavailable: http.StatusServiceUnavailable,
}

// Error is the application error. Message and FieldMessage are safe to show
// to any caller; Err is the cause, logged but never serialised.
type Error struct {
	Code         string
	Message      string
	Field        string
	FieldMessage string
	// Meta carries extra machine-readable facts, such as the id of the lead a
	// duplicate conflicts with. It is shown to the caller.
	Meta map[string]any
	Err  error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status for the error's code.
func (e *Error) Status() int { return StatusOf(e.Code) }

// StatusOf maps a code to its HTTP status; unknown codes are 500.
func StatusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// New makes an error with a code and a message for the caller.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap makes an error with a code and message that keeps err as its hidden cause.
func Wrap(err error, code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// Invalid is a VALIDATION_ERROR naming the input field at fault.
func Invalid(field, message string) *Error {
	return &Error{Code: Validation, Message: "Invalid " + field + ": " + message, Field: field, FieldMessage: message}
}

// With returns a copy of e carrying one more meta entry.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Meta = make(map[string]any, len(e.Meta)+1)
	for k, v := range e.Meta {
		c.Meta[k] = v
	}
	c.Meta[key] = value
	return &c
}

// As finds the application error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf is the code of err: its application error's, else INTERNAL_ERROR.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Public turns any error into one that is safe to show. Application errors
// pass through; anything else becomes an INTERNAL_ERROR naming the request id
// so support can find the logged cause.
func Public(err error, requestID string) *Error {
	if e, ok := As(err); ok {
		return e
	}
	msg := "An internal error occurred."
	if requestID != "" {
		msg = "An internal error occurred (request id " + requestID + ")."
	}
	return &Error{Code: Internal, Message: msg, Err: err}
}

package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/telecaller-crm/api/apperr"
)

// gqlgen's own error codes for requests that never ran: they describe the
// query, so their messages are safe, and to clients they are invalid input.
var requestErrorCodes = map[string]bool{
	"GRAPHQL_PARSE_FAILED":      true,
	"GRAPHQL_VALIDATION_FAILED": true,
	"COMPLEXITY_LIMIT_EXCEEDED": true,
	"DEPTH_LIMIT_EXCEEDED":      true,
	"PERSISTED_QUERY_NOT_FOUND": true,
}

// PresentError gives every GraphQL error the API's code in extensions.code
// and the input at fault in extensions.field. Unexpected errors are logged
// with the request id and shown as INTERNAL_ERROR without their text.
func PresentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if e, ok := apperr.As(err); ok {
			return withAppError(gerr, e)
		}
		var qerr *gqlerror.Error
		if errors.As(err, &qerr) {
			if code, _ := qerr.Extensions["code"].(string); requestErrorCodes[code] {
				e := &apperr.Error{Code: apperr.Validation, Message: qerr.Message}
				if code == "PERSISTED_QUERY_NOT_FOUND" {
					e.Code = code
				}
				if len(qerr.Path) > 0 {
					e.Field = lastField(qerr.Path)
					e.FieldMessage = qerr.Message
				}
				gerr.Message = qerr.Message
				return withAppError(gerr, e)
			}
		}
		if e := transportError(err); e != nil {
			return withAppError(gerr, e)
		}
		id := apperr.RequestID(ctx)
		logger.ErrorContext(ctx, "graphql: unexpected error", "request_id", id, "path", gerr.Path.String(), "err", err)
		return withAppError(gerr, apperr.Public(err, id))
	}
}

// transportError recognises the POST transport's answers to a body it
// could not read or decode (gqlgen gives them no code, and its text echoes
// the body): PAYLOAD_TOO_LARGE past the body cap, VALIDATION_ERROR on body
// otherwise.
func transportError(err error) *apperr.Error {
	var qerr *gqlerror.Error
	if !errors.As(err, &qerr) || qerr.Extensions["code"] != nil || len(qerr.Path) > 0 {
		return nil
	}
	switch {
	case strings.HasPrefix(qerr.Message, "could not read request body") && strings.Contains(qerr.Message, "request body too large"):
		return apperr.New(apperr.PayloadTooLarge, "The request body is too large.")
	case strings.HasPrefix(qerr.Message, "could not read request body"):
		return apperr.Invalid("body", "could not be read")
	case strings.HasPrefix(qerr.Message, "json request body could not be decoded"):
		e := apperr.Invalid("body", `must be a JSON object {"query": "…", "variables": {…}} with variables an object`)
		e.Message = "The request body is not a valid GraphQL request."
		return e
	}
	return nil
}

func withAppError(gerr *gqlerror.Error, e *apperr.Error) *gqlerror.Error {
	gerr.Message = e.Message
	field := e.Field
	if field == "" && e.Code == apperr.Validation {
		field = lastField(gerr.Path)
		if field != "" {
			gerr.Message = "Invalid " + field + ": " + e.Message
		}
	}
	ext := map[string]any{"code": e.Code}
	if field != "" {
		ext["field"] = field
	}
	for k, v := range e.Meta {
		ext[k] = v
	}
	gerr.Extensions = ext
	gerr.Err = nil
	return gerr
}

// lastField is the innermost named element of a path: the argument or input
// field at fault.
func lastField(p ast.Path) string {
	for i := len(p) - 1; i >= 0; i-- {
		if name, ok := p[i].(ast.PathName); ok {
			return string(name)
		}
	}
	return ""
}

// Recover turns a resolver panic into an INTERNAL_ERROR; the presenter logs it.
func Recover(_ context.Context, v any) error {
	return fmt.Errorf("panic: %v", v)
}

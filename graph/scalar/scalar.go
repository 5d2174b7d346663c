// Package scalar marshals the GraphQL scalars ID, Time and JSON. Bad input
// becomes a VALIDATION_ERROR, so clients see the same code as for any other
// invalid field.
package scalar

import (
	"encoding/json"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
)

// MarshalUUID writes an id as its canonical string.
func MarshalUUID(id uuid.UUID) graphql.Marshaler { return graphql.MarshalString(id.String()) }

// UnmarshalUUID reads an id, which must be a UUID string.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	if s, ok := v.(string); ok {
		if id, err := uuid.Parse(s); err == nil && len(s) == 36 {
			return id, nil
		}
	}
	return uuid.Nil, apperr.New(apperr.Validation, "must be a UUID")
}

// MarshalTime writes RFC 3339 with sub-second precision when present.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b, _ := json.Marshal(t.UTC().Format(time.RFC3339Nano))
		_, _ = w.Write(b)
	})
}

// UnmarshalTime reads an RFC 3339 time with a zone offset.
func UnmarshalTime(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.New(apperr.Validation, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
}

// MarshalJSON writes a JSON object.
func MarshalJSON(m map[string]any) graphql.Marshaler {
	if m == nil {
		m = map[string]any{}
	}
	return graphql.MarshalMap(m)
}

// UnmarshalJSON reads a JSON object.
func UnmarshalJSON(v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return nil, apperr.New(apperr.Validation, "must be a JSON object")
}

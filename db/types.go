package db

import (
	"database/sql/driver"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// pgArray passes a Go slice as a Postgres array parameter.
func pgArray(v []string) any { return pgdialect.Array(v) }

// jsonbValue passes a map as a jsonb parameter.
type jsonbValue map[string]any

func jsonb(m map[string]any) jsonbValue { return jsonbValue(m) }

// Value implements driver.Valuer.
func (j jsonbValue) Value() (driver.Value, error) {
	b, err := json.Marshal(map[string]any(j))
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// pgdialectUUIDs passes uuids as a Postgres uuid[] parameter.
func pgdialectUUIDs(ids []uuid.UUID) any {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return pgdialect.Array(s)
}

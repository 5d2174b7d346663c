package servertest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Scenario is one row of an API table test: a REST call (Method, Path, Body)
// or a GraphQL call (Query, Vars), and what must come back.
type Scenario struct {
	Name    string
	Method  string
	Path    string
	Body    any
	Headers []string
	Query   string
	Vars    map[string]any
	Token   string

	WantStatus int
	// WantCode is the error code: error.code for REST, the first
	// errors[].extensions.code for GraphQL.
	WantCode string
	// WantField is the field at fault: error.details.field or extensions.field.
	WantField string
	// WantContains are substrings of the compacted JSON body.
	WantContains []string
	// WantAbsent are substrings that must not appear.
	WantAbsent []string

	Before func(t *testing.T)
	After  func(t *testing.T, r *Response)
}

// Run runs each scenario as a subtest.
func (e *Env) Run(t *testing.T, rows []Scenario) {
	t.Helper()
	for _, sc := range rows {
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Before != nil {
				sc.Before(t)
			}
			var r *Response
			if sc.Query != "" {
				r = e.GraphQL(t, sc.Token, sc.Query, sc.Vars)
			} else {
				r = e.Do(t, sc.Method, sc.Path, sc.Body, sc.Token, sc.Headers...)
			}
			Check(t, sc, r)
			if sc.After != nil {
				sc.After(t, r)
			}
		})
	}
}

// Check asserts a response against a scenario's expectations.
func Check(t *testing.T, sc Scenario, r *Response) {
	t.Helper()
	var buf bytes.Buffer
	body := string(r.Body)
	if json.Compact(&buf, r.Body) == nil {
		body = buf.String()
	}
	if sc.WantStatus != 0 && r.Status != sc.WantStatus {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, sc.WantStatus, body)
	}
	if sc.WantCode != "" || sc.WantField != "" {
		code, field := errorOf(r.Body, sc.Query != "")
		if sc.WantCode != "" && code != sc.WantCode {
			t.Fatalf("error code = %q, want %q; body: %s", code, sc.WantCode, body)
		}
		if sc.WantField != "" && field != sc.WantField {
			t.Fatalf("error field = %q, want %q; body: %s", field, sc.WantField, body)
		}
	}
	for _, s := range sc.WantContains {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q: %s", s, body)
		}
	}
	for _, s := range sc.WantAbsent {
		if strings.Contains(body, s) {
			t.Errorf("body has %q: %s", s, body)
		}
	}
}

// errorOf extracts the error code and field of a REST or GraphQL body.
func errorOf(b []byte, graphql bool) (code, field string) {
	if graphql {
		var g struct {
			Errors []struct {
				Extensions struct {
					Code  string `json:"code"`
					Field string `json:"field"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if json.Unmarshal(b, &g) == nil && len(g.Errors) > 0 {
			return g.Errors[0].Extensions.Code, g.Errors[0].Extensions.Field
		}
		return "", ""
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error.Code, e.Error.Details.Field
}

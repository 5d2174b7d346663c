package playground_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/telecaller-crm/api/playground"
)

// TestExamplesValidate checks every default tab against schema.graphqls:
// the operation parses and validates, and its variables coerce to the
// operation's variable types, so a schema change cannot leave the
// playground opening with broken examples.
func TestExamplesValidate(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	tabs, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"ListLeads": false, "CreateLead": false, "LogCall": false}
	for _, tab := range tabs {
		doc, errs := gqlparser.LoadQuery(schema, tab.Query)
		if len(errs) > 0 {
			t.Errorf("example does not validate: %v\n%s", errs, tab.Query)
			continue
		}
		if len(doc.Operations) != 1 {
			t.Errorf("example has %d operations, want 1", len(doc.Operations))
			continue
		}
		op := doc.Operations[0]
		if _, ok := want[op.Name]; ok {
			want[op.Name] = true
		}
		vars := map[string]any{}
		if tab.Variables != "" {
			if err := json.Unmarshal([]byte(tab.Variables), &vars); err != nil {
				t.Errorf("%s: variables: %v", op.Name, err)
				continue
			}
		}
		if _, err := validator.VariableValues(schema, op, vars); err != nil {
			t.Errorf("%s: variables do not fit the operation: %v", op.Name, err)
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("no %s example", name)
		}
	}
}

package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

const bulkMutation = `mutation($leads: [CreateLeadInput!]!, $mode: BulkMode!, $dry: Boolean!) {
	bulkCreateLeads(leads: $leads, mode: $mode, dryRun: $dry) {
		results { index status id error { code field message } } totals { created updated skipped error } } }`

type bulkResponse struct {
	Data struct {
		BulkCreateLeads struct {
			Results []struct {
				Index  int
				Status string
				ID     *string
				Error  *struct {
					Code, Message string
					Field         *string
				}
			}
			Totals struct{ Created, Updated, Skipped, Error int }
		}
	}
	Errors []struct {
		Extensions map[string]any
	}
}

func countLeads(t *testing.T, env *servertest.Env) int {
	t.Helper()
	n, err := env.DB.NewSelect().Model((*db.Lead)(nil)).Where("deleted_at IS NULL").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestBulkCreateLeads(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr, tc := env.SeedUser(t, db.RoleManager), env.SeedUser(t, db.RoleTelecaller)
	tok := env.Token(t, mgr)
	existing := env.SeedLead(t, nil)
	before := countLeads(t, env)

	// 1,000 rows: every 100th is invalid (10 bad rows), rows 990–994 repeat
	// the phones of rows 0–4 (5 in-batch duplicates), row 500 matches an
	// existing lead, row 7 is assigned to a telecaller.
	leads := make([]map[string]any, 1000)
	bad, dupes := map[int]string{}, map[int]int{}
	for i := range leads {
		leads[i] = map[string]any{"name": fmt.Sprint("Bulk ", i), "phone": fmt.Sprintf("+91 98%08d", i)}
	}
	for i := 50; i < 1000; i += 100 {
		if i%200 == 50 {
			leads[i]["phone"], bad[i] = "12", "phone"
		} else {
			leads[i]["name"], bad[i] = "  ", "name"
		}
	}
	for i := 990; i < 995; i++ {
		leads[i]["phone"], dupes[i] = fmt.Sprintf("+91 98%08d", i-990), i-990
	}
	leads[500]["phone"] = *existing.PhoneE164
	leads[7]["assignedToId"] = tc.ID.String()
	vars := map[string]any{"leads": leads, "mode": "CREATE", "dry": false}

	// A dry run reports the same outcome and writes nothing.
	var dry bulkResponse
	env.GraphQL(t, tok, bulkMutation, map[string]any{"leads": leads, "mode": "CREATE", "dry": true}).Decode(t, &dry)
	if got := dry.Data.BulkCreateLeads.Totals; got.Created != 984 || got.Error != 16 {
		t.Fatalf("dry-run totals = %+v, errors %v", got, dry.Errors)
	}
	if n := countLeads(t, env); n != before {
		t.Fatalf("dry run wrote %d leads", n-before)
	}

	var res bulkResponse
	env.GraphQL(t, tok, bulkMutation, vars).Decode(t, &res)
	out := res.Data.BulkCreateLeads
	if len(out.Results) != 1000 {
		t.Fatalf("%d results, want 1000 (errors %v)", len(out.Results), res.Errors)
	}
	for i, row := range out.Results {
		want, code, field := "CREATED", "", ""
		if f, ok := bad[i]; ok {
			want, code, field = "ERROR", "VALIDATION_ERROR", f
		} else if _, ok := dupes[i]; ok {
			want, code, field = "ERROR", "CONFLICT", "phone"
		} else if i == 500 {
			want, code, field = "ERROR", "CONFLICT", "phone"
		}
		if row.Index != i || row.Status != want {
			t.Fatalf("row %d = %+v, want %s", i, row, want)
		}
		if code != "" && (row.Error == nil || row.Error.Code != code || row.Error.Field == nil || *row.Error.Field != field) {
			t.Fatalf("row %d error = %+v, want %s on %s", i, row.Error, code, field)
		}
		if want == "CREATED" && row.ID == nil {
			t.Fatalf("row %d created without an id", i)
		}
	}
	if got := out.Totals; got.Created != 984 || got.Error != 16 || got.Updated != 0 || got.Skipped != 0 {
		t.Fatalf("totals = %+v", got)
	}
	if n := countLeads(t, env); n != before+984 {
		t.Fatalf("wrote %d leads, want 984", n-before)
	}
	var assigned db.Lead
	if err := env.DB.NewSelect().Model(&assigned).Where("id = ?", *out.Results[7].ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if assigned.AssignedToID == nil || *assigned.AssignedToID != tc.ID || assigned.Source != db.SourceImport {
		t.Fatalf("row 7 stored as %+v", assigned)
	}

	// The same batch again: skip reports every good row skipped, upsert updates.
	var skipped, upserted bulkResponse
	env.GraphQL(t, tok, bulkMutation, map[string]any{"leads": leads[:20], "mode": "SKIP", "dry": false}).Decode(t, &skipped)
	if got := skipped.Data.BulkCreateLeads.Totals; got.Skipped != 20 {
		t.Fatalf("skip totals = %+v", got)
	}
	leads[3]["company"] = "Upserted Co"
	env.GraphQL(t, tok, bulkMutation, map[string]any{"leads": leads[:20], "mode": "UPSERT", "dry": false}).Decode(t, &upserted)
	if got := upserted.Data.BulkCreateLeads.Totals; got.Updated != 20 {
		t.Fatalf("upsert totals = %+v %v", got, upserted.Errors)
	}
	var row3 db.Lead
	if err := env.DB.NewSelect().Model(&row3).Where("id = ?", *out.Results[3].ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if row3.Company == nil || *row3.Company != "Upserted Co" || row3.Version != 2 || row3.Status != db.StatusNew {
		t.Fatalf("upserted row 3 = company %v version %d status %s", row3.Company, row3.Version, row3.Status)
	}
	if n := countLeads(t, env); n != before+984 {
		t.Fatalf("skip/upsert created leads: %d", n-before-984)
	}

	tooMany := make([]map[string]any, 1001)
	for i := range tooMany {
		tooMany[i] = map[string]any{"name": "x", "email": fmt.Sprintf("x%d@example.com", i)}
	}
	env.Run(t, []servertest.Scenario{
		{Name: "telecaller cannot bulk create", Token: env.Token(t, tc), Query: bulkMutation, Vars: map[string]any{"leads": leads[:1], "mode": "CREATE", "dry": false}, WantCode: "FORBIDDEN"},
		{Name: "over 1000 rows", Token: tok, Query: bulkMutation, Vars: map[string]any{"leads": tooMany, "mode": "CREATE", "dry": false}, WantCode: "VALIDATION_ERROR", WantField: "leads"},
		{Name: "empty batch", Token: tok, Query: bulkMutation, Vars: map[string]any{"leads": []any{}, "mode": "CREATE", "dry": false}, WantCode: "VALIDATION_ERROR", WantField: "leads"},
		{Name: "unknown assignee fails its row only", Token: tok, Query: bulkMutation,
			Vars:         map[string]any{"leads": []any{map[string]any{"name": "A", "email": "ua@example.com", "assignedToId": "00000000-0000-4000-8000-0000000000aa"}, map[string]any{"name": "B", "email": "ub@example.com"}}, "mode": "CREATE", "dry": false},
			WantContains: []string{`"field":"assignedToId"`, `"totals":{"created":1,"updated":0,"skipped":0,"error":1}`}},
	})
}

func TestAssignLeads(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	mgr := env.SeedUser(t, db.RoleManager)
	a, b, c := env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller), env.SeedUser(t, db.RoleTelecaller)
	tok := env.Token(t, mgr)
	insertLeads(t, env, 100, func(i int, l *db.Lead) { l.Tags = []string{"campaign"} })
	named := env.SeedLead(t, nil)
	q := `mutation($ids: [ID!], $f: LeadFilter, $to: [ID!]!) { assignLeads(leadIds: $ids, filter: $f, assigneeIds: $to) { assigned byAssignee { assigneeId count assignee { id } } } }`
	env.Run(t, []servertest.Scenario{
		{Name: "round robin over a filter is fair", Token: tok, Query: q, Vars: map[string]any{"f": map[string]any{"tag": "campaign"}, "to": []string{a.ID.String(), b.ID.String(), c.ID.String()}},
			WantContains: []string{`"assigned":100`, `{"assigneeId":"` + a.ID.String() + `","count":34`, `{"assigneeId":"` + b.ID.String() + `","count":33`, `{"assigneeId":"` + c.ID.String() + `","count":33`}},
		{Name: "named leads to one telecaller", Token: tok, Query: q, Vars: map[string]any{"ids": []string{named.ID.String(), "0192f0c4-0000-7000-8000-000000000000"}, "to": []string{b.ID.String()}},
			WantContains: []string{`"assigned":1`}},
		{Name: "telecaller cannot bulk assign", Token: env.Token(t, a), Query: q, Vars: map[string]any{"ids": []string{named.ID.String()}, "to": []string{a.ID.String()}}, WantCode: "FORBIDDEN"},
		{Name: "unknown assignee", Token: tok, Query: q, Vars: map[string]any{"ids": []string{named.ID.String()}, "to": []string{"0192f0c4-0000-7000-8000-000000000001"}}, WantCode: "VALIDATION_ERROR", WantField: "assigneeIds"},
		{Name: "neither ids nor filter", Token: tok, Query: q, Vars: map[string]any{"to": []string{a.ID.String()}}, WantCode: "VALIDATION_ERROR", WantField: "leadIds"},
	})
	var got db.Lead
	if err := env.DB.NewSelect().Model(&got).Where("id = ?", named.ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.AssignedToID == nil || *got.AssignedToID != b.ID || got.Version != 2 {
		t.Fatalf("named lead = assignee %v version %d", got.AssignedToID, got.Version)
	}
}

package leadcsv_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/leadcsv"
)

func TestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, csv, wantErr string
	}{
		{"aliases in any case", "\ufeffFull Name,Phone Number,E-mail\n", ""},
		{"no header", "", "header row"},
		{"no name", "phone,email\n", "name column"},
		{"no contact", "name,company\n", "phone or an email"},
		{"two phone columns", "name,phone,mobile\n", "two columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := leadcsv.NewReader(strings.NewReader(tc.csv))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Validation {
				t.Fatalf("code = %s", apperr.CodeOf(err))
			}
		})
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	data := "Name,Phone Number,E-mail,Lead Source,Status,Tags,Follow-up Date,City,Assignee\n" +
		"John Doe,123-456-7890,john@example.com,Cold Call,NEW,hot;q4,2026-12-01,Pune,\n" +
		"Bad Source,98100 00001,,television,,,,,\n" +
		"Bad Date,,a@b.co,,,,tomorrow,,\n" +
		"Bad Assignee,,c@d.co,,,,,,someone\n" +
		"\"Broken,quote,x\nlost,,e@f.co\n"
	rd, err := leadcsv.NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var rows []leadcsv.Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5 (an unclosed quote swallows the rest of the file)", len(rows))
	}
	first := rows[0].Input
	if rows[0].Err != nil || first.Name != "John Doe" || *first.Phone != "123-456-7890" || *first.Email != "john@example.com" ||
		string(*first.Source) != "cold_call" || string(*first.Status) != "new" || strings.Join(first.Tags, ",") != "hot,q4" ||
		first.NextFollowUpAt.Format("2006-01-02") != "2026-12-01" || first.CustomFields["City"] != "Pune" || first.AssignedToID != nil {
		t.Fatalf("row 0 = %+v, %v", first, rows[0].Err)
	}
	wantField := []string{"", "source", "nextFollowUpAt", "assignedToId", "file"}
	for i, want := range wantField[1:] {
		e, ok := apperr.As(rows[i+1].Err)
		if !ok || e.Field != want || rows[i+1].Index != i+1 {
			t.Errorf("row %d: err %v, want field %s", i+1, rows[i+1].Err, want)
		}
	}
}

// Package leadcsv reads leads from CSV, one row at a time, mapping a header
// row of common column names onto CreateLeadInput. Columns it does not know
// become custom fields. It never holds more than one row in memory.
package leadcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// maxColumns bounds the header width.
const maxColumns = 100

// aliases maps normalised header names (lower-case, letters and digits
// only) to lead fields.
var aliases = map[string]string{
	"name": "name", "fullname": "name", "contactname": "name", "leadname": "name", "customername": "name",
	"email": "email", "emailaddress": "email", "mail": "email",
	"phone": "phone", "phonenumber": "phone", "mobile": "phone", "mobilenumber": "phone", "mobileno": "phone",
	"contactnumber": "phone", "tel": "phone", "telephone": "phone", "cell": "phone", "phoneno": "phone",
	"company": "company", "companyname": "company", "organization": "company", "organisation": "company", "business": "company",
	"source": "source", "leadsource": "source",
	"status": "status", "leadstatus": "status",
	"priority":   "priority",
	"assignedto": "assignedToId", "assignedtoid": "assignedToId", "assignee": "assignedToId", "assigneeid": "assignedToId",
	"notes": "notes", "note": "notes", "comments": "notes", "comment": "notes", "remarks": "notes",
	"tags": "tags", "tag": "tags", "labels": "tags",
	"nextfollowupat": "nextFollowUpAt", "followup": "nextFollowUpAt", "followupdate": "nextFollowUpAt", "nextfollowup": "nextFollowUpAt",
}

// Row is one data row: its 0-based index among data rows, the input it
// maps to, or the error that made it unusable.
type Row struct {
	Index int
	Line  int
	Input *model.CreateLeadInput
	Err   error
	// Record is the row's raw fields, for reporting rejects.
	Record []string
}

// Reader reads lead rows from CSV.
type Reader struct {
	csv    *csv.Reader
	header []string
	fields []string // the lead field of each column, or "" for a custom field
	index  int
}

// NewReader reads the header row. Returns VALIDATION_ERROR (field "file")
// when there is none, when it lacks a name column or both phone and email,
// or when it is wider than 100 columns or names a field twice.
func NewReader(r io.Reader) (*Reader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, apperr.Invalid("file", "must be CSV with a header row")
	}
	if len(header) > maxColumns {
		return nil, apperr.Invalid("file", "has more than 100 columns")
	}
	rd := &Reader{csv: cr, header: header, fields: make([]string, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		rd.header[i] = h
		f := aliases[normalise(h)]
		if f != "" && seen[f] {
			return nil, apperr.Invalid("file", fmt.Sprintf("the header maps two columns to %s", f))
		}
		seen[f] = true
		rd.fields[i] = f
	}
	if !seen["name"] {
		return nil, apperr.Invalid("file", "the header needs a name column")
	}
	if !seen["phone"] && !seen["email"] {
		return nil, apperr.Invalid("file", "the header needs a phone or an email column")
	}
	return rd, nil
}

// Header is the header row as read (trimmed).
func (r *Reader) Header() []string { return r.header }

// Next returns the next row, or io.EOF after the last. A malformed row comes
// back with Err set; reading continues after it.
func (r *Reader) Next() (Row, error) {
	rec, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return Row{}, io.EOF
	}
	row := Row{Index: r.index, Record: rec}
	r.index++
	var perr *csv.ParseError
	switch {
	case errors.As(err, &perr):
		row.Line = perr.StartLine
		row.Err = apperr.Invalid("file", fmt.Sprintf("line %d is not valid CSV: %v", perr.StartLine, perr.Err))
		return row, nil
	case err != nil:
		return row, err
	}
	row.Line, _ = r.csv.FieldPos(0)
	row.Input, row.Err = r.input(rec)
	return row, nil
}

// input maps one record onto a CreateLeadInput.
func (r *Reader) input(rec []string) (*model.CreateLeadInput, error) {
	in := &model.CreateLeadInput{}
	for i, raw := range rec {
		v := strings.TrimSpace(raw)
		if i >= len(r.fields) || v == "" {
			continue
		}
		if err := set(in, r.fields[i], r.header[i], v); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func set(in *model.CreateLeadInput, field, header, v string) error {
	var err error
	switch field {
	case "name":
		in.Name = v
	case "email":
		in.Email = &v
	case "phone":
		in.Phone = &v
	case "company":
		in.Company = &v
	case "notes":
		in.Notes = &v
	case "source":
		in.Source, err = enum(db.LeadSources, field, v)
	case "status":
		in.Status, err = enum(db.LeadStatuses, field, v)
	case "priority":
		in.Priority, err = enum(db.LeadPriorities, field, v)
	case "assignedToId":
		id, perr := uuid.Parse(v)
		if perr != nil {
			return apperr.Invalid(field, "must be a user id")
		}
		in.AssignedToID = &id
	case "tags":
		in.Tags = strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '|' })
	case "nextFollowUpAt":
		t, perr := parseTime(v)
		if perr != nil {
			return apperr.Invalid(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
		in.NextFollowUpAt = &t
	default:
		if in.CustomFields == nil {
			in.CustomFields = map[string]any{}
		}
		in.CustomFields[header] = v
	}
	return err
}

// enum reads an enum value leniently: any case, spaces or dashes for
// underscores ("Cold Call" is cold_call).
func enum[T ~string](values []T, field, v string) (*T, error) {
	s := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(v))
	e, err := db.ParseEnum(values, s)
	if err != nil {
		return nil, apperr.Invalid(field, err.(*apperr.Error).Message)
	}
	return &e, nil
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}

func normalise(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

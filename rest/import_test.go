package rest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// csvFile joins lines into a CSV file.
func csvFile(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// phone is a valid Indian mobile number, unique per n.
func phone(n int) string { return fmt.Sprintf("+91 98%08d", n) }

// part is one part of a multipart/form-data body.
type part struct{ name, filename, contentType, body string }

// multipartBody builds a multipart/form-data body and its Content-Type.
func multipartBody(t testing.TB, parts ...part) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, p.body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// rowsOf decodes a CSV answer.
func rowsOf(t *testing.T, r *servertest.Response) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(r.Body))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("answer is not CSV (%v): %s", err, r.Body)
	}
	return rows
}

// rowErrors returns an After hook checking which rows failed, and on which field.
func rowErrors(want map[int]string) func(*testing.T, *servertest.Response) {
	return func(t *testing.T, r *servertest.Response) {
		t.Helper()
		for i, row := range data[bulkResult](t, r).Results {
			if row.Index != i {
				t.Fatalf("result %d has index %d", i, row.Index)
			}
			field, bad := want[i]
			switch {
			case bad && (row.Status != "error" || row.Error == nil || row.Error.Field == nil || *row.Error.Field != field):
				t.Errorf("row %d = %s %+v, want an error on %s", i, row.Status, row.Error, field)
			case !bad && row.Status == "error":
				t.Errorf("row %d failed: %+v", i, row.Error)
			}
		}
	}
}

func TestImport(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr, tc := a.SeedUser(t, db.RoleManager), a.SeedUser(t, db.RoleTelecaller)
	mt, tt := a.Token(t, mgr), a.Token(t, tc)
	existing := a.SeedLead(t, nil)
	csvType := []string{"Content-Type", "text/csv"}
	var before int
	count := func(t *testing.T) { before = liveLeads(t, a) }
	after := func(want int, also ...func(*testing.T, *servertest.Response)) func(*testing.T, *servertest.Response) {
		return func(t *testing.T, r *servertest.Response) {
			wrote(t, a, &before, want)
			for _, f := range also {
				f(t, r)
			}
		}
	}

	aliases := csvFile("Full Name,Phone Number,E-mail,Organisation,Lead Source,Labels,Budget",
		"Asha Rao,"+phone(1)+",Asha@Example.com,Acme Corp,Cold Call,vip;north,5000",
		`"Rao, Ravi",`+phone(2)+",,,referral,,",
		"Meena,,meena@example.com,,,,")
	// Rows 1–4 fail: a bad email, an unknown source, a bare quote, no name.
	mixed := func(base int) string {
		return csvFile("name,phone,email,source",
			fmt.Sprintf("Good One,%s,,", phone(base)),
			fmt.Sprintf("Bad Email,%s,not-an-email,", phone(base+1)),
			fmt.Sprintf("Bad Source,%s,,fax", phone(base+2)),
			fmt.Sprintf(`Bare "Quote,%s,,`, phone(base+3)),
			fmt.Sprintf(",%s,,", phone(base+4)),
			fmt.Sprintf("Good Two,%s,,website", phone(base+5)))
	}
	mixedErrors := map[int]string{1: "email", 2: "source", 3: "file", 4: "name"}
	multi, multiType := multipartBody(t, part{"file", "leads.csv", "text/csv", csvFile("Name,Mobile", "Multi One,"+phone(20), "Multi Two,"+phone(21))})
	octet, octetType := multipartBody(t, part{"file", "leads.csv", "application/octet-stream", csvFile("Name,Mobile", "Octet,"+phone(22))})
	none, noneType := multipartBody(t)
	noFile, noFileType := multipartBody(t, part{"upload", "leads.csv", "text/csv", csvFile("Name,Mobile", "X,"+phone(23))})
	extra, extraType := multipartBody(t, part{"file", "leads.csv", "text/csv", csvFile("Name,Mobile", "X,"+phone(24))}, part{"mode", "", "", "skip"})
	twice, twiceType := multipartBody(t, part{"file", "a.csv", "text/csv", csvFile("Name,Mobile", "X,"+phone(25))}, part{"file", "b.csv", "text/csv", csvFile("Name,Mobile", "Y,"+phone(26))})
	dup := csvFile("name,phone,company", "Existing Again,"+*existing.PhoneE164+",Imported Co", "Fresh,"+phone(30)+",")

	// 2,500 rows: three chunks. Row 1500 repeats row 10's phone (written in
	// the first chunk), row 2100 has a bad email.
	var many strings.Builder
	many.WriteString("name,phone,email\n")
	for i := range 2500 {
		p, email := phone(10000+i), ""
		switch i {
		case 1500:
			p = phone(10000 + 10)
		case 2100:
			email = "nope"
		}
		fmt.Fprintf(&many, "Row %d,%s,%s\n", i, p, email)
	}

	bad := func(name, path, body string, headers []string, field string, contains ...string) servertest.Scenario {
		return servertest.Scenario{Name: name, Method: "POST", Path: path, Body: body, Token: mt, Headers: headers, Before: count,
			WantStatus: 400, WantCode: "VALIDATION_ERROR", WantField: field, WantContains: contains, After: after(0)}
	}
	a.run(t, []servertest.Scenario{
		{Name: "CSV body with aliased columns", Method: "POST", Path: "/api/leads/import", Body: aliases, Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, After: after(3, totals(3, 0, 0, 0), func(t *testing.T, r *servertest.Response) {
				res := data[bulkResult](t, r)
				got := a.do(t, "GET", "/api/leads/"+*res.Results[0].ID, nil, mt)
				servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{
					`"name":"Asha Rao"`, `"email":"asha@example.com"`, `"phoneE164":"+919800000001"`, `"company":"Acme Corp"`,
					`"source":"cold_call"`, `"tags":["vip","north"]`, `"customFields":{"Budget":"5000"}`}}, got)
				got = a.do(t, "GET", "/api/leads/"+*res.Results[1].ID, nil, mt)
				servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"name":"Rao, Ravi"`, `"source":"referral"`}}, got)
			})},
		{Name: "multipart upload", Method: "POST", Path: "/api/leads/import", Body: multi, Headers: []string{"Content-Type", multiType}, Token: mt,
			Before: count, WantStatus: 200, After: after(2, totals(2, 0, 0, 0))},
		{Name: "multipart file sent as octet-stream", Method: "POST", Path: "/api/leads/import", Body: octet, Headers: []string{"Content-Type", octetType}, Token: mt,
			Before: count, WantStatus: 200, After: after(1, totals(1, 0, 0, 0))},
		{Name: "bad rows are reported with their index", Method: "POST", Path: "/api/leads/import", Body: mixed(100), Headers: csvType, Token: mt,
			Before: count, WantStatus: 200,
			WantContains: []string{`{"index":3,"status":"error","id":null,"error":{"code":"VALIDATION_ERROR","field":"file","message":"Invalid file: line 5 is not valid CSV`},
			After:        after(2, totals(2, 0, 0, 4), rowErrors(mixedErrors))},
		{Name: "rejects as CSV", Method: "POST", Path: "/api/leads/import?format=csv", Body: mixed(200), Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, After: after(2, func(t *testing.T, r *servertest.Response) {
				header("Content-Type", "text/csv; charset=utf-8")(t, r)
				rows := rowsOf(t, r)
				if len(rows) != 5 || strings.Join(rows[0], ",") != "name,phone,email,source,row,error_code,error_field,error_message" {
					t.Fatalf("rejects = %q", rows)
				}
				for i, want := range []struct{ name, row, field string }{{"Bad Email", "3", "email"}, {"Bad Source", "4", "source"}, {"", "5", "file"}, {"", "6", "name"}} {
					got := rows[i+1]
					if len(got) != 8 || got[0] != want.name || got[4] != want.row || got[5] != "VALIDATION_ERROR" || got[6] != want.field || got[7] == "" {
						t.Errorf("reject %d = %q, want %s on line %s (%s)", i, got, want.name, want.row, want.field)
					}
				}
			})},
		{Name: "rejects as CSV when all rows pass", Method: "POST", Path: "/api/leads/import?format=csv", Body: csvFile("name,phone", "Clean,"+phone(40)), Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, After: after(1, func(t *testing.T, r *servertest.Response) {
				if rows := rowsOf(t, r); len(rows) != 1 {
					t.Errorf("rejects = %q, want the header only", rows)
				}
			})},
		{Name: "dry run writes nothing", Method: "POST", Path: "/api/leads/import?dryRun=true", Body: mixed(300), Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`{"index":0,"status":"created","id":null,"error":null}`},
			After: after(0, totals(2, 0, 0, 4), rowErrors(mixedErrors))},
		{Name: "duplicates of existing leads are errors by default", Method: "POST", Path: "/api/leads/import", Body: dup, Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`"error":{"code":"CONFLICT","field":"phone"`}, After: after(1, totals(1, 0, 0, 1))},
		{Name: "mode skip", Method: "POST", Path: "/api/leads/import?mode=skip", Body: dup, Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, WantContains: []string{`{"index":0,"status":"skipped","id":"` + existing.ID.String() + `"`}, After: after(0, totals(0, 0, 2, 0))},
		{Name: "mode upsert", Method: "POST", Path: "/api/leads/import?mode=upsert", Body: dup, Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, After: after(0, totals(0, 2, 0, 0), func(t *testing.T, _ *servertest.Response) {
				r := a.do(t, "GET", "/api/leads/"+existing.ID.String(), nil, mt)
				servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"company":"Imported Co"`}}, r)
			})},
		{Name: "chunks keep file indexes and see earlier chunks", Method: "POST", Path: "/api/leads/import", Body: many.String(), Headers: csvType, Token: mt,
			Before: count, WantStatus: 200, After: after(2498, totals(2498, 0, 0, 2), rowErrors(map[int]string{1500: "phone", 2100: "email"}),
				func(t *testing.T, r *servertest.Response) {
					if e := data[bulkResult](t, r).Results[1500].Error; e == nil || e.Code != "CONFLICT" {
						t.Errorf("row 1500 = %+v, want CONFLICT with row 10", e)
					}
				})},
		{Name: "telecallers cannot import", Method: "POST", Path: "/api/leads/import", Body: aliases, Headers: csvType, Token: tt,
			Before: count, WantStatus: 403, WantCode: "FORBIDDEN", After: after(0)},
		{Name: "telecallers are refused before the file is read", Method: "POST", Path: "/api/leads/import", Body: "garbage", Headers: []string{"Content-Type", "image/png"}, Token: tt,
			WantStatus: 403, WantCode: "FORBIDDEN"},
		{Name: "no token", Method: "POST", Path: "/api/leads/import", Body: aliases, Headers: csvType, WantStatus: 401, WantCode: "UNAUTHORIZED"},
		bad("JSON is not CSV", "/api/leads/import", `{"leads":[]}`, nil, "Content-Type", "Send the CSV as the body with Content-Type: text/csv"),
		bad("no content type", "/api/leads/import", aliases, []string{"Content-Type", ""}, "Content-Type"),
		bad("multipart without a boundary", "/api/leads/import", multi, []string{"Content-Type", "multipart/form-data"}, "Content-Type"),
		bad("multipart without parts", "/api/leads/import", none, []string{"Content-Type", noneType}, "file", "is required"),
		bad("multipart without the file part", "/api/leads/import", noFile, []string{"Content-Type", noFileType}, "upload"),
		bad("multipart with another part", "/api/leads/import", extra, []string{"Content-Type", extraType}, "mode", "Unknown form part"),
		bad("multipart with two files", "/api/leads/import", twice, []string{"Content-Type", twiceType}, "file", "is given twice"),
		bad("multipart cut short", "/api/leads/import", multi[:len(multi)-10], []string{"Content-Type", multiType}, "body"),
		bad("empty file", "/api/leads/import", "", csvType, "file", "must be CSV with a header row"),
		bad("no name column", "/api/leads/import", csvFile("phone,email", phone(50)+","), csvType, "file", "needs a name column"),
		bad("no phone or email column", "/api/leads/import", csvFile("name,company", "A,B"), csvType, "file", "needs a phone or an email column"),
		bad("header only", "/api/leads/import", csvFile("name,phone"), csvType, "file", "has no data rows"),
		bad("unknown mode", "/api/leads/import?mode=merge", aliases, csvType, "mode"),
		bad("unknown format", "/api/leads/import?format=xlsx", aliases, csvType, "format"),
		bad("bad dryRun", "/api/leads/import?dryRun=1", aliases, csvType, "dryRun"),
		bad("unknown parameter", "/api/leads/import?delimiter=tab", aliases, csvType, "delimiter"),
	})
}

// repeat is an endless reader of one byte.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestImportTooLarge sends one byte over IMPORT_MAX_BYTES, with a declared
// length (refused before reading) and chunked (refused while spooling):
// 413 in the envelope, and nothing imported.
func TestImportTooLarge(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	limit := a.Config.ImportMaxBytes
	if limit != 50<<20 {
		t.Fatalf("IMPORT_MAX_BYTES defaults to %d, want 50 MiB", limit)
	}
	want := fmt.Sprintf(`{"success":false,"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is larger than %d bytes."}}`, limit)
	header := "name,phone\n"
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprintf("declared length %v", declared), func(t *testing.T) {
			body := io.MultiReader(strings.NewReader(header), io.LimitReader(repeat('x'), limit+1-int64(len(header))))
			req, err := http.NewRequest("POST", a.Server.URL+"/api/leads/import", body)
			if err != nil {
				t.Fatal(err)
			}
			if declared {
				req.ContentLength = limit + 1
			}
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+mt)
			resp, err := a.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			r := &servertest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
			servertest.Check(t, servertest.Scenario{WantStatus: 413, WantCode: "PAYLOAD_TOO_LARGE", WantContains: []string{want}}, r)
			if n := liveLeads(t, a); n != 0 {
				t.Errorf("%d leads imported", n)
			}
		})
	}
}

// importStream reads a streamed import answer without holding it: it
// counts the rows by status and returns the totals the answer ends with.
func importStream(r io.Reader) (counted, totals map[string]int, err error) {
	dec := json.NewDecoder(r)
	expect := func(want ...any) error {
		for _, w := range want {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if tok != w {
				return fmt.Errorf("token %v, want %v", tok, w)
			}
		}
		return nil
	}
	if err := expect(json.Delim('{'), "success", true, "data", json.Delim('{'), "results", json.Delim('[')); err != nil {
		return nil, nil, err
	}
	counted = map[string]int{}
	for i := 0; dec.More(); i++ {
		var row struct {
			Index  int    `json:"index"`
			Status string `json:"status"`
		}
		if err := dec.Decode(&row); err != nil {
			return nil, nil, err
		}
		if row.Index != i {
			return nil, nil, fmt.Errorf("result %d has index %d", i, row.Index)
		}
		counted[row.Status]++
	}
	if err := expect(json.Delim(']'), "totals"); err != nil {
		return nil, nil, err
	}
	if err := dec.Decode(&totals); err != nil {
		return nil, nil, err
	}
	return counted, totals, expect(json.Delim('}'), json.Delim('}'))
}

// writeLeadsCSV writes a header and n rows of 200 bytes each, with phones
// from phone(first) on.
func writeLeadsCSV(w io.Writer, first, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := io.WriteString(bw, "Name,Phone Number,E-mail,Company,Source,Notes\n"); err != nil {
		return err
	}
	notes := strings.Repeat("a note about the lead ", 6)[:126]
	for i := range n {
		k := first + i
		if _, err := fmt.Fprintf(bw, "Lead %06d,%s,lead%06d@example.com,Company %06d,website,%s\n", k, phone(k), k, k, notes); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// flushCounter records how much of the answer had been written at each flush.
type flushCounter struct {
	*httptest.ResponseRecorder
	at []int
}

func (f *flushCounter) Flush() {
	f.at = append(f.at, f.Body.Len())
	f.ResponseRecorder.Flush()
}

// TestImportStreams checks that the answer leaves chunk by chunk: the
// server stack passes each chunk's flush through to the connection, so a
// client sees rows while later chunks are still being written.
func TestImportStreams(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			var file bytes.Buffer
			first := map[string]int{"json": 0, "csv": 10_000}[format]
			if err := writeLeadsCSV(&file, first, 2500); err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/api/leads/import?format="+format, &file)
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+mt)
			rec := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
			a.Handler.ServeHTTP(rec, req)
			if rec.Code != 200 || len(rec.at) != 3 {
				t.Fatalf("status %d, %d flushes (want one per chunk, 3): %.200s", rec.Code, len(rec.at), rec.Body)
			}
			if format == "json" && (rec.at[0] == 0 || rec.at[0] >= rec.at[1] || rec.at[1] >= rec.at[2]) {
				t.Errorf("flushed at %v bytes: each chunk should add to the answer", rec.at)
			}
		})
	}
}

// flushHook runs a function at the first flush, while the handler waits.
type flushHook struct {
	*httptest.ResponseRecorder
	once func()
}

func (f *flushHook) Flush() {
	if f.once != nil {
		f.once()
		f.once = nil
	}
	f.ResponseRecorder.Flush()
}

// TestImportStopsAtAFailingChunk breaks the leads table once the first
// chunk has been answered: the import stops, the first chunk stays written,
// and every later row is reported with the error instead of being lost.
func TestImportStopsAtAFailingChunk(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	var file bytes.Buffer
	if err := writeLeadsCSV(&file, 0, 2500); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/leads/import", &file)
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+mt)
	rec := &flushHook{ResponseRecorder: httptest.NewRecorder(), once: func() {
		// Refuses every new lead from now on; existing rows are not checked.
		if _, err := a.DB.ExecContext(context.Background(), "ALTER TABLE leads ADD CONSTRAINT closed CHECK (false) NOT VALID"); err != nil {
			t.Error(err)
		}
	}}
	a.Handler.ServeHTTP(rec, req)
	r := &servertest.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	servertest.Check(t, servertest.Scenario{WantStatus: 200}, r)
	totals(1000, 0, 0, 1500)(t, r)
	res := data[bulkResult](t, r)
	for i, row := range res.Results {
		if row.Index != i || (i < 1000) != (row.Status == "created") {
			t.Fatalf("row %d = %+v", i, row)
		}
		if i >= 1000 && (row.Error == nil || !strings.HasPrefix(row.Error.Message, "Not imported: ")) {
			t.Fatalf("row %d error = %+v", i, row.Error)
		}
	}
	if n := liveLeads(t, a); n != 1000 {
		t.Errorf("%d leads stored, want the first chunk's 1000", n)
	}
}

package rest

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph"
	"github.com/telecaller-crm/api/graph/model"
	"github.com/telecaller-crm/api/leadcsv"
)

// Import answers as JSON (every row's result) or as CSV (rejected rows only).
const (
	formatJSON = "json"
	formatCSV  = "csv"
)

var importFormats = []string{formatJSON, formatCSV}

// importLeads serves POST /api/leads/import: a CSV of leads, sent raw
// (text/csv) or as the part "file" of multipart/form-data, written like
// POST /api/leads/bulk in chunks of 1000 rows, each chunk its own
// transaction, committed before the next is read.
//
// Telecallers get FORBIDDEN before the upload is read. The upload is then
// spooled to a temporary file, so that a body over the server's limit is
// refused (413) before anything is written and the request body is fully
// read before the answer starts. The first chunk is written before the
// answer starts too, so a bad header row (400, field file) and any failure
// of that chunk get the normal error envelope. The rest is streamed chunk
// by chunk, so memory stays flat whatever the file's size. If a later chunk
// fails, the import stops there: rows already reported written stay
// written, and every later row is reported with the error. If the client
// goes away, it stops after the current chunk.
func (h *Handler) importLeads(r *http.Request, q url.Values) (result, error) {
	im, format, err := h.newImporter(r.Context(), q)
	if err != nil {
		return result{}, err
	}
	if err := im.mayBulkCreate(); err != nil {
		return result{}, err
	}
	if im.file, err = spoolUpload(r); err != nil {
		return result{}, err
	}
	if err := im.start(); err != nil {
		im.file.close()
		return result{}, err
	}
	return im.answer(format), nil
}

// newImporter reads the query parameters of an import: mode (default
// create), dryRun, format (default json), and assigneeIds with
// assignStrategy to assign the leads created.
func (h *Handler) newImporter(ctx context.Context, q url.Values) (*importer, string, error) {
	p := &params{q: q}
	mode := enum(p, "mode", db.BulkModes)
	dryRun := p.boolean("dryRun")
	format := enum(p, "format", importFormats)
	assign := autoAssignParams(p)
	if p.err != nil {
		return nil, "", p.err
	}
	im := &importer{h: h, ctx: ctx, mode: db.BulkCreate, dryRun: dryRun != nil && *dryRun, assign: assign}
	if mode != nil {
		im.mode = *mode
	}
	if format == nil {
		return im, formatJSON, nil
	}
	return im, *format, nil
}

// answer streams every row's result as JSON, or the rejected rows as CSV.
func (im *importer) answer(format string) result {
	if format == formatCSV {
		return result{status: http.StatusOK, stream: im.writeRejects, headers: map[string]string{
			"Content-Type":        "text/csv; charset=utf-8",
			"Content-Disposition": `attachment; filename="import-rejects.csv"`,
		}}
	}
	return result{status: http.StatusOK, stream: im.writeResults, headers: map[string]string{
		"Content-Type": "application/json; charset=utf-8",
	}}
}

// importer walks a spooled CSV one chunk at a time.
type importer struct {
	h      *Handler
	ctx    context.Context
	file   *spooled
	csv    *leadcsv.Reader
	mode   db.BulkMode
	dryRun bool
	assign *model.AutoAssignInput

	// The current chunk: its rows and their results, in file order.
	rows    []leadcsv.Row
	results []*db.BulkRowResult
	totals  db.BulkTotals
	// stopped is the error that ended the import early; every later row is
	// reported with it.
	stopped *apperr.Error
}

// start reads the header row and writes the first chunk. Returns the
// resolver's error for that chunk (FORBIDDEN for telecallers), or
// VALIDATION_ERROR naming file for a bad header or a file without rows.
func (im *importer) start() error {
	rd, err := leadcsv.NewReader(bufio.NewReaderSize(im.file, 64<<10))
	if err != nil {
		return err
	}
	im.csv = rd
	more, err := im.next()
	if err != nil {
		return err
	}
	if !more {
		return apperr.Invalid("file", "has no data rows")
	}
	return nil
}

// next reads and writes the next chunk of rows; false once the file is
// done. Only the first chunk's failure is returned: a later one stops the
// import (see stopped).
func (im *importer) next() (bool, error) {
	inputs, at, err := im.read()
	if err != nil || len(im.rows) == 0 {
		return false, err
	}
	if im.stopped == nil && len(inputs) > 0 {
		res, err := im.h.res.Mutation().BulkCreateLeads(im.ctx, inputs, im.mode, im.dryRun, im.assign)
		switch {
		case err != nil && im.rows[0].Index == 0:
			return false, err
		case err != nil:
			im.stop(err)
		default:
			// Results are indexed by position in inputs: move them back to their rows.
			for _, rr := range res.Results {
				k := at[rr.Index]
				rr.Index = im.rows[k].Index
				im.results[k] = rr
			}
		}
	}
	for k, rr := range im.results {
		if rr == nil {
			im.results[k] = im.failure(im.rows[k].Index)
		}
		im.count(im.results[k])
	}
	return true, nil
}

// read reads up to a chunk of rows into im.rows. Rows the CSV reader
// rejected get their error result at once; the others are returned as
// inputs, with at giving each one's position in the chunk.
func (im *importer) read() (inputs []*model.CreateLeadInput, at []int, err error) {
	im.rows, im.results = im.rows[:0], im.results[:0]
	for len(im.rows) < graph.MaxBulkRows {
		row, err := im.csv.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read spooled import: %w", err)
		}
		var res *db.BulkRowResult
		if row.Err != nil {
			res = db.RowFailure(row.Index, row.Err)
		} else {
			inputs, at = append(inputs, row.Input), append(at, len(im.rows))
		}
		im.rows, im.results = append(im.rows, row), append(im.results, res)
	}
	return inputs, at, nil
}

// mayBulkCreate asks the resolver whether the caller may import, before the
// upload is read: it refuses an empty batch with FORBIDDEN (or UNAUTHORIZED)
// before it looks at the batch, and with VALIDATION_ERROR on leads once the
// caller may write. The rule stays in the resolver.
func (im *importer) mayBulkCreate() error {
	_, err := im.h.res.Mutation().BulkCreateLeads(im.ctx, nil, im.mode, true, im.assign)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Validation && e.Field == "leads" {
		return nil
	}
	return err
}

// stop ends the import at the current chunk: the error is logged once and
// shown, as the API shows it, on every row not written.
func (im *importer) stop(err error) {
	id := apperr.RequestID(im.ctx)
	im.stopped = apperr.Public(err, id)
	level := slog.LevelWarn
	if im.stopped.Status() >= 500 {
		level = slog.LevelError
	}
	im.h.logger.Log(im.ctx, level, "import stopped", "request_id", id, "code", im.stopped.Code, "err", err)
}

// failure is the result of a row that was not written because the import
// stopped.
func (im *importer) failure(index int) *db.BulkRowResult {
	e := im.stopped
	if e == nil {
		e = apperr.Public(errors.New("import: row without a result"), apperr.RequestID(im.ctx))
	}
	re := &db.BulkRowError{Code: e.Code, Message: "Not imported: " + e.Message}
	if e.Field != "" {
		re.Field = &e.Field
	}
	return &db.BulkRowResult{Index: index, Status: db.RowError, Error: re}
}

func (im *importer) count(rr *db.BulkRowResult) {
	switch rr.Status {
	case db.RowCreated:
		im.totals.Created++
	case db.RowUpdated:
		im.totals.Updated++
	case db.RowSkipped:
		im.totals.Skipped++
	default:
		im.totals.Error++
	}
}

// each hands every row of the current chunk to emit, flushes the response,
// and moves to the next chunk, until the end of the file. It stops early
// when writing to the client fails or the client has gone.
func (im *importer) each(w http.ResponseWriter, flush func() error, emit func(k int) error) error {
	rc := http.NewResponseController(w)
	for {
		for k := range im.rows {
			if err := emit(k); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		// A writer that cannot flush (a test recorder) still gets everything at the end.
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if err := im.ctx.Err(); err != nil {
			return err
		}
		more, err := im.next()
		if err != nil || !more {
			return err
		}
	}
}

// writeResults streams {"success":true,"data":{"results":[…],"totals":{…}}},
// one result per line.
func (im *importer) writeResults(w http.ResponseWriter) error {
	defer im.file.close()
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	_, _ = bw.WriteString(`{"success":true,"data":{"results":[`)
	sep := "\n"
	err := im.each(w, bw.Flush, func(k int) error {
		_, _ = bw.WriteString(sep)
		sep = ","
		return enc.Encode(im.results[k])
	})
	if err != nil {
		return err
	}
	_, _ = bw.WriteString(`],"totals":`)
	if err := enc.Encode(im.totals); err != nil {
		return err
	}
	_, _ = bw.WriteString("}}\n")
	return bw.Flush()
}

// rejectColumns follow the file's own columns in the CSV of rejects. row is
// the line number of the row in the uploaded file (the header is line 1).
var rejectColumns = []string{"row", "error_code", "error_field", "error_message"}

// writeRejects streams the rejected rows as CSV: the file's columns (cells
// past the header, which the import ignores, are dropped; missing ones are
// empty), then rejectColumns. Fixing the rows, dropping the added columns
// and uploading the file again imports them.
func (im *importer) writeRejects(w http.ResponseWriter) error {
	defer im.file.close()
	cw := csv.NewWriter(w)
	header := im.csv.Header()
	if err := cw.Write(slices.Concat(header, rejectColumns)); err != nil {
		return err
	}
	flush := func() error { cw.Flush(); return cw.Error() }
	return im.each(w, flush, func(k int) error {
		rr := im.results[k]
		if rr.Status != db.RowError {
			return nil
		}
		rec := make([]string, len(header), len(header)+len(rejectColumns))
		copy(rec, im.rows[k].Record)
		field := ""
		if rr.Error.Field != nil {
			field = *rr.Error.Field
		}
		return cw.Write(append(rec, strconv.Itoa(im.rows[k].Line), rr.Error.Code, field, rr.Error.Message))
	})
}

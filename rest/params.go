package rest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// queryParams parses the query string, rejecting parameters the route does
// not take and parameters given more than once (list values are separated
// by commas instead). Returns VALIDATION_ERROR naming the parameter.
func queryParams(r *http.Request, allowed []string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, apperr.Invalid("query", "is not a valid query string")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			e := apperr.Invalid(k, "is not a parameter of this endpoint")
			e.Message = "Unknown query parameter " + strconv.Quote(k) + "."
			return nil, e
		}
		if len(q[k]) > 1 {
			return nil, apperr.Invalid(k, "must be given once; separate list values with commas")
		}
	}
	return q, nil
}

// params reads typed query parameters. The first bad value is kept in err
// and later reads return zero values, so a handler checks err once. An empty
// value counts as absent.
type params struct {
	q   url.Values
	err error
}

func (p *params) fail(name, msg string) {
	if p.err == nil {
		p.err = apperr.Invalid(name, msg)
	}
}

// str returns a parameter's value, or nil when it is absent or empty. The
// value must be UTF-8 text without NUL characters (which Postgres refuses).
func (p *params) str(name string) *string {
	v := p.q.Get(name)
	if p.err != nil || v == "" {
		return nil
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		p.fail(name, "must be UTF-8 text without NUL characters")
		return nil
	}
	return &v
}

// intIn returns an integer between lo and hi, or def when absent.
func (p *params) intIn(name string, def, lo, hi int) int {
	s := p.str(name)
	if s == nil {
		return def
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < lo || n > hi {
		p.fail(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return def
	}
	return n
}

// boolean returns true or false, or nil when absent.
func (p *params) boolean(name string) *bool {
	s := p.str(name)
	if s == nil {
		return nil
	}
	if *s != "true" && *s != "false" {
		p.fail(name, `must be "true" or "false"`)
		return nil
	}
	b := *s == "true"
	return &b
}

// instant reads an RFC 3339 time or a YYYY-MM-DD date (midnight UTC). With
// endOfDay a date means the midnight after it, so that an exclusive upper
// bound takes in the whole day. A '+' of a zone offset that arrived as a
// space (the client did not escape it) is read back as '+'.
func (p *params) instant(name string, endOfDay bool) *time.Time {
	return p.instantIn(name, endOfDay, time.UTC)
}

// instantIn is instant with a date read as midnight in loc (the local
// midnight after it with endOfDay), so that DST days keep their local length.
func (p *params) instantIn(name string, endOfDay bool, loc *time.Location) *time.Time {
	s := p.str(name)
	if s == nil {
		return nil
	}
	v := strings.ReplaceAll(*s, " ", "+")
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		var d time.Time
		if d, err = time.Parse(time.DateOnly, v); err == nil {
			if endOfDay {
				d = d.AddDate(0, 0, 1)
			}
			t = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		}
	}
	// Postgres has no year 0, and RFC 3339 (JSON) no year 10000.
	if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
		p.fail(name, "must be an RFC 3339 time (2026-01-02T15:04:05Z) or a date (2026-01-02)")
		return nil
	}
	return &t
}

// zonedRange reads the tz, from and to parameters of a report: dates are
// midnights in tz, and a to date takes in its whole day.
func (p *params) zonedRange() (tz *string, from, to *time.Time) {
	tz = p.str("tz")
	loc := zone(tz)
	return tz, p.instantIn("from", false, loc), p.instantIn("to", true, loc)
}

// zone is the time zone dates are read in: the named IANA zone, or UTC when
// it is absent or unknown. It never fails: the resolver checks the zone and
// names the parameter, so REST does not repeat that rule.
func zone(name *string) *time.Location {
	if name == nil || *name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(*name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// id reads a UUID in its canonical 36-character form, or nil when absent.
func (p *params) id(name string) *uuid.UUID {
	s := p.str(name)
	if s == nil {
		return nil
	}
	v, err := uuid.Parse(*s)
	if err != nil || len(*s) != 36 {
		p.fail(name, "must be a UUID")
		return nil
	}
	return &v
}

// enum reads one lower-case enum value, or nil when absent.
func enum[T ~string](p *params, name string, values []T) *T {
	s := p.str(name)
	if s == nil {
		return nil
	}
	v, err := db.ParseEnum(values, *s)
	if err != nil {
		p.fail(name, msgOf(err))
		return nil
	}
	return &v
}

// enumList reads a comma-separated list of lower-case enum values.
func enumList[T ~string](p *params, name string, values []T) []T {
	s := p.str(name)
	if s == nil {
		return nil
	}
	var out []T
	for _, part := range strings.Split(*s, ",") {
		v, err := db.ParseEnum(values, strings.TrimSpace(part))
		if err != nil {
			p.fail(name, msgOf(err))
			return nil
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// msgOf is the message of an application error, for reuse under a field.
func msgOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return "is not valid"
}

// pathID reads the {id} path segment, which must be a UUID in its canonical
// 36-character form. Returns VALIDATION_ERROR for field "id".
func pathID(r *http.Request) (uuid.UUID, error) {
	s := r.PathValue("id")
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, apperr.Invalid("id", "must be a UUID")
	}
	return id, nil
}

// ifMatch reads the lead version from If-Match: "7", W/"7" or 7. It returns
// nil when the header is absent or "*" (any version).
func ifMatch(r *http.Request) (*int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v := strings.TrimPrefix(h, "W/")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || strings.ContainsAny(v, "+-") {
		return nil, apperr.Invalid("If-Match", `must be a lead version as given in ETag, such as "3"`)
	}
	return &n, nil
}

// etag is the ETag of a lead at version v.
func etag(v int) string { return `"` + strconv.Itoa(v) + `"` }

// idList reads a comma-separated list of UUIDs.
func (p *params) idList(name string) []uuid.UUID {
	s := p.str(name)
	if s == nil {
		return nil
	}
	var out []uuid.UUID
	for _, part := range strings.Split(*s, ",") {
		part = strings.TrimSpace(part)
		v, err := uuid.Parse(part)
		if err != nil || len(part) != 36 {
			p.fail(name, "must be a comma-separated list of UUIDs")
			return nil
		}
		out = append(out, v)
	}
	return out
}

// autoAssignParams reads assigneeIds and assignStrategy (default
// round_robin): the assignment of the leads a bulk write creates.
func autoAssignParams(p *params) *model.AutoAssignInput {
	ids := p.idList("assigneeIds")
	strategy := enum(p, "assignStrategy", db.AssignStrategies)
	if ids == nil {
		if strategy != nil {
			p.fail("assigneeIds", "is required with assignStrategy")
		}
		return nil
	}
	in := &model.AutoAssignInput{Strategy: db.AssignRoundRobin, AssigneeIds: ids}
	setIfPtr(&in.Strategy, strategy)
	return in
}

func setIfPtr[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
)

// decodeJSON reads a request body holding exactly one JSON object into dst,
// a pointer to a struct, field by field, so that every error names its
// field:
//   - Content-Type must be application/json (parameters such as charset
//     allowed): 400, field "Content-Type";
//   - empty, malformed or trailing data: 400, field "body";
//   - a body over the server's limit: 413 PAYLOAD_TOO_LARGE;
//   - a key that is not a json name of dst (matched exactly, not
//     case-insensitively as encoding/json does), or given twice: 400;
//   - a value of the wrong type, a bad enum value, uuid or time: 400;
//   - a field whose json tag lacks omitempty (non-null in the GraphQL
//     schema) missing or null while still zero: 400 "is required". Fields
//     set before the call (from the path) count as given.
func decodeJSON(r *http.Request, dst any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	raw, err := readBody(r.Body)
	if err != nil {
		return err
	}
	return decodeObject(raw, dst)
}

func checkContentType(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "application/json" {
		return nil
	}
	e := apperr.Invalid("Content-Type", "must be application/json")
	e.Message = "The request body must be JSON: send Content-Type: application/json."
	return e
}

// readBody reads one JSON value and makes sure nothing follows it.
func readBody(body io.Reader) (json.RawMessage, error) {
	if body == nil {
		return nil, bodyError(io.EOF)
	}
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, bodyError(err)
		}
		return nil, apperr.Invalid("body", "must hold exactly one JSON value")
	}
	return raw, nil
}

// bodyError turns a read or syntax error into the API's error.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return apperr.Wrap(err, apperr.PayloadTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", tooLarge.Limit))
	case errors.Is(err, io.EOF):
		return apperr.Invalid("body", "is required: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalid("body", "is not valid JSON: it ends too early")
	case errors.As(err, &syntax):
		return apperr.Invalid("body", fmt.Sprintf("is not valid JSON (at byte %d)", syntax.Offset))
	}
	e := apperr.Invalid("body", "could not be read")
	e.Err = err
	return e
}

// decodeObject decodes a well-formed JSON value into the struct dst points to.
func decodeObject(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return apperr.Invalid("body", "must be a JSON object")
	}
	fields := jsonFields(reflect.ValueOf(dst).Elem())
	given := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bodyError(err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return bodyError(err)
		}
		f, ok := fields[key]
		if !ok {
			e := apperr.Invalid(key, "is not a field of this request")
			e.Message = fmt.Sprintf("Unknown field %q.", key)
			return e
		}
		if _, dup := given[key]; dup {
			return apperr.Invalid(key, "is given twice")
		}
		given[key] = string(val) != "null"
		if err := json.Unmarshal(val, f.value.Addr().Interface()); err != nil {
			return apperr.Invalid(key, valueMessage(f.base, err))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if f := fields[name]; f.required && !given[name] && f.value.IsZero() {
			return apperr.Invalid(name, "is required")
		}
	}
	return nil
}

// decodeNested decodes raw, a JSON value found at path inside the body (such
// as leads[3] or filter), like decodeObject, and names the fields of its
// errors by their path: leads[3].email, or leads[3] for the value itself.
func decodeNested(path string, raw json.RawMessage, dst any) error {
	return underPath(path, decodeObject(raw, dst))
}

// underPath renames the field of a VALIDATION_ERROR to its place under path.
func underPath(path string, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Validation || e.Field == "" {
		return err
	}
	field := path
	if e.Field != "body" {
		field += "." + e.Field
	}
	renamed := apperr.Invalid(field, e.FieldMessage)
	renamed.Meta, renamed.Err = e.Meta, e.Err
	return renamed
}

// field is a settable struct field with what decodeObject needs to know.
type field struct {
	value    reflect.Value
	required bool
	// base is the type under pointers and graphql.Omittable, for messages.
	base reflect.Type
}

// jsonFields maps the json names of a struct's fields, including those of
// embedded structs (outer fields win), to the fields.
func jsonFields(v reflect.Value) map[string]field {
	out := map[string]field{}
	var embedded []reflect.Value
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			embedded = append(embedded, v.Field(i))
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out[name] = field{value: v.Field(i), required: !strings.Contains(opts, "omitempty"), base: baseType(sf.Type)}
	}
	for _, e := range embedded {
		for name, f := range jsonFields(e) {
			if _, taken := out[name]; !taken {
				out[name] = f
			}
		}
	}
	return out
}

// baseType unwraps pointers and wrappers with a ValueOK method (Omittable).
func baseType(t reflect.Type) reflect.Type {
	for {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
			continue
		}
		if m, ok := t.MethodByName("ValueOK"); ok && m.Type.NumOut() == 2 {
			t = m.Type.Out(0)
			continue
		}
		return t
	}
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	uuidType  = reflect.TypeFor[uuid.UUID]()
	uuidsType = reflect.TypeFor[[]uuid.UUID]()
)

// valueMessage says what a field's value must be, from the decode error and
// the field's type.
func valueMessage(base reflect.Type, err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	switch base {
	case timeType:
		return "must be an RFC 3339 time such as 2026-01-02T15:04:05Z"
	case uuidType:
		return "must be a UUID"
	case uuidsType:
		return "must be an array of UUIDs"
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return "must be " + describe(base)
	}
	return "is not valid"
}

// describe names a JSON type for messages.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "a JSON object"
	}
	return "of another type"
}

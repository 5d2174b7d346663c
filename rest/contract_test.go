package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/telecaller-crm/api/rest"
	"github.com/telecaller-crm/api/server/servertest"
)

// Every REST call of this package's tests goes through api.do, which checks
// the request and the response against the OpenAPI document served at
// /api/openapi.json:
//   - the response must match the operation's documented response for its
//     status (undocumented statuses fail), headers included;
//   - a request the document rejects must be rejected by the server (4xx),
//     and a request the server accepts (2xx) must be one the document allows;
//   - 404 and 405 answers outside the documented operations must be the
//     documented error envelope.
// TestMain then fails the run if some documented operation never produced a
// validated 2xx response.

// coverage records the operations that answered 2xx in this test binary.
var coverage sync.Map

func TestMain(m *testing.M) {
	flag.Parse()
	// The docs page is HTML, which the validator reads as a plain string.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	// So is CSV: the import reports ragged or malformed rows one by one, where
	// the validator's own CSV decoder would refuse the whole file.
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		doc, _ := loadDoc()
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if _, ok := coverage.Load(op.OperationID); !ok {
					fmt.Fprintf(os.Stderr, "contract: %s %s (%s) never answered 2xx in the tests\n", method, path, op.OperationID)
					code = 1
				}
			}
		}
	}
	os.Exit(code)
}

// loadDoc parses and validates the served document.
func loadDoc() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rest.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate OpenAPI document: %w", err)
	}
	return doc, nil
}

// api is a test server whose REST traffic is checked against the document.
type api struct {
	*servertest.Env
	doc    *openapi3.T
	router routers.Router
}

func newAPI(t *testing.T, opts ...servertest.Option) *api {
	t.Helper()
	doc, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &api{Env: servertest.New(t, opts...), doc: doc, router: router}
}

// do sends a REST request like servertest.Env.Do (body: nil, string, []byte
// or a value sent as JSON; headers: name/value pairs that override the
// defaults) and checks it against the document.
func (a *api) do(t *testing.T, method, path string, body any, token string, headers ...string) *servertest.Response {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, a.Server.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.send(t, req, b)
}

// send sends req, whose body bytes are b, and checks the exchange.
func (a *api) send(t *testing.T, req *http.Request, b []byte) *servertest.Response {
	t.Helper()
	ctx := context.Background()
	probe := req.Clone(ctx)
	probe.Body = io.NopCloser(bytes.NewReader(b))
	route, pathParams, routeErr := a.router.FindRoute(probe)
	var in *openapi3filter.RequestValidationInput
	var reqErr error
	if routeErr == nil {
		in = &openapi3filter.RequestValidationInput{Request: probe, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent, IncludeResponseStatus: true}}
		reqErr = openapi3filter.ValidateRequest(ctx, in)
	}

	resp, err := a.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &servertest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}

	if routeErr != nil {
		a.checkUnrouted(t, req, r, routeErr)
		return r
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Options: in.Options}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("contract: %s %s → %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, r.Status, err, body)
	}
	switch {
	case reqErr != nil && r.Status < 400:
		t.Errorf("contract: the document rejects %s %s but the server answered %d: %v", req.Method, req.URL, r.Status, reqErr)
	case r.Status < 300:
		coverage.Store(route.Operation.OperationID, true)
	}
	return r
}

// checkUnrouted checks an exchange outside the documented operations: it
// must be a 404 or 405 in the documented error envelope.
func (a *api) checkUnrouted(t *testing.T, req *http.Request, r *servertest.Response, routeErr error) {
	t.Helper()
	want := http.StatusNotFound
	if errors.Is(routeErr, routers.ErrMethodNotAllowed) {
		want = http.StatusMethodNotAllowed
	}
	if r.Status != want {
		t.Errorf("contract: %s %s is not in the document (%v) but answered %d, not %d", req.Method, req.URL.Path, routeErr, r.Status, want)
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Errorf("contract: %s %s → %d is not JSON: %s", req.Method, req.URL.Path, r.Status, r.Body)
		return
	}
	if err := a.doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("contract: %s %s → %d is not the error envelope: %v", req.Method, req.URL.Path, r.Status, err)
	}
}

// bearerPresent stands in for token verification: the document requires a
// bearer token, and the server decides whether it is valid.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

// run runs scenario rows in order, REST rows through do and GraphQL rows
// through the environment, with servertest's checks.
func (a *api) run(t *testing.T, rows []servertest.Scenario) {
	t.Helper()
	names := map[string]bool{}
	for _, sc := range rows {
		if names[sc.Name] {
			t.Fatalf("duplicate scenario name %q", sc.Name)
		}
		names[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Before != nil {
				sc.Before(t)
			}
			var r *servertest.Response
			if sc.Query != "" {
				r = a.GraphQL(t, sc.Token, sc.Query, sc.Vars)
			} else {
				r = a.do(t, sc.Method, sc.Path, sc.Body, sc.Token, sc.Headers...)
			}
			servertest.Check(t, sc, r)
			if sc.After != nil {
				sc.After(t, r)
			}
		})
	}
}

// envelope is a decoded REST response.
type envelope struct {
	Success    bool            `json:"success"`
	Data       json.RawMessage `json:"data"`
	Pagination *struct {
		Page            *int    `json:"page"`
		Limit           int     `json:"limit"`
		Total           int     `json:"total"`
		TotalIsEstimate bool    `json:"totalIsEstimate"`
		TotalPages      int     `json:"totalPages"`
		HasNext         bool    `json:"hasNext"`
		NextCursor      *string `json:"nextCursor"`
	} `json:"pagination"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details *struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
		Meta map[string]any `json:"meta"`
	} `json:"error"`
}

func decode(t *testing.T, r *servertest.Response) envelope {
	t.Helper()
	var e envelope
	r.Decode(t, &e)
	return e
}

// data decodes the envelope's data into v.
func data[T any](t *testing.T, r *servertest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(decode(t, r).Data, &v); err != nil {
		t.Fatalf("decode data: %v: %s", err, r.Body)
	}
	return v
}

// ids lists the "id" of each object in a list response, in order.
func ids(t *testing.T, r *servertest.Response) []string {
	t.Helper()
	var items []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(decode(t, r).Data, &items); err != nil {
		t.Fatalf("decode list: %v: %s", err, r.Body)
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// sameIDs fails unless got lists exactly want, in order.
func sameIDs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
}

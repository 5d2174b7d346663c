package servertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Serve runs one request through the server's handler in-process (no
// socket), for fuzz targets that send many. It returns nil when target is
// not a request line a client could send. headers are name/value pairs.
func (e *Env) Serve(method, target string, body []byte, headers ...string) *Response {
	req, err := http.NewRequest(method, "http://api.test"+target, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.RemoteAddr = "192.0.2.1:1234"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// ServeStream is Serve with a body of unknown length (chunked, no
// Content-Length), as a streaming client sends it.
func (e *Env) ServeStream(method, target string, body io.Reader, headers ...string) *Response {
	req, err := http.NewRequest(method, "http://api.test"+target, io.NopCloser(body))
	if err != nil {
		return nil
	}
	req.ContentLength = -1
	req.RemoteAddr = "192.0.2.1:1234"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// CheckNoServerError fails unless r is a success or a documented client
// error: never a 5xx, and every 4xx a JSON envelope with a known code
// (REST: {"success":false,"error":{"code",…}}; GraphQL: errors with
// extensions.code, none of them INTERNAL_ERROR).
func CheckNoServerError(t testing.TB, r *Response, graphql bool) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("server error %d: %s", r.Status, r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && (r.Status >= 400 || graphql) {
		t.Fatalf("status %d with Content-Type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if graphql {
		var out struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatalf("GraphQL answer is not JSON (%v): %s", err, r.Body)
		}
		for _, e := range out.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" || code == "INTERNAL_ERROR" {
				t.Fatalf("GraphQL error without a client code: %s", r.Body)
			}
		}
		return
	}
	if r.Status < 400 {
		return
	}
	var env struct {
		Success *bool `json:"success"`
		Error   *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || env.Success == nil || *env.Success || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("status %d without the error envelope: %s", r.Status, r.Body)
	}
	if env.Error.Code == "INTERNAL_ERROR" {
		t.Fatalf("INTERNAL_ERROR: %s", r.Body)
	}
}

package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The body read deadline cuts slow uploads, but it must not cancel a
// request whose body is in (or that has none) and whose handler simply
// takes longer than that deadline.
func TestBodyDeadlineDoesNotCancelSlowHandlers(t *testing.T) {
	t.Parallel()
	cfg := Config{RequestTimeout: 10 * time.Second, BodyReadTimeout: 200 * time.Millisecond}
	h := deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled: "+r.Context().Err().Error(), http.StatusServiceUnavailable)
		case <-time.After(700 * time.Millisecond):
			w.WriteHeader(http.StatusNoContent)
		}
	}), cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tests := []struct {
		name, method, body string
	}{
		{"GET without a body", http.MethodGet, ""},
		{"POST with a small body", http.MethodPost, `{"name":"x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequest(tc.method, srv.URL, body)
			if err != nil {
				t.Fatal(err)
			}
			// Twice on one keep-alive connection: the second request must
			// not inherit the first one's deadline.
			for i := range 2 {
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Fatalf("request %d: %d %s, want 204", i+1, resp.StatusCode, msg)
				}
				if tc.body != "" {
					req.Body = io.NopCloser(strings.NewReader(tc.body))
				}
			}
		})
	}
}

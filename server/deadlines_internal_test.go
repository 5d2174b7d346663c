package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
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
			req := newRequest(t, tc.method, srv.URL, tc.body)
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

// A handler that outlives its request's deadline (a statement that takes a
// moment to cancel, say) still answers on a kept-alive connection. The
// request that follows on that connection must arrive with a live context,
// not one net/http cancelled because a read deadline fired in its
// background read of the connection.
func TestRequestPastItsDeadlineLeavesTheConnectionUsable(t *testing.T) {
	t.Parallel()
	cfg := Config{RequestTimeout: 100 * time.Millisecond, BodyReadTimeout: 50 * time.Millisecond}
	h := deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.Context().Err(); err != nil {
			http.Error(w, "arrived cancelled: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("slow") == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		<-r.Context().Done()
		time.Sleep(200 * time.Millisecond) // cleaning up after the deadline
		w.WriteHeader(http.StatusGatewayTimeout)
	}), cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tests := []struct {
		name, method, body string
	}{
		{"GET without a body", http.MethodGet, ""},
		{"POST with a body", http.MethodPost, `{"name":"x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
			t.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr}
			var conns []string
			for i, query := range []string{"?slow=1", ""} {
				req := newRequest(t, tc.method, srv.URL+query, tc.body)
				var local string
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
					GotConn: func(ci httptrace.GotConnInfo) { local = ci.Conn.LocalAddr().String() },
				}))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := []int{http.StatusGatewayTimeout, http.StatusNoContent}[i]
				if resp.StatusCode != want {
					t.Fatalf("request %d: %d %s, want %d", i+1, resp.StatusCode, msg, want)
				}
				conns = append(conns, local)
			}
			if conns[0] != conns[1] {
				t.Fatalf("the second request used a new connection (%v); the test needs the first one kept alive", conns)
			}
		})
	}
}

// A request whose context is over when it arrives is answered with
// Connection: close, so the client does not reuse a spent connection.
func TestCancelledOnArrivalClosesTheConnection(t *testing.T) {
	t.Parallel()
	h := deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}), Config{RequestTimeout: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/leads", nil).WithContext(ctx))
	if got := rec.Header().Get("Connection"); got != "close" {
		t.Fatalf("Connection: %q, want close", got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/leads", nil))
	if got := rec.Header().Get("Connection"); got != "" {
		t.Fatalf("Connection: %q on a live request, want none", got)
	}
}

// newRequest is a request with body, or none when body is empty.
func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

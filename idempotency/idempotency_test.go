package idempotency_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/idempotency"
)

// server counts executions of a handler behind the middleware; the caller
// is the user named in the X-User header.
type server struct {
	*httptest.Server
	runs    atomic.Int64
	status  atomic.Int64
	release chan struct{}
}

func newServer(t *testing.T) *server {
	t.Helper()
	bdb, _ := dbtest.New(t)
	s := &server{}
	s.status.Store(http.StatusCreated)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n := s.runs.Add(1)
		if s.release != nil {
			<-s.release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(s.status.Load()))
		io.WriteString(w, `{"run":`+string(rune('0'+n))+`,"echo":`+string(b)+`}`)
	})
	mw := idempotency.Middleware(bdb, slog.New(slog.NewTextHandler(io.Discard, nil)), inner)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := uuid.Parse(r.Header.Get("X-User")); err == nil {
			r = r.WithContext(auth.NewContext(r.Context(), &auth.Principal{UserID: id, Role: auth.RoleManager}))
		}
		mw.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) post(t *testing.T, user uuid.UUID, key, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/api/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User", user.String())
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestReplay(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	alice, bob := uuid.New(), uuid.New()
	status, _, first := s.post(t, alice, "k1", `{"name":"a"}`)
	if status != http.StatusCreated || s.runs.Load() != 1 {
		t.Fatalf("first: %d %s", status, first)
	}
	status, h, again := s.post(t, alice, "k1", `{"name":"a"}`)
	if status != http.StatusCreated || again != first || h.Get("Idempotent-Replayed") != "true" || h.Get("Content-Type") != "application/json" || s.runs.Load() != 1 {
		t.Fatalf("replay: %d %q %v runs=%d", status, again, h, s.runs.Load())
	}
	status, _, body := s.post(t, alice, "k1", `{"name":"b"}`)
	if status != http.StatusConflict || !strings.Contains(body, `"field":"Idempotency-Key"`) || s.runs.Load() != 1 {
		t.Fatalf("other body: %d %s", status, body)
	}
	// Keys are scoped to the caller.
	if status, _, _ := s.post(t, bob, "k1", `{"name":"b"}`); status != http.StatusCreated || s.runs.Load() != 2 {
		t.Fatalf("another user's key: %d runs=%d", status, s.runs.Load())
	}
	// No key: every request runs.
	s.post(t, alice, "", `{}`)
	s.post(t, alice, "", `{}`)
	if s.runs.Load() != 4 {
		t.Fatalf("runs = %d, want 4", s.runs.Load())
	}
	if status, _, body := s.post(t, alice, strings.Repeat("x", 256), `{}`); status != http.StatusBadRequest || !strings.Contains(body, "VALIDATION_ERROR") {
		t.Fatalf("long key: %d %s", status, body)
	}
}

func TestServerErrorsAreNotStored(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := uuid.New()
	s.status.Store(http.StatusInternalServerError)
	s.post(t, u, "k", `{}`)
	s.status.Store(http.StatusCreated)
	if status, h, _ := s.post(t, u, "k", `{}`); status != http.StatusCreated || h.Get("Idempotent-Replayed") != "" || s.runs.Load() != 2 {
		t.Fatalf("retry after 500: %d runs=%d", status, s.runs.Load())
	}
}

func TestInFlight(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.release = make(chan struct{})
	u := uuid.New()
	done := make(chan int)
	go func() {
		status, _, _ := s.post(t, u, "slow", `{}`)
		done <- status
	}()
	for s.runs.Load() == 0 { // wait until the first request is inside the handler
		time.Sleep(time.Millisecond)
	}
	status, _, body := s.post(t, u, "slow", `{}`)
	close(s.release)
	if status != http.StatusConflict || !strings.Contains(body, "still being processed") {
		t.Fatalf("concurrent retry: %d %s", status, body)
	}
	if first := <-done; first != http.StatusCreated || s.runs.Load() != 1 {
		t.Fatalf("first = %d, runs = %d", first, s.runs.Load())
	}
}

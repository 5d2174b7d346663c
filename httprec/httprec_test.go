package httprec_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/telecaller-crm/api/httprec"
)

func TestWriterRecords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    func(http.ResponseWriter)
		wantStatus int
		wantBody   string
	}{
		{"nothing written", func(http.ResponseWriter) {}, 0, ""},
		{"body only means 200", func(w http.ResponseWriter) { _, _ = w.Write([]byte("hi")) }, 200, "hi"},
		{"first status wins", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte("made"))
		}, 201, "made"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inner := httptest.NewRecorder()
			w := &httprec.Writer{ResponseWriter: inner, Copy: &bytes.Buffer{}}
			tc.handler(w)
			if w.Status != tc.wantStatus || w.Bytes != len(tc.wantBody) || w.Copy.String() != tc.wantBody {
				t.Errorf("recorded status %d, %d bytes, copy %q; want %d, %d, %q", w.Status, w.Bytes, w.Copy, tc.wantStatus, len(tc.wantBody), tc.wantBody)
			}
			if inner.Body.String() != tc.wantBody {
				t.Errorf("passed on %q, want %q", inner.Body, tc.wantBody)
			}
		})
	}
}

func TestWriterUnwrapsForResponseController(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rc := http.NewResponseController(&httprec.Writer{ResponseWriter: w})
		if err := rc.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d: the controller could not reach the connection", resp.StatusCode)
	}
}

package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the flusher and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLineBuffer(t *testing.T) {
	t.Parallel()
	t.Run("holds lines until closed", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		b := newLineBuffer(&out, time.Hour)
		_, _ = b.Write([]byte("one\n"))
		_, _ = b.Write([]byte("two\n"))
		if out.String() != "" {
			t.Fatalf("written before a flush: %q", out.String())
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != "one\ntwo\n" {
			t.Errorf("after Close: %q", out.String())
		}
	})
	t.Run("writes through when full", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		b := newLineBuffer(&out, time.Hour)
		defer b.Close()
		line := strings.Repeat("x", 1023) + "\n"
		for range 40 { // 40 KiB > the 32 KiB buffer
			_, _ = b.Write([]byte(line))
		}
		if got := len(out.String()); got < 32<<10 {
			t.Errorf("%d bytes written with 40 KiB pending, want at least 32 KiB", got)
		}
	})
	t.Run("flushes on its own", func(t *testing.T) {
		t.Parallel()
		var out syncBuffer
		b := newLineBuffer(&out, time.Millisecond)
		defer b.Close()
		_, _ = b.Write([]byte("tick\n"))
		for out.String() == "" { // ends when the flusher runs; the test timeout bounds it
			time.Sleep(time.Millisecond)
		}
	})
}

// BenchmarkAccessLogLine writes one access-log-sized JSON line to a file,
// directly and through the line buffer.
func BenchmarkAccessLogLine(b *testing.B) {
	for _, buffered := range []bool{false, true} {
		name := "direct"
		if buffered {
			name = "buffered"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var w io.Writer = f
			if buffered {
				lb := newLineBuffer(f, 100*time.Millisecond)
				defer lb.Close()
				w = lb
			}
			logger := newLogger(w, slog.LevelInfo)
			b.ReportAllocs()
			for b.Loop() {
				logger.Info("request", "request_id", "0123456789abcdef01234567", "method", "GET", "path", "/api/leads/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
					"route", "GET /api/leads/{id}", "status", 200, "bytes", 612, "duration_ms", 1.234, "user_id", "00000000-0000-4000-8000-000000000002")
			}
		})
	}
}

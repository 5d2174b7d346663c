package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// lineBuffer batches log lines into few writes: one write per request was
// a visible share of the server's CPU under load. It flushes when 32 KiB
// are pending, every interval, and on Close, so a line waits at most one
// interval. slog handlers write each record in one call, so lines never
// interleave.
type lineBuffer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLineBuffer(w io.Writer, every time.Duration) *lineBuffer {
	b := &lineBuffer{w: bufio.NewWriterSize(w, 32<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				_ = b.Flush()
			}
		}
	}()
	return b
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes what is pending.
func (b *lineBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close stops the timer and flushes.
func (b *lineBuffer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}

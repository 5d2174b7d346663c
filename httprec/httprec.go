// Package httprec wraps an http.ResponseWriter to remember what a handler
// wrote: the status, the byte count and, when asked, a copy of the body.
// Middleware that logs, counts or stores answers shares it.
package httprec

import (
	"bytes"
	"net/http"
)

// Writer passes everything through to ResponseWriter and records it.
type Writer struct {
	http.ResponseWriter
	// Status is the status written, 0 until the handler writes anything
	// (a first Write without WriteHeader means 200).
	Status int
	// Bytes counts the body bytes written.
	Bytes int
	// Copy, when not nil, receives a copy of the body.
	Copy *bytes.Buffer
}

// WriteHeader records the first status and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records and passes on a piece of the body.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	if w.Copy != nil {
		w.Copy.Write(b)
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer
// (deadlines, flushing).
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

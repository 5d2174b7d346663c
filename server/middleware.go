package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/httprec"
	"github.com/telecaller-crm/api/metrics"
	"github.com/telecaller-crm/api/rest"
)

// validRequestID limits the client-supplied X-Request-Id that we echo and log.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes a sane X-Request-Id from the client or makes one, echoes
// it, and puts it in the context for logs and INTERNAL_ERROR messages.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(apperr.WithRequestID(r.Context(), id)))
	})
}

// accessLog writes one structured line per request.
func accessLog(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &httprec.Writer{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		attrs := []any{
			"request_id", apperr.RequestID(r.Context()),
			"method", r.Method,
			"path", r.URL.Path,
			"route", metrics.RouteOf(r.Context()),
			"status", rec.Status,
			"bytes", rec.Bytes,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if p, ok := auth.FromContext(r.Context()); ok {
			attrs = append(attrs, "user_id", p.UserID.String())
		}
		logger.InfoContext(r.Context(), "request", attrs...)
	})
}

// recoverPanics answers a panicking handler with INTERNAL_ERROR instead of a
// dropped connection, and logs the panic with the request id.
func recoverPanics(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httprec.Writer{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger.ErrorContext(r.Context(), "panic", "request_id", apperr.RequestID(r.Context()), "panic", v)
			if rec.Status == 0 {
				rest.WriteError(w, r, logger, errors.New("panic"))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// limitBody caps request bodies at cfg.MaxBodyBytes, or at the larger caps
// of bulk creation and CSV import; readers past the cap get an error that
// the REST and GraphQL layers report as PAYLOAD_TOO_LARGE. A cap of 0
// means none.
func limitBody(next http.Handler, cfg Config, logger *slog.Logger) http.Handler {
	max := cfg.MaxBodyBytes
	caps := map[string]int64{
		"POST /api/leads/bulk":   cfg.BulkMaxBytes,
		"POST /api/leads/import": cfg.ImportMaxBytes,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := max
		if c, ok := caps[r.Method+" "+r.URL.Path]; ok {
			limit = c
		}
		if limit > 0 && r.ContentLength > limit {
			rest.WriteError(w, r, logger, apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", limit))
			return
		}
		if limit > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// deadlines bounds each request: its context ends after RequestTimeout (a
// CSV import after ImportTimeout), reading its body after BodyReadTimeout
// (an import's after ImportTimeout), which cuts slow-drip (slowloris)
// clients off, and writing its answer shortly after the context ends. Unlike
// http.TimeoutHandler it does not buffer answers, so streams flow.
//
// Once the body is in (at once for a request without one) the connection
// has no read deadline until the handler returns. net/http reads the idle
// connection in the background while the handler runs, and a deadline that
// fires there cancels the context of the connection, not only of the
// request: the answer still goes out on a kept-alive connection, and every
// later request on it would arrive already cancelled. The request's own
// context deadline bounds the handler instead.
func deadlines(next http.Handler, cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Err() != nil {
			// Over before it began: the client hung up, or net/http
			// cancelled the connection's context. Either way the
			// connection is spent; have the client open a new one.
			w.Header().Set("Connection", "close")
		}
		rc := http.NewResponseController(w)
		d := cfg.RequestTimeout
		bodyRead := cfg.BodyReadTimeout
		if r.Method == http.MethodPost && r.URL.Path == "/api/leads/import" {
			d, bodyRead = cfg.ImportTimeout, cfg.ImportTimeout
		}
		if d > 0 && (bodyRead <= 0 || bodyRead > d) {
			bodyRead = d
		}
		if bodyRead > 0 && r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(time.Now().Add(bodyRead))
			r.Body = &bodyDeadline{ReadCloser: r.Body, rc: rc}
		} else {
			_ = rc.SetReadDeadline(time.Time{})
		}
		if d <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		end := time.Now().Add(d)
		_ = rc.SetWriteDeadline(end.Add(5 * time.Second)) // room to write the timeout error
		ctx, cancel := context.WithDeadline(r.Context(), end)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bodyDeadline lifts the connection's read deadline once the body has been
// read to its end.
type bodyDeadline struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// readBody reads a GraphQL request's body (already capped by limitBody)
// before the gqlgen transport does, which would answer a body over the cap
// or cut off by the read deadline with HTTP 200. Those get 413 and 400
// with the error in GraphQL's shape.
func readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			status, e := http.StatusBadRequest, apperr.Invalid("body", "could not be read")
			if errors.As(err, &tooLarge) {
				status, e = http.StatusRequestEntityTooLarge, apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", tooLarge.Limit)
			}
			ext := map[string]any{"code": e.Code}
			if e.Field != "" {
				ext["field"] = e.Field
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}, "data": nil})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	})
}

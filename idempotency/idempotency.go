// Package idempotency makes POST requests that carry an Idempotency-Key
// header safe to retry: the first response is stored for 24 hours and
// replayed to retries with the same key and body; the same key with another
// body, or while the first request still runs, is a CONFLICT.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/httprec"
	"github.com/telecaller-crm/api/rest"
)

// Header is the request header that names the key.
const Header = "Idempotency-Key"

// TTL is how long a key and its response are kept.
const TTL = 24 * time.Hour

// storedHeaders are the response headers replayed with the body.
var storedHeaders = []string{"Content-Type", "ETag", "Location"}

// Middleware wraps next so that POSTs with an Idempotency-Key run at most
// once per caller and key. Requests without the header, other methods and
// anonymous callers pass straight through.
func Middleware(bdb *bun.DB, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(Header)
		p, authed := auth.FromContext(r.Context())
		if key == "" || r.Method != http.MethodPost || !authed {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 || !printable(key) {
			rest.WriteError(w, r, logger, fieldError(apperr.Validation, "The Idempotency-Key header must be 1 to 255 printable ASCII characters.", "must be 1 to 255 printable ASCII characters"))
			return
		}
		body, fingerprint, err := spool(r)
		if err != nil {
			rest.WriteError(w, r, logger, err)
			return
		}
		defer body.Close()
		r.Body = body
		rec := &db.IdempotencyRecord{UserID: p.UserID, Key: key, Fingerprint: fingerprint, ExpiresAt: time.Now().Add(TTL)}
		prev, claimed, err := db.ClaimIdempotencyKey(r.Context(), bdb, rec)
		switch {
		case err != nil:
			rest.WriteError(w, r, logger, err)
		case !claimed && !bytes.Equal(prev.Fingerprint, fingerprint):
			rest.WriteError(w, r, logger, fieldError(apperr.Conflict, "This Idempotency-Key was already used for a different request.", "was used for a different request"))
		case !claimed && prev.Status == 0:
			rest.WriteError(w, r, logger, fieldError(apperr.Conflict, "A request with this Idempotency-Key is still being processed; retry later.", "is still in flight"))
		case !claimed:
			replay(w, prev)
		default:
			run(w, r, bdb, logger, rec, next)
		}
	})
}

// run executes the request once and stores its response. Server errors are
// not stored: the key is released so that the client may retry.
func run(w http.ResponseWriter, r *http.Request, bdb *bun.DB, logger *slog.Logger, rec *db.IdempotencyRecord, next http.Handler) {
	rw := &httprec.Writer{ResponseWriter: w, Copy: &bytes.Buffer{}}
	defer func() {
		// Store with a fresh context: the response is already on its way.
		ctx := context.WithoutCancel(r.Context())
		if v := recover(); v != nil || rw.Status == 0 || rw.Status >= 500 {
			if err := db.ReleaseIdempotencyKey(ctx, bdb, rec.UserID, rec.Key); err != nil {
				logger.ErrorContext(ctx, "release idempotency key", "err", err)
			}
			if v != nil {
				panic(v)
			}
			return
		}
		rec.Status, rec.Body, rec.Headers = rw.Status, rw.Copy.Bytes(), map[string]string{}
		for _, h := range storedHeaders {
			if v := w.Header().Get(h); v != "" {
				rec.Headers[h] = v
			}
		}
		if err := db.CompleteIdempotencyKey(ctx, bdb, rec); err != nil {
			logger.ErrorContext(ctx, "store idempotent response", "request_id", apperr.RequestID(ctx), "err", err)
		}
	}()
	next.ServeHTTP(rw, r)
}

func replay(w http.ResponseWriter, rec *db.IdempotencyRecord) {
	for k, v := range rec.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// spool copies the body to a temporary file while hashing it with the
// method, path and query, so large uploads are fingerprinted without being
// held in memory. The returned body deletes the file when closed.
func spool(r *http.Request) (io.ReadCloser, []byte, error) {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n"+r.Header.Get("Content-Type")+"\n")
	f, err := os.CreateTemp("", "crm-idem-*")
	if err != nil {
		return nil, nil, err
	}
	_ = os.Remove(f.Name())
	if r.Body != nil {
		if _, err := io.Copy(io.MultiWriter(f, h), r.Body); err != nil {
			f.Close()
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, nil, apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", tooBig.Limit)
			}
			return nil, nil, apperr.Wrap(err, apperr.Validation, "The request body could not be read.")
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, h.Sum(nil), nil
}

func fieldError(code, msg, fieldMsg string) error {
	return &apperr.Error{Code: code, Message: msg, Field: Header, FieldMessage: fieldMsg}
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Middleware reads the Authorization header. Without one the request goes on
// anonymous. "Bearer <token>" (scheme case-insensitive) is verified: on
// success the principal is put in the context (see FromContext). On failure,
// or with any other scheme, the request still goes on anonymous, with the
// UNAUTHORIZED error stored for RejectionFromContext: the rate limiter counts
// it as anonymous and handlers answer with that error.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := strings.TrimSpace(r.Header.Get("Authorization"))
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		p, err := v.verifyHeader(ctx, h)
		switch {
		case err != nil:
			ctx = withRejection(ctx, err)
		case p != nil:
			ctx = NewContext(ctx, p)
		default:
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// verifyHeader verifies a non-empty Authorization header value.
func (v *Verifier) verifyHeader(ctx context.Context, h string) (*Principal, error) {
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, v.reject(ctx, "The Authorization header must use the Bearer scheme.", errors.New("non-Bearer scheme"))
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return nil, v.reject(ctx, "The bearer token is missing.", errors.New("empty bearer token"))
	}
	return v.Verify(ctx, tok)
}

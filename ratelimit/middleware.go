package ratelimit

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/telecaller-crm/api/apperr"
)

// Middleware charges every request except the exempt paths, after auth has
// put the caller in the context: the hourly budget always, the bulk budget
// too on bulk routes. It sets the X-RateLimit-* headers (of the tighter limit
// when two apply) and answers a denial with 429 RATE_LIMITED and Retry-After
// without calling next. POSTs to the GraphQL path are charged by Extension
// once the operation is known. When Redis is unreachable the request is
// served without headers (FailOpen) or answered 503 SERVICE_UNAVAILABLE.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bulkCost := 0
		switch l.classify(r) {
		case exempt:
			next.ServeHTTP(w, r)
			return
		case graphQLPost:
			l.serveGraphQL(w, r, next)
			return
		case bulk:
			bulkCost = 1
		}
		if l.admit(w, r, bulkCost) {
			next.ServeHTTP(w, r)
		}
	})
}

// class is how a request is charged.
type class int

const (
	plain       class = iota // the hourly budget
	exempt                   // nothing
	bulk                     // the hourly and the bulk budget
	graphQLPost              // decided by the GraphQL extension
)

// isExempt matches a path against the exempt list: exactly, or below an
// entry that ends in "/".
func (l *Limiter) isExempt(path string) bool {
	if l.exempt[path] {
		return true
	}
	for p := range l.exempt {
		if strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (l *Limiter) classify(r *http.Request) class {
	switch {
	case l.isExempt(r.URL.Path):
		return exempt
	case r.Method == http.MethodPost && r.URL.Path == l.cfg.GraphQLPath:
		return graphQLPost
	case l.bulkRoutes[r.Method+" "+r.URL.Path]:
		return bulk
	}
	return plain
}

// admit charges r, writes the headers, and on a rejection writes the error
// and reports false.
func (l *Limiter) admit(w http.ResponseWriter, r *http.Request, bulkCost int) bool {
	d := l.decide(r.Context(), r, bulkCost)
	l.setHeaders(w.Header(), d)
	if d.err != nil {
		l.writeError(w, r, d.err)
		return false
	}
	return true
}

// decision is the outcome of charging a request.
type decision struct {
	res   Result
	known bool // res is valid; false when Redis could not be asked
	// err is the rejection (RATE_LIMITED, SERVICE_UNAVAILABLE), nil to serve.
	err *apperr.Error
}

// decide charges the caller of r one request against the hourly budget and,
// when bulkCost > 0, bulkCost against the bulk budget, all or nothing.
func (l *Limiter) decide(ctx context.Context, r *http.Request, bulkCost int) decision {
	subject, signedIn := l.subject(r)
	hourKey, bulkKey := l.keys(subject)
	hourly := l.anon
	if signedIn {
		hourly = l.auth
	}
	spends := []spend{{key: hourKey, limit: hourly, cost: 1}}
	if bulkCost > 0 {
		spends = append(spends, spend{key: bulkKey, limit: l.bulk, cost: bulkCost})
	}
	if l.coolingDown() {
		return l.unavailable(ctx, errCooldown)
	}
	rs, err := l.charge(ctx, spends)
	if err != nil && ctx.Err() != nil {
		// The caller hung up: not a Redis failure, so no cooldown or log;
		// refuse rather than run the request unlimited.
		return decision{err: apperr.Wrap(err, apperr.ServiceUnavailable, "The request was cancelled.")}
	}
	if err != nil {
		return l.unavailable(ctx, err)
	}
	res := tightest(rs)
	if !res.Allowed {
		l.stats.limited.Add(1)
		return decision{res: res, known: true, err: limited(res)}
	}
	l.stats.allowed.Add(1)
	return decision{res: res, known: true}
}

// limited is the RATE_LIMITED error for a denying result; meta.retryAfter
// repeats Retry-After for clients that cannot read headers.
func limited(res Result) *apperr.Error {
	wait := ceilSeconds(res.RetryAfter)
	unit := "seconds"
	if wait == 1 {
		unit = "second"
	}
	per := res.Limit.Period.String()
	switch res.Limit.Period {
	case time.Hour:
		per = "hour"
	case time.Minute:
		per = "minute"
	}
	return apperr.New(apperr.RateLimited, "Too many requests: the limit is %d per %s. Try again in %d %s.",
		res.Limit.Burst, per, wait, unit).With("retryAfter", wait)
}

// setHeaders writes the X-RateLimit-* headers, and Retry-After on a denial.
func (l *Limiter) setHeaders(h http.Header, d decision) {
	if !d.known {
		return
	}
	reset := l.cfg.Now().Add(d.res.ResetAfter)
	resetUnix := reset.Unix()
	if reset.Nanosecond() > 0 {
		resetUnix++
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.res.Limit.Burst))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.res.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(resetUnix, 10))
	if !d.res.Allowed {
		h.Set("Retry-After", strconv.Itoa(ceilSeconds(d.res.RetryAfter)))
	}
}

// ceilSeconds rounds d up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// writeError answers a rejection: in the GraphQL shape on the GraphQL path,
// else in the REST envelope.
func (l *Limiter) writeError(w http.ResponseWriter, r *http.Request, e *apperr.Error) {
	if r.URL.Path == l.cfg.GraphQLPath {
		writeGraphQLError(w, e)
		return
	}
	if l.cfg.WriteError != nil {
		l.cfg.WriteError(w, r, e)
		return
	}
	type body struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Meta    map[string]any `json:"meta,omitempty"`
	}
	writeJSON(w, e.Status(), struct {
		Success bool `json:"success"`
		Error   body `json:"error"`
	}{Error: body{e.Code, e.Message, e.Meta}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

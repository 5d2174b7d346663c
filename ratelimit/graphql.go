package ratelimit

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/telecaller-crm/api/apperr"
)

// A GraphQL POST is charged once, by whichever comes first: the extension,
// when the parsed operation shows whether it runs bulk mutations, or the
// response writer, before the first byte of a response gqlgen wrote without
// running an operation (bad JSON, parse or validation errors). Either way
// the charge happens before any resolver runs.

// deferred is the pending charge of one GraphQL POST.
type deferred struct {
	l    *Limiter
	r    *http.Request
	w    http.ResponseWriter // the underlying writer, for the headers
	done bool
	// status replaces the response status after a rejection (429, 503).
	status int
	err    *apperr.Error
}

type deferredKey struct{}

// run charges the request once; later calls return the first outcome.
func (d *deferred) run(ctx context.Context, bulkCost int) *apperr.Error {
	if d.done {
		return d.err
	}
	d.done = true
	dec := d.l.decide(ctx, d.r, bulkCost)
	d.l.setHeaders(d.w.Header(), dec)
	if dec.err != nil {
		d.err, d.status = dec.err, dec.err.Status()
	}
	return d.err
}

// serveGraphQL serves a GraphQL POST with its charge deferred.
func (l *Limiter) serveGraphQL(w http.ResponseWriter, r *http.Request, next http.Handler) {
	d := &deferred{l: l, r: r, w: w}
	dw := &deferredWriter{ResponseWriter: w, d: d}
	next.ServeHTTP(dw, r.WithContext(context.WithValue(r.Context(), deferredKey{}, d)))
	dw.begin(http.StatusOK)
}

// deferredWriter charges the request, if nothing has yet, before the
// response starts, and gives a rejected request its status. When that late
// charge is refused it writes the rejection instead of the handler's response.
type deferredWriter struct {
	http.ResponseWriter
	d       *deferred
	started bool
	swallow bool
}

func (w *deferredWriter) begin(code int) {
	if w.started {
		return
	}
	w.started = true
	if !w.d.done {
		if err := w.d.run(w.d.r.Context(), 0); err != nil {
			w.swallow = true
			writeGraphQLError(w.ResponseWriter, err)
			return
		}
	}
	if w.d.status != 0 {
		code = w.d.status
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deferredWriter) WriteHeader(code int) { w.begin(code) }

func (w *deferredWriter) Write(b []byte) (int, error) {
	w.begin(http.StatusOK)
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush starts the response, then flushes it if the writer can.
func (w *deferredWriter) Flush() {
	w.begin(http.StatusOK)
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.swallow {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *deferredWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Extension returns the gqlgen extension that charges GraphQL POSTs passed
// through Middleware: one request against the hourly budget, plus one unit
// of the bulk budget per BulkMutations field the operation selects (through
// aliases and fragments, honouring @skip/@include). A rejection answers the
// operation with RATE_LIMITED (HTTP 429) or SERVICE_UNAVAILABLE (503) before
// any resolver runs; an operation selecting more bulk fields than the bulk
// budget holds is a VALIDATION_ERROR, since it could never run.
func (l *Limiter) Extension() graphql.HandlerExtension {
	return &extension{l: l, mutation: "Mutation"}
}

type extension struct {
	l        *Limiter
	mutation string // the schema's mutation type name
}

var (
	_ graphql.HandlerExtension     = (*extension)(nil)
	_ graphql.OperationInterceptor = (*extension)(nil)
)

func (*extension) ExtensionName() string { return "RateLimit" }

// Validate learns the schema's mutation type name.
func (e *extension) Validate(s graphql.ExecutableSchema) error {
	if m := s.Schema().Mutation; m != nil {
		e.mutation = m.Name
	}
	return nil
}

// InterceptOperation charges the operation, if Middleware deferred it.
func (e *extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	d, ok := ctx.Value(deferredKey{}).(*deferred)
	if !ok || d.done {
		return next(ctx)
	}
	cost := e.bulkCost(graphql.GetOperationContext(ctx))
	if cost > e.l.bulk.Burst {
		if err := d.run(ctx, 0); err != nil {
			return graphql.OneShot(errorResponse(err))
		}
		err := apperr.New(apperr.Validation, "The operation runs %d bulk mutations; at most %d are allowed per minute.", cost, e.l.bulk.Burst)
		d.status = err.Status()
		return graphql.OneShot(errorResponse(err))
	}
	if err := d.run(ctx, cost); err != nil {
		return graphql.OneShot(errorResponse(err))
	}
	return next(ctx)
}

// bulkCost counts the bulk mutation fields an operation runs.
func (e *extension) bulkCost(oc *graphql.OperationContext) int {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return 0
	}
	n := 0
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{e.mutation}) {
		if e.l.bulkMutations[f.Name] {
			n++
		}
	}
	return n
}

// errorResponse is a GraphQL response carrying one API error.
func errorResponse(e *apperr.Error) *graphql.Response {
	ext := map[string]any{"code": e.Code}
	for k, v := range e.Meta {
		ext[k] = v
	}
	return &graphql.Response{Errors: gqlerror.List{{Message: e.Message, Extensions: ext}}}
}

// writeGraphQLError writes a GraphQL error response with the error's status.
func writeGraphQLError(w http.ResponseWriter, e *apperr.Error) {
	writeJSON(w, e.Status(), errorResponse(e))
}

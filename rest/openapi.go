package rest

import (
	_ "embed"
	"io"
	"net/http"
)

// openapiJSON is the OpenAPI 3.1 document of this package's routes. It is
// written by hand; the contract tests validate every request and response
// of the REST test suite against it and fail on any route it lacks.
//
//go:embed openapi.json
var openapiJSON string

// docsHTML renders openapiJSON in the browser: one self-contained page with
// no external assets, so it works offline.
//
//go:embed docs.html
var docsHTML string

// OpenAPI returns a copy of the OpenAPI document served at /api/openapi.json.
func OpenAPI() []byte { return []byte(openapiJSON) }

// staticFile serves embedded bytes with a content type. The docs page may
// run its own inline script and style and fetch from this origin only.
func staticFile(body, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, body)
		}
	})
}

// Package playground serves GraphiQL, the in-browser GraphQL IDE, from
// assets embedded in the binary: no CDN, so it works with the network
// unplugged. The assets are built from playground/web by `make playground`
// (npm only) and committed under playground/dist, so the Go build needs no
// npm. The page opens with this API's example operations (examples/) as
// tabs and a headers editor that says where to get a token.
package playground

import (
	"net/http"
	"strings"
)

// Handler serves the playground page at its endpoint and the hashed assets
// under endpoint + "/assets/".
type Handler struct {
	endpoint string
	page     *asset
	assets   map[string]*asset
}

// New returns the playground of the GraphQL endpoint at path endpoint, such
// as "/graphql". It panics if the embedded build is broken, which the
// package's tests rule out.
func New(endpoint string) *Handler {
	b, err := loadBundle()
	if err != nil {
		panic("playground: " + err.Error())
	}
	page, err := renderPage(endpoint, b)
	if err != nil {
		panic("playground: " + err.Error())
	}
	return &Handler{endpoint: endpoint, page: page, assets: b.assets}
}

// ServeHTTP serves GET and HEAD of the page at the endpoint and of the
// assets below it; 404 for unknown assets, 405 for other methods.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == h.endpoint {
		h.page.serve(w, r)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, h.endpoint+"/assets/")
	if a := h.assets[name]; ok && a != nil {
		a.serve(w, r)
		return
	}
	http.NotFound(w, r)
}

// Or returns a handler that serves the page to browsers navigating to the
// endpoint (see WantsPage) and hands every other request to api.
func (h *Handler) Or(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == h.endpoint && WantsPage(r) {
			h.page.serve(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// WantsPage reports whether r asks for the playground rather than a GraphQL
// result: a GET or HEAD whose Accept header takes text/html, carrying no
// query (or persisted-query extensions) parameter.
func WantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	q := r.URL.Query()
	if q.Has("query") || q.Has("extensions") {
		return false
	}
	return acceptsHTML(r.Header.Values("Accept"))
}

// acceptsHTML reports whether an Accept header lists text/html with a
// non-zero quality.
func acceptsHTML(accept []string) bool {
	for _, line := range accept {
		for _, item := range strings.Split(line, ",") {
			mediaType, params, _ := strings.Cut(item, ";")
			if !strings.EqualFold(strings.TrimSpace(mediaType), "text/html") {
				continue
			}
			if !zeroQuality(params) {
				return true
			}
		}
	}
	return false
}

// zeroQuality reports whether media type parameters say q=0 (not wanted).
func zeroQuality(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimRight(strings.TrimSpace(v), "0")
			return v == "" || v == "." || v == "0" || v == "0."
		}
	}
	return false
}

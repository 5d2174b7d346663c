package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

// dist is the Vite build of playground/web: the manifest naming the entry
// script and stylesheet, and the content-hashed assets.
//
//go:embed dist/manifest.json dist/assets
var dist embed.FS

// contentTypes are the types of the files the build emits. Listed here
// rather than taken from the mime package, whose answer depends on the
// host's mime.types (absent from distroless images).
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".woff2": "font/woff2",
	".woff":  "font/woff",
	".ttf":   "font/ttf",
	".png":   "image/png",
	".svg":   "image/svg+xml",
}

// csp lets the page load scripts, styles, fonts and images from this origin
// only, and talk to this origin only (the GraphQL endpoint).
const csp = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one response body with its headers.
type asset struct {
	body         []byte
	contentType  string
	cacheControl string
	etag         string

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not pay
}

// bundle is the parsed build.
type bundle struct {
	script string   // entry script, relative to dist/assets
	styles []string // its stylesheets, likewise
	assets map[string]*asset
}

// loadBundle reads the embedded build once per process.
var loadBundle = sync.OnceValues(func() (*bundle, error) {
	b := &bundle{assets: map[string]*asset{}}
	entries, err := fs.ReadDir(dist, "dist/assets")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			return nil, fmt.Errorf("no content type for built asset %s", e.Name())
		}
		body, err := fs.ReadFile(dist, "dist/assets/"+e.Name())
		if err != nil {
			return nil, err
		}
		// Names carry a content hash, so a name never changes meaning.
		b.assets[e.Name()] = newAsset(body, ct, "public, max-age=31536000, immutable")
	}
	return b, b.readManifest()
})

// readManifest finds the entry script and its stylesheets in Vite's
// manifest and checks that they were built.
func (b *bundle) readManifest() error {
	raw, err := fs.ReadFile(dist, "dist/manifest.json")
	if err != nil {
		return err
	}
	var m map[string]struct {
		File    string   `json:"file"`
		IsEntry bool     `json:"isEntry"`
		CSS     []string `json:"css"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	for _, chunk := range m {
		if !chunk.IsEntry {
			continue
		}
		if b.script != "" {
			return fmt.Errorf("manifest: more than one entry")
		}
		b.script = strings.TrimPrefix(chunk.File, "assets/")
		for _, c := range chunk.CSS {
			b.styles = append(b.styles, strings.TrimPrefix(c, "assets/"))
		}
	}
	if b.script == "" {
		return fmt.Errorf("manifest: no entry script")
	}
	for _, name := range append([]string{b.script}, b.styles...) {
		if b.assets[name] == nil {
			return fmt.Errorf("manifest names %s, which was not built", name)
		}
	}
	return nil
}

func newAsset(body []byte, contentType, cacheControl string) *asset {
	sum := sha256.Sum256(body)
	return &asset{
		body:         body,
		contentType:  contentType,
		cacheControl: cacheControl,
		etag:         `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
	}
}

// serve writes the asset: 304 when the client holds it, gzip when the
// client takes it and it shrinks.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cacheControl)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Add("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if gz := a.gzip(); gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// gzip compresses text assets on first use; fonts and images are already
// compressed.
func (a *asset) gzip() []byte {
	if !strings.HasPrefix(a.contentType, "text/") {
		return nil
	}
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		if zw.Close() == nil && buf.Len() < len(a.body)*9/10 {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip.
func acceptsGzip(header string) bool {
	for _, item := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(item, ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && !zeroQuality(params) {
			return true
		}
	}
	return false
}

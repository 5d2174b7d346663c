package playground_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/telecaller-crm/api/playground"
)

func TestWantsPage(t *testing.T) {
	t.Parallel()
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	tests := []struct {
		name   string
		method string
		target string
		accept string
		want   bool
	}{
		{"browser navigation", "GET", "/graphql", browser, true},
		{"HEAD from a browser", "HEAD", "/graphql", browser, true},
		{"plain text/html", "GET", "/graphql", "text/html", true},
		{"GET query from a browser goes to GraphQL", "GET", "/graphql?query=%7Bme%7Bid%7D%7D", browser, false},
		{"persisted query from a browser goes to GraphQL", "GET", "/graphql?extensions=%7B%7D", browser, false},
		{"JSON client", "GET", "/graphql", "application/json", false},
		{"GraphQL response type", "GET", "/graphql", "application/graphql-response+json, application/json;q=0.9", false},
		{"no Accept", "GET", "/graphql", "", false},
		{"html refused with q=0", "GET", "/graphql", "text/html;q=0, application/json", false},
		{"html with a low but non-zero q", "GET", "/graphql", "application/json, text/html;q=0.1", true},
		{"POST never", "POST", "/graphql", browser, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			if got := playground.WantsPage(r); got != tc.want {
				t.Fatalf("WantsPage = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOrDispatches(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "graphql") })
	h := playground.New("/graphql").Or(api)
	tests := []struct {
		name, method, target, accept, want string
	}{
		{"browser gets the page", "GET", "/graphql", "text/html", "<!doctype html>"},
		{"POST gets GraphQL", "POST", "/graphql", "text/html", "graphql"},
		{"GET with a query gets GraphQL", "GET", "/graphql?query={me{id}}", "text/html", "graphql"},
		{"JSON client gets GraphQL", "GET", "/graphql", "application/json", "graphql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Header.Set("Accept", tc.accept)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !strings.HasPrefix(w.Body.String(), tc.want) {
				t.Fatalf("body starts %.40q, want %q", w.Body.String(), tc.want)
			}
		})
	}
}

func TestPageHeadersAndConfig(t *testing.T) {
	t.Parallel()
	w := get(t, playground.New("/graphql"), "/graphql", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	wantHeaders := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
	}
	for k, v := range wantHeaders {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	page := w.Body.String()
	// Every script and stylesheet is a same-origin path, and nothing inline
	// is executable or styled (the CSP would block it).
	for _, bad := range []string{"http://", "https://", "//cdn", "style=", "<style", "onload="} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	cfg := pageConfig(t, page)
	if cfg.Endpoint != "/graphql" || len(cfg.Tabs) < 3 {
		t.Fatalf("config = %+v", cfg)
	}
	for i, tab := range cfg.Tabs {
		var h map[string]string
		if err := json.Unmarshal([]byte(tab.Headers), &h); err != nil {
			t.Fatalf("tab %d headers are not a JSON object: %v", i, err)
		}
		if h["Authorization"] != "Bearer "+playground.TokenPlaceholder {
			t.Errorf("tab %d Authorization = %q", i, h["Authorization"])
		}
	}
	if !strings.Contains(cfg.Headers, "go run ./cmd/crm token --role manager") {
		t.Errorf("new-tab headers lack the token guidance: %q", cfg.Headers)
	}
}

func TestPageRevalidates(t *testing.T) {
	t.Parallel()
	h := playground.New("/graphql")
	etag := get(t, h, "/graphql", nil).Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if w := get(t, h, "/graphql", http.Header{"If-None-Match": {etag}}); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("revalidation: status %d, %d bytes", w.Code, w.Body.Len())
	}
}

// TestAssetsResolve follows every asset the page and its stylesheets name
// and checks each is served with its type and a long cache lifetime.
func TestAssetsResolve(t *testing.T) {
	t.Parallel()
	h := playground.New("/graphql")
	page := get(t, h, "/graphql", nil).Body.String()
	refs := regexp.MustCompile(`(?:src|href)="(/graphql/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 2 {
		t.Fatalf("page names %d assets, want a script and a stylesheet", len(refs))
	}
	seen := map[string]bool{}
	var queue []string
	for _, m := range refs {
		queue = append(queue, m[1])
	}
	cssURL := regexp.MustCompile(`url\(["']?([^)"']+)["']?\)`)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		w := get(t, h, p, nil)
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d", p, w.Code)
			continue
		}
		if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", p, got)
		}
		ct := w.Header().Get("Content-Type")
		if !strings.HasPrefix(ct, wantType(p)) {
			t.Errorf("%s: Content-Type %q, want %s", p, ct, wantType(p))
		}
		if !strings.HasSuffix(p, ".css") {
			continue
		}
		for _, m := range cssURL.FindAllStringSubmatch(w.Body.String(), -1) {
			u := m[1]
			if strings.HasPrefix(u, "data:") || strings.Contains(u, "//") {
				t.Errorf("%s refers to %.40s: the CSP allows only this origin", p, u)
				continue
			}
			queue = append(queue, "/graphql/assets/"+strings.TrimPrefix(u, "./"))
		}
	}
	t.Logf("%d assets resolved", len(seen))
}

func TestAssetsCompressAndRefuse(t *testing.T) {
	t.Parallel()
	h := playground.New("/graphql")
	page := get(t, h, "/graphql", nil).Body.String()
	script := regexp.MustCompile(`src="(/graphql/assets/[^"]+\.js)"`).FindStringSubmatch(page)
	if script == nil {
		t.Fatal("no script in the page")
	}
	plain := get(t, h, script[1], nil)
	zipped := get(t, h, script[1], http.Header{"Accept-Encoding": {"gzip, br"}})
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= plain.Body.Len() {
		t.Fatalf("gzip: encoding %q, %d vs %d bytes", zipped.Header().Get("Content-Encoding"), zipped.Body.Len(), plain.Body.Len())
	}
	zippedLen := zipped.Body.Len()
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("gzipped body differs from the plain one (err %v)", err)
	}
	t.Logf("script: %d bytes, %d gzipped", plain.Body.Len(), zippedLen)

	if w := get(t, h, "/graphql/assets/missing.js", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown asset: status %d", w.Code)
	}
	r := httptest.NewRequest(http.MethodPost, script[1], nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST asset: status %d", w.Code)
	}
	head := httptest.NewRecorder()
	h.ServeHTTP(head, httptest.NewRequest(http.MethodHead, script[1], nil))
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: status %d, %d bytes, length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
}

func wantType(p string) string {
	for ext, ct := range map[string]string{".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff", ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf"} {
		if strings.HasSuffix(p, ext) {
			return ct
		}
	}
	return "?"
}

type config struct {
	Endpoint    string           `json:"endpoint"`
	Placeholder string           `json:"placeholder"`
	Headers     string           `json:"headers"`
	Tabs        []playground.Tab `json:"tabs"`
}

// pageConfig decodes the page's JSON data block as its script does.
func pageConfig(t *testing.T, page string) config {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="playground-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page has no config block")
	}
	var c config
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("config block: %v\n%s", err, m[1])
	}
	return c
}

func get(t *testing.T, h http.Handler, target string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

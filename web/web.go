// Package web holds dabba's browser apps, embedded in the binary: the
// landing page, the interactive API documentation, and the apps under
// /app/ — customer live tracking (/app/track/{id}) and order history
// (/app/orders), the restaurant's kitchen dashboard (/app/kitchen) and the
// enterprise cache console (/app/cache), with sign-in at /app/.
//
// The apps are plain HTML and JavaScript modules speaking the public REST
// API and the /ws protocol (realtime/PROTOCOL.md) with the bearer token the
// user pastes in — no build step, no framework, nothing fetched from
// anywhere but this server. Every page is served with a strict
// Content-Security-Policy: scripts only from this origin, never inline.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
)

//go:embed pages static
var files embed.FS

// Routes are the URL patterns the web apps answer; api mounts Handler on
// each of them.
func Routes() []string {
	routes := []string{"GET /static/", "GET /app"}
	for _, p := range pages() {
		routes = append(routes, p.pattern)
	}
	return routes
}

// page is one HTML page and the pattern it is served at.
type page struct {
	pattern string
	file    string
	// policy is the page's Content-Security-Policy.
	policy string
	// valid, when set, decides whether the request names something the page
	// can show; otherwise the answer is 404.
	valid func(r *http.Request) bool
}

// Content-Security-Policies. Scripts come only from this origin and never
// inline; the apps connect to the REST API and /ws on this origin. Swagger
// UI sets inline styles, so the documentation keeps 'unsafe-inline' for
// styles; the apps do not need it.
const (
	appPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	docsPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

func pages() []page {
	return []page{
		{pattern: "GET /{$}", file: "pages/index.html", policy: appPolicy},
		{pattern: "GET /docs", file: "pages/docs.html", policy: docsPolicy},
		{pattern: "GET /app/{$}", file: "pages/app.html", policy: appPolicy},
		{pattern: "GET /app/orders", file: "pages/orders.html", policy: appPolicy},
		{pattern: "GET /app/track/{id}", file: "pages/track.html", policy: appPolicy, valid: positiveID("id")},
		{pattern: "GET /app/kitchen", file: "pages/kitchen.html", policy: appPolicy},
		{pattern: "GET /app/cache", file: "pages/cache.html", policy: appPolicy},
	}
}

// positiveID accepts requests whose path value name is a positive integer.
func positiveID(name string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
		return err == nil && id > 0
	}
}

// Handler serves the web apps.
func Handler() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(files, "static")
	if err != nil {
		// "static" is embedded above; fs.Sub fails only for an invalid name.
		panic(fmt.Sprintf("web: %v", err))
	}
	tags := entityTags(static)
	assets := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Revalidated on every use, answered 304 while unchanged: the apps'
		// modules import one another, and a browser mixing modules of two
		// versions of dabba would break in odd ways.
		tag, ok := tags[r.URL.Path]
		if !ok {
			// Directories are not listed.
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// http.FileServerFS compares If-None-Match with this ETag.
		w.Header().Set("ETag", tag)
		assets.ServeHTTP(w, r)
	})))
	mux.Handle("GET /app", http.RedirectHandler("/app/", http.StatusMovedPermanently))
	for _, p := range pages() {
		mux.Handle(p.pattern, servePage(p))
	}
	return mux
}

// entityTags returns a strong ETag per file of fsys, from its content: the
// embedded files carry no modification time to revalidate by.
func entityTags(fsys fs.FS) map[string]string {
	tags := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags[path] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	if err != nil {
		// Walking an embedded tree cannot fail at run time.
		panic(fmt.Sprintf("web: hash the embedded assets: %v", err))
	}
	return tags
}

// servePage serves one embedded HTML page with its security headers.
func servePage(p page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p.valid != nil && !p.valid(r) {
			http.NotFound(w, r)
			return
		}
		b, err := files.ReadFile(p.file)
		if err != nil {
			http.Error(w, "this page is missing from the binary", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", p.policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	}
}

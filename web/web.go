// Package web holds dabba's browser apps, embedded in the binary: the
// landing page, the interactive API documentation and (with later issues)
// customer live tracking, the restaurant dashboard and the cache console.
// The apps are plain HTML and JavaScript speaking the public REST API and
// the /ws protocol — no build step, nothing fetched at run time.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed pages static
var files embed.FS

// Routes are the URL patterns the web apps answer; api mounts Handler on
// each of them.
func Routes() []string {
	return []string{"GET /{$}", "GET /docs", "GET /static/"}
}

// Handler serves the web apps.
func Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	assets := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets change only with the binary.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		assets.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /{$}", page("pages/index.html"))
	mux.HandleFunc("GET /docs", page("pages/docs.html"))
	return mux
}

// page serves one embedded HTML page.
func page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := files.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
		_, _ = w.Write(b)
	}
}

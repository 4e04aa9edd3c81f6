package api

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

type requestIDKey struct{}
type callerKey struct{}

// requestIDFrom returns the request's ID, or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID returns a short random ID; a client-supplied X-Request-ID is
// kept instead when it is sane, so traces can cross services.
func newRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 && isPrintableASCII(id) {
		return id
	}
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// The Cache-Control of JSON answers. By default none may be stored: most
// are a principal's own records (orders, addresses, the cache console),
// which no shared cache and no shared computer must keep. The catalogue
// (restaurants, menus, reviews) is the same for every reader and changes
// rarely, so a client may reuse it for a few seconds; still private, as
// every read needs a token and a shared cache would hand it out without.
const (
	cacheNoStore   = "private, no-store"
	cacheCatalogue = "private, max-age=10"
)

// catalogue marks a route's answers as reusable for cacheCatalogue.
func catalogue() fuego.RouteOption {
	return option.Middleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", cacheCatalogue)
			next.ServeHTTP(w, r)
		})
	})
}

// statusRecorder remembers the status a handler wrote, and gives JSON
// responses their content type even when the handler set the status first
// (fuego writes the status before serializing; see STACK-NOTES), and
// cacheNoStore unless the route said otherwise.
type statusRecorder struct {
	http.ResponseWriter
	// ctx is the request's, where the cache notes a stale answer.
	ctx    context.Context
	status int
	bytes  int
}

// staleStatus is the Cache-Status (RFC 9211) of an answer served from an
// expired cache entry because PostgreSQL was unavailable (stale-if-error).
const staleStatus = "dabba; hit; detail=stale-if-error"

func (w *statusRecorder) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	h := w.Header()
	if code != http.StatusNoContent && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if strings.Contains(h.Get("Content-Type"), "json") && h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", cacheNoStore)
	}
	if cache.ServedStale(w.ctx) {
		h.Set("Cache-Status", staleStatus)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (websockets).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// httpMetrics are the HTTP layer's Prometheus series.
type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "dabba", Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern, method and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method", "status"})}
	reg.MustRegister(m.duration)
	return m
}

// observe wraps the whole handler: request ID, structured access log,
// panic recovery and metrics. routeOf names the matched route for metrics
// without exploding their cardinality.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID(r)
		ctx := cache.WithStaleNotice(context.WithValue(r.Context(), requestIDKey{}, id))
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-ID", id)
		// No browser may guess another type than the one declared (a JSON
		// answer echoing input must never run as HTML or script).
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w, ctx: ctx}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(ctx, "panic serving request", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeProblem(rec, r, newProblem(store.EINTERNAL, "", "an unexpected error occurred"))
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			_, route := s.mux.Handler(r)
			if route == "" {
				route = "unmatched"
			}
			s.metrics.duration.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			// The query string may carry a token (websockets): log the path only.
			slog.Log(ctx, level, "http request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"route", route, "status", status, "bytes", rec.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}

// problemsForUnmatched answers requests no route matches with a problem
// instead of net/http's plain-text 404 and 405.
func (s *Server) problemsForUnmatched(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := s.mux.Handler(r)
		if pattern != "" {
			next.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeProblem(w, r, newProblem("", "method_not_allowed", fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, probe.header.Get("Allow"))))
			return
		}
		if probe.status == http.StatusMovedPermanently || probe.status == http.StatusTemporaryRedirect || probe.status == http.StatusPermanentRedirect {
			h.ServeHTTP(w, r)
			return
		}
		writeProblem(w, r, newProblem("", "route_not_found", "there is no route "+r.Method+" "+r.URL.Path))
	})
}

// headerProbe captures what net/http's not-found/redirect handlers would
// write, so problemsForUnmatched can decide what to answer.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

// requireJSON refuses request bodies that are not JSON: fuego would try XML,
// YAML or forms, and a text/plain body for a struct makes it panic.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				writeProblem(w, r, newProblem("", "unsupported_media_type", "send the body as application/json (got "+strconvQuote(r.Header.Get("Content-Type"))+")"))
				return
			}
			// fuego dispatches on the exact header value.
			r.Header.Set("Content-Type", "application/json")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate requires a valid bearer token and puts its principal in the
// request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dabba"`)
			writeProblem(w, r, newProblem("", "token_invalid", "this operation needs a bearer token: Authorization: Bearer <jwt>"))
			return
		}
		p, err := s.tokens.Verify(token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dabba", error="invalid_token"`)
			writeProblem(w, r, problemFor(err))
			return
		}
		ctx := context.WithValue(store.WithPrincipal(r.Context(), p), callerKey{}, p)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// caller returns the authenticated principal of the request. Routes behind
// authenticate always have one; the error guards against a route wired
// without it, which must fail closed rather than act as the system.
func caller(ctx context.Context) (store.Principal, error) {
	p, ok := ctx.Value(callerKey{}).(store.Principal)
	if !ok {
		return store.Principal{}, store.Errorf(store.EUNAUTHORIZED, "token_invalid", "this operation needs a bearer token")
	}
	return p, nil
}

// Package api is dabba's HTTP surface: every REST route (on fuego, which
// derives the OpenAPI 3.1 description from the handlers' types), bearer-token
// authentication, RFC 9457 problems, health, metrics and the documentation.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/web"
)

// Config tunes the HTTP layer.
type Config struct {
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Version is reported by /healthz and the OpenAPI description.
	Version string
}

// DefaultConfig returns the configuration dabba ships with.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 64 << 10, Version: "dev"}
}

// Check is one dependency /readyz verifies.
type Check struct {
	// Name of the dependency, e.g. "postgres".
	Name string
	// Probe returns nil when the dependency answers.
	Probe func(ctx context.Context) error
	// Optional marks a dependency the node serves without, degraded.
	Optional bool
}

// Deps are what the HTTP layer serves.
type Deps struct {
	// Services is the domain, usually PostgreSQL under the cache.
	Services store.Services
	// Engine is the tracking engine: orders are placed and moved, kitchens
	// and deliveries run, through its actors.
	Engine Engine
	// Tokens verifies bearer tokens.
	Tokens *Tokens
	// Metrics is where the HTTP series are registered and /metrics reads.
	Metrics *prometheus.Registry
	// Checks are the dependencies /readyz verifies.
	Checks []Check
	// Vital are states of the process itself that only a restart mends
	// (a tracking node dropped out of its cluster): /healthz answers 503
	// while one fails, so an orchestrator's liveness probe restarts the
	// node. Their Optional is ignored.
	Vital []Check
	// Socket is the realtime hub served at /ws; nil answers 503 there.
	Socket http.Handler
	// Cache is the enterprise cache the /cache and /enterprise endpoints
	// administer; nil answers 503 there.
	Cache CacheAdmin
	// Analytics serves /analytics, from the cache first, then the rollup
	// tables; nil answers 503 there.
	Analytics store.AnalyticsService
	// Jobs is the background work queue: warms on demand and /jobs; nil
	// answers 503 there.
	Jobs Jobs
	// JobsConsole is the queues' web console, served to admins at
	// /admin/jobs when set.
	JobsConsole http.Handler
}

// Server is the HTTP surface. It is an http.Handler.
type Server struct {
	cfg      Config
	deps     Deps
	services store.Services
	tokens   *Tokens
	f        *fuego.Server
	mux      *http.ServeMux
	metrics  *httpMetrics
	handler  http.Handler
	spec     []byte
	started  time.Time
}

// bearerScheme is the OpenAPI name of the bearer-token security scheme.
const bearerScheme = "bearerAuth"

// New builds the server and its OpenAPI description.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Tokens == nil || deps.Metrics == nil {
		return nil, fmt.Errorf("api: Tokens and Metrics are required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultConfig().MaxBodyBytes
	}
	s := &Server{cfg: cfg, deps: deps, services: deps.Services, tokens: deps.Tokens, started: time.Now()}
	s.f = fuego.NewServer(
		// Not WithoutLogger: it replaces the process-wide slog default. dabba
		// logs requests itself (observe); fuego's logger would also wrap the
		// ResponseWriter in a way that breaks websocket upgrades.
		fuego.WithLoggingMiddleware(fuego.LoggingConfig{DisableRequest: true, DisableResponse: true}),
		fuego.WithoutStartupMessages(),
		fuego.WithoutAutoGroupTags(),
		fuego.WithMaxBodySize(cfg.MaxBodyBytes),
		fuego.WithDisallowUnknownFields(true),
		fuego.WithSerializer(sendJSON),
		fuego.WithErrorSerializer(serializeError),
		fuego.WithEngineOptions(
			fuego.WithErrorHandler(passThroughErrors),
			fuego.WithRequestContentType("application/json"),
			fuego.WithResponseContentType("application/json"),
			fuego.WithOpenAPIConfig(fuego.OpenAPIConfig{
				DisableLocalSave:     true,
				DisableMessages:      true,
				DisableDefaultServer: true,
				PrettyFormatJSON:     true,
				Info:                 apiInfo(),
			}),
			fuego.WithMiddlewareConfig(fuego.MiddlewareConfig{DisableMiddlewareSection: true}),
			withSchemaDocs(),
		),
		fuego.WithSecurity(openapi3.SecuritySchemes{bearerScheme: &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().
			WithDescription("A JWT minted by `dabba token --role <customer|restaurant|courier|admin> --sub <id>`.")}}),
		fuego.WithRouteOptions(problemResponses(http.StatusBadRequest, http.StatusInternalServerError)),
	)
	s.mux = s.f.Mux
	s.metrics = newHTTPMetrics(deps.Metrics)

	s.publicRoutes(s.f)
	authed := fuego.Group(s.f, "",
		option.Middleware(s.authenticate),
		option.Security(openapi3.SecurityRequirement{bearerScheme: []string{}}),
		problemResponses(http.StatusUnauthorized),
	)
	s.restaurantRoutes(authed)
	s.menuRoutes(authed)
	s.customerRoutes(authed)
	s.courierRoutes(authed)
	s.orderRoutes(authed)
	s.lifecycleRoutes(authed)
	s.trackingRoutes(authed)
	s.kitchenRoutes(authed)
	s.reviewRoutes(authed)
	s.cacheRoutes(authed)
	s.analyticsRoutes(authed)
	s.jobRoutes(authed)
	if deps.JobsConsole != nil {
		s.mountJobsConsole(deps.JobsConsole)
	}
	socket := deps.Socket
	if socket == nil {
		socket = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, newProblem(store.EUNAVAILABLE, "realtime_unavailable", "this server runs without the realtime hub"))
		})
	}
	s.mountSocket(socket)

	spec := s.f.OutputOpenAPISpec()
	polishSpec(spec)
	if err := spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: the OpenAPI description is invalid: %w", err)
	}
	b, err := marshalSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s.spec = b
	s.mux.HandleFunc("GET /openapi.json", s.serveSpec)
	site := web.Handler()
	for _, pattern := range web.Routes() {
		s.mux.Handle(pattern, site)
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(deps.Metrics, promhttp.HandlerOpts{}))
	s.handler = s.observe(s.problemsForUnmatched(requireJSON(s.mux)))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the OpenAPI 3.1 description served at /openapi.json.
func (s *Server) OpenAPI() []byte { return s.spec }

func (s *Server) serveSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.spec)
}

// apiVersion is the version of the HTTP contract, not of the binary: it
// changes only when the API does, so the committed description stays stable.
const apiVersion = "1.0.0"

func apiInfo() *openapi3.Info {
	return &openapi3.Info{
		Title:   "dabba",
		Version: apiVersion,
		Description: "dabba is a food-delivery platform: restaurants, menus, customers, couriers, " +
			"orders with live tracking, reviews, analytics and an enterprise Redis cache.\n\n" +
			"Every operation except health, metrics and documentation needs a bearer JWT " +
			"(`Authorization: Bearer <token>`) whose `role` is customer, restaurant, courier or admin and whose " +
			"subject is the customer's, restaurant's or courier's ID. Customers see only their own data.\n\n" +
			"Errors are RFC 9457 problems (`application/problem+json`) with a stable `type`; " +
			"`GET /problems` lists them all. Lists are paginated with `limit` (1–100, default 20) and the " +
			"opaque `cursor` returned as `next_cursor`. Money is an integer amount in minor units " +
			"(paise, cents) with an ISO 4217 currency code; times are RFC 3339 in UTC.",
	}
}

// sendJSON is fuego's serializer: dabba speaks JSON only, whatever the
// Accept header says.
func sendJSON(w http.ResponseWriter, _ *http.Request, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// problemResponses documents that a route may answer with a problem for
// each of the given statuses.
func problemResponses(statuses ...int) fuego.RouteOption {
	return func(r *fuego.BaseRoute) {
		for _, st := range statuses {
			option.AddResponse(st, http.StatusText(st)+" — an RFC 9457 problem", fuego.Response{
				Type: Problem{}, ContentTypes: []string{"application/problem+json"},
			})(r)
		}
	}
}

// created marks a route that answers 201 with the created resource.
func created() fuego.RouteOption { return option.DefaultStatusCode(http.StatusCreated) }

// requestContext is the part of a fuego context the helpers read.
type requestContext interface {
	PathParam(name string) string
	QueryParam(name string) string
	Context() context.Context
}

// pathID reads a positive integer ID from the path.
func pathID(c requestContext, name string) (int64, error) {
	raw := c.PathParam(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, badParameter(name, "must be a positive integer ID, got "+strconvQuote(raw))
	}
	return id, nil
}

func badParameter(name, reason string) *Problem {
	return newProblem("", "bad_parameter", name+" "+reason, store.FieldError{Field: name, Reason: reason})
}

// pageRequest reads the `limit` and `cursor` query parameters.
func pageRequest(c requestContext) (store.PageRequest, error) {
	var p store.PageRequest
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxPageLimit {
			return p, badParameter("limit", "must be an integer between 1 and 100")
		}
		p.Limit = n
	}
	p.Cursor = c.QueryParam("cursor")
	return p, nil
}

// pageOptions documents the pagination query parameters.
func pageOptions() fuego.RouteOption {
	return option.Group(
		option.QueryInt("limit", "Page size, 1–100 (default 20).", fuego.ParamExample("twenty", 20)),
		option.Query("cursor", "The `next_cursor` of the previous page; omit for the first page."),
	)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

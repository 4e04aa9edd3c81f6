package api

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// CacheAdmin is the enterprise cache as the /cache and /enterprise
// endpoints administer it; *cache.Cache implements it. Its errors are store
// errors: ENOTFOUND "unknown_namespace", EFORBIDDEN "cache_access_denied",
// EUNAVAILABLE "cache_unavailable" while Redis is unreachable.
type CacheAdmin interface {
	// Health pings Redis and says whether the cache serves reads.
	Health(ctx context.Context) cache.Health
	// DetailedHealth is Health with what explains it.
	DetailedHealth(ctx context.Context) cache.DetailedHealth
	// NamespaceStats reports each namespace's fleet-wide counts.
	NamespaceStats(ctx context.Context) (cache.NamespaceStatsReport, error)
	// DetailedStats adds latencies, pattern usage, generations and TTLs.
	DetailedStats(ctx context.Context) (cache.DetailedStats, error)
	// MemoryUsage reports Redis's memory and each namespace's share.
	MemoryUsage(ctx context.Context) (cache.MemoryUsage, error)
	// ClearExpired reclaims the keys of old generations now.
	ClearExpired(ctx context.Context) (cache.ClearResult, error)
	// ClearMenuItems clears menus and menu items (the static namespace).
	ClearMenuItems(ctx context.Context) (cache.ClearResult, error)
	// ClearRestaurants clears restaurant details, lists and search.
	ClearRestaurants(ctx context.Context) (cache.ClearResult, error)
	// ClearOrders clears orders, their statuses and order lists.
	ClearOrders(ctx context.Context) (cache.ClearResult, error)
	// ClearAnalytics clears rollups and reports.
	ClearAnalytics(ctx context.Context) (cache.ClearResult, error)
	// Keys lists one SCAN page of a namespace's reachable keys.
	Keys(ctx context.Context, ns cache.Namespace, cursor string, limit int) (cache.KeyPage, error)
	// NamespacePerformance reports one namespace against the targets.
	NamespacePerformance(ctx context.Context, ns cache.Namespace) (cache.NamespacePerformance, error)
	// WarmRestaurants warms popular restaurants and the first list page.
	WarmRestaurants(ctx context.Context) (cache.WarmResult, error)
	// WarmMenuItems warms popular restaurants' menus and their items.
	WarmMenuItems(ctx context.Context) (cache.WarmResult, error)
	// Audit returns a page of the invalidation audit log, newest first.
	Audit(ctx context.Context, q cache.AuditQuery) (cache.AuditPage, error)
	// CheckWriteThrough reports the write-through pattern and self-checks it.
	CheckWriteThrough(ctx context.Context) (cache.PatternCheck, error)
	// CheckCacheAside reports the cache-aside pattern and self-checks it.
	CheckCacheAside(ctx context.Context) (cache.PatternCheck, error)
	// Cascade invalidates a record and everything derived from it.
	Cascade(ctx context.Context, req cache.CascadeRequest) (cache.CascadeResult, error)
	// AnalyzePatterns reports usage patterns and predicted needs.
	AnalyzePatterns(ctx context.Context) (cache.PatternAnalysis, error)
	// PerformanceReport measures the figures against the spec's targets.
	PerformanceReport(ctx context.Context) (cache.PerformanceReport, error)
	// ValidateAccess decides what a principal may do to a namespace.
	ValidateAccess(ns cache.Namespace, p store.Principal) (cache.AccessDecision, error)
	// Authorize returns nil when p may do a to ns.
	Authorize(ns cache.Namespace, p store.Principal, a cache.Action) error
	// SecureKey derives the HMAC-secured key of a logical key.
	SecureKey(ctx context.Context, req cache.SecureKeyRequest) (cache.SecureKey, error)
}

var _ CacheAdmin = (*cache.Cache)(nil)

// errNoCache answers the cache endpoints of a server built without a cache.
var errNoCache = store.Errorf(store.EUNAVAILABLE, "cache_unavailable", "this server runs without the enterprise cache")

// cacheRoutes registers the cache management endpoints (tag cache) and the
// enterprise pattern, analytics and security endpoints (tag enterprise).
// They exist whether or not Deps.Cache is set, so the description is the
// same; without a cache they answer 503.
func (s *Server) cacheRoutes(g *fuego.Server) {
	tag := option.Tags("cache")
	who := " Admins, or a principal the cache's access policy grants "
	everyRead := who + "`read` on every namespace."
	unavailable := problemResponses(http.StatusForbidden, http.StatusServiceUnavailable)
	fuego.Get(g, "/cache/health", s.getCacheHealth, tag, option.OperationID("getCacheHealth"),
		option.Summary("Cache health"),
		option.Description("Pings Redis and says whether the cache serves reads: `healthy`, or `degraded` while Redis is unreachable, "+
			"the circuit breaker is open or a recovery is pending — dabba then serves every read from PostgreSQL. Answers 200 "+
			"in both states."+everyRead),
		unavailable)
	fuego.Get(g, "/cache/health/detailed", s.getCacheHealthDetailed, tag, option.OperationID("getCacheHealthDetailed"),
		option.Summary("Detailed cache health"),
		option.Description("Health with what explains it: why it is degraded, namespaces awaiting renewal, the Redis server, its "+
			"memory, this node's connection pool, the breaker's counts, each namespace's generation and the latest alerts. "+
			"Parts Redis cannot answer stay empty."+everyRead),
		unavailable)
	fuego.Get(g, "/cache/stats/namespaces", s.getCacheNamespaceStats, tag, option.OperationID("getCacheNamespaceStats"),
		option.Summary("Cache statistics by namespace"),
		option.Description("Fleet-wide counts of every namespace, in the spec's order, and their total: reads, hits, misses, hit "+
			"ratio, loads, lease waits, fills, writes, invalidations, bytes written."+everyRead),
		unavailable)
	fuego.Get(g, "/cache/stats/detailed", s.getCacheDetailedStats, tag, option.OperationID("getCacheDetailedStats"),
		option.Summary("Detailed cache statistics"),
		option.Description("The namespace breakdown with latency summaries (hits, misses, loads), how often each caching pattern "+
			"ran, write-through outcomes, generations and the TTL table in force."+everyRead),
		unavailable)
	fuego.Get(g, "/cache/memory-usage", s.getCacheMemoryUsage, tag, option.OperationID("getCacheMemoryUsage"),
		option.Summary("Cache memory usage"),
		option.Description("Redis's memory report and each namespace's estimated share, from a SCAN of the cache's keys (at most "+
			"200 000) and MEMORY USAGE samples."+everyRead),
		unavailable)
	clearing := who + "`clear` on the namespace. The clear is O(1) — the namespace's generation is bumped, so every node stops " +
		"reading its entries at once — and is recorded in the audit log (`GET /cache/audit`); the old keys are unlinked in the background."
	fuego.Delete(g, "/cache/clear/expired", s.clearExpiredCacheKeys, tag, option.OperationID("clearExpiredCacheKeys"),
		option.Summary("Remove expired cache keys"),
		option.Description("Redis drops entries whose TTL ran out by itself; what is left are the unreachable entries of old "+
			"generations (cleared namespaces, renewed groups). This unlinks them now with SCAN and UNLINK."+who+"`clear` on every namespace."),
		unavailable)
	for _, cl := range []struct {
		path, id, summary, what string
		handler                 func(fuego.ContextNoBody) (cache.ClearResult, error)
	}{
		{"menu-items", "clearMenuItemsCache", "Clear the menu items cache", "Clears menus and menu items (the `static` namespace).", s.clearMenuItemsCache},
		{"restaurants", "clearRestaurantsCache", "Clear the restaurants cache", "Clears restaurant details, lists, search results and availability (the `restaurants` namespace).", s.clearRestaurantsCache},
		{"orders", "clearOrdersCache", "Clear the orders cache", "Clears orders, their statuses and order lists (the `orders` namespace).", s.clearOrdersCache},
		{"analytics", "clearAnalyticsCache", "Clear the analytics cache", "Clears rollups and reports (the `analytics` namespace).", s.clearAnalyticsCache},
	} {
		fuego.Delete(g, "/cache/clear/"+cl.path, cl.handler, tag, option.OperationID(cl.id),
			option.Summary(cl.summary), option.Description(cl.what+clearing), unavailable)
	}
	namespaceRead := who + "`read` on the namespace."
	fuego.Get(g, "/cache/keys/{namespace}", s.listCacheKeys, tag, option.OperationID("listCacheKeys"),
		option.Summary("List a namespace's cache keys"),
		option.Description("One page of the namespace's reachable keys (current generation), with each entry's state (`value`, "+
			"`negative` for a remembered not-found, `loading` while a reader fills it) and time left. Paginated with SCAN: "+
			"`limit` is a hint, so a page holds about that many keys; follow `next_cursor` until it is absent. KEYS is never used."+
			namespaceRead),
		namespacePath(), pageOptions(), problemResponses(http.StatusNotFound), unavailable)
	fuego.Get(g, "/cache/performance/namespace/{namespace}", s.getCacheNamespacePerformance, tag,
		option.OperationID("getCacheNamespacePerformance"),
		option.Summary("A namespace's cache performance"),
		option.Description("The namespace's fleet-wide counts and latencies against the targets (hit ratio ≥ 80 %, cached p99 ≤ "+
			"100 ms), how much faster a hit is than a load, its TTL classes, generation and ten hottest keys."+namespaceRead),
		namespacePath(), problemResponses(http.StatusNotFound), unavailable)
	warm := who + "`warm` on the namespace. Warming is synchronous: the answer says how many entries were stored. It never " +
		"overwrites a value written since it began."
	fuego.Post(g, "/cache/warm/{namespace}", s.warmCacheNamespace, tag, option.OperationID("warmCacheNamespace"),
		option.Summary("Warm a namespace"),
		option.Description("Enqueues a background job that runs the namespace's warmer on what it considers popular: "+
			"`restaurants` (popular and hot restaurants, the first list page), `static` (their menus and menu items) and "+
			"`analytics` (trending items, performance and recent revenue of the platform and its trending restaurants). "+
			"Answers 202 with the job; `GET /jobs/{id}` reads its state and, once completed, its result — the keys warmed "+
			"and the time taken. On a namespace without a warmer the job fails (`no_warmer`). The warm never overwrites a "+
			"value written since it began."+who+"`warm` on the namespace."),
		option.DefaultStatusCode(http.StatusAccepted),
		namespacePath(), problemResponses(http.StatusNotFound), unavailable)
	fuego.Post(g, "/cache/warm/restaurants", s.warmRestaurantsCache, tag, option.OperationID("warmRestaurantsCache"),
		option.Summary("Warm the restaurants cache"),
		option.Description("Stores the details of popular and hot restaurants and the first restaurant list page."+warm),
		unavailable)
	fuego.Post(g, "/cache/warm/menu-items", s.warmMenuItemsCache, tag, option.OperationID("warmMenuItemsCache"),
		option.Summary("Warm the menu items cache"),
		option.Description("Stores the first menu page of popular restaurants, its items and the hot menu items (the `static` "+
			"namespace)."+warm),
		unavailable)
	fuego.Get(g, "/cache/audit", s.listCacheAudit, tag, option.OperationID("listCacheAudit"),
		option.Summary("The cache invalidation audit log"),
		option.Description("Every invalidation, clear and renewal, newest first: who caused it, why, the record concerned, the "+
			"namespace and its generation, the keys dropped and the groups renewed. Bounded (about 10 000 entries)."+
			who+"`read` on the namespace filtered by, or on every namespace."),
		namespaceQuery(), pageOptions(), problemResponses(http.StatusNotFound), unavailable)
	s.enterpriseRoutes(g, who, unavailable)
}

// namespacePath documents the {namespace} path parameter.
func namespacePath() fuego.RouteOption {
	return namespaceParam(option.Path("namespace", "A namespace of the spec's key tree."), openapi3.ParameterInPath)
}

// namespaceQuery documents the optional namespace filter.
func namespaceQuery() fuego.RouteOption {
	return namespaceParam(option.Query("namespace", "Only entries about this namespace."), openapi3.ParameterInQuery)
}

// namespaceSchema is the component listing the namespaces, which fuego
// cannot derive from a string type: generated clients get one Namespace
// type with a constant per namespace.
const namespaceSchema = "Namespace"

// namespaceParam makes the parameter that declare adds a Namespace.
func namespaceParam(declare fuego.RouteOption, in string) fuego.RouteOption {
	return func(r *fuego.BaseRoute) {
		declare(r)
		p := r.Operation.Parameters.GetByInAndName(in, "namespace")
		if p == nil {
			return
		}
		comps := r.OpenAPI.Description().Components
		comp, ok := comps.Schemas[namespaceSchema]
		if !ok {
			s := openapi3.NewStringSchema()
			s.Description = "A branch of the spec's cache key tree; every cached entry lives in exactly one."
			for _, ns := range cache.Namespaces() {
				s.Enum = append(s.Enum, string(ns))
			}
			comp = openapi3.NewSchemaRef("", s)
			comps.Schemas[namespaceSchema] = comp
		}
		p.Schema = openapi3.NewSchemaRef("#/components/schemas/"+namespaceSchema, comp.Value)
	}
}

// pathNamespace reads the {namespace} of the path; an unknown one is 404
// unknown_namespace.
func pathNamespace(c requestContext) (cache.Namespace, error) {
	return cache.ParseNamespace(c.PathParam("namespace"))
}

// authorizedCache returns the cache once the caller may do a to each of
// nss, or to every namespace when nss is empty.
func (s *Server) authorizedCache(ctx context.Context, a cache.Action, nss ...cache.Namespace) (CacheAdmin, error) {
	if s.deps.Cache == nil {
		return nil, errNoCache
	}
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	every := len(nss) == 0
	if every {
		nss = cache.Namespaces()
	}
	for _, ns := range nss {
		err := s.deps.Cache.Authorize(ns, p, a)
		if every && store.IsKind(err, store.EFORBIDDEN) {
			return nil, store.Errorf(store.EFORBIDDEN, "cache_access_denied",
				"this operation concerns every cache namespace and %s may not %s the %s namespace", p, a, ns)
		}
		if err != nil {
			return nil, err
		}
	}
	return s.deps.Cache, nil
}

// cacheCall runs op on the cache once the caller may do a to each of nss
// (every namespace when nss is empty).
func cacheCall[T any](s *Server, c requestContext, a cache.Action, op func(CacheAdmin, context.Context) (T, error), nss ...cache.Namespace) (T, error) {
	cc, err := s.authorizedCache(c.Context(), a, nss...)
	if err != nil {
		var zero T
		return zero, err
	}
	return op(cc, c.Context())
}

func (s *Server) getCacheHealth(c fuego.ContextNoBody) (cache.Health, error) {
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (cache.Health, error) {
		return cc.Health(ctx), nil
	})
}

// CacheHealthReport is the answer of GET /cache/health/detailed: the
// cache's detailed health and that of the background jobs that warm it.
type CacheHealthReport struct {
	cache.DetailedHealth
	// Jobs reports the warming and rollup queues; absent on a server
	// without background jobs.
	Jobs *jobs.Summary `json:"jobs,omitempty"`
}

func (s *Server) getCacheHealthDetailed(c fuego.ContextNoBody) (CacheHealthReport, error) {
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (CacheHealthReport, error) {
		out := CacheHealthReport{DetailedHealth: cc.DetailedHealth(ctx)}
		if s.deps.Jobs != nil {
			sum := s.deps.Jobs.Summary(ctx)
			out.Jobs = &sum
		}
		return out, nil
	})
}

func (s *Server) getCacheNamespaceStats(c fuego.ContextNoBody) (cache.NamespaceStatsReport, error) {
	return cacheCall(s, c, cache.ActionRead, CacheAdmin.NamespaceStats)
}

func (s *Server) getCacheDetailedStats(c fuego.ContextNoBody) (cache.DetailedStats, error) {
	return cacheCall(s, c, cache.ActionRead, CacheAdmin.DetailedStats)
}

func (s *Server) getCacheMemoryUsage(c fuego.ContextNoBody) (cache.MemoryUsage, error) {
	return cacheCall(s, c, cache.ActionRead, CacheAdmin.MemoryUsage)
}

func (s *Server) clearExpiredCacheKeys(c fuego.ContextNoBody) (cache.ClearResult, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.ClearExpired)
}

func (s *Server) clearMenuItemsCache(c fuego.ContextNoBody) (cache.ClearResult, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.ClearMenuItems, cache.NamespaceStatic)
}

func (s *Server) clearRestaurantsCache(c fuego.ContextNoBody) (cache.ClearResult, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.ClearRestaurants, cache.NamespaceRestaurants)
}

func (s *Server) clearOrdersCache(c fuego.ContextNoBody) (cache.ClearResult, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.ClearOrders, cache.NamespaceOrders)
}

func (s *Server) clearAnalyticsCache(c fuego.ContextNoBody) (cache.ClearResult, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.ClearAnalytics, cache.NamespaceAnalytics)
}

func (s *Server) listCacheKeys(c fuego.ContextNoBody) (cache.KeyPage, error) {
	ns, err := pathNamespace(c)
	if err != nil {
		return cache.KeyPage{}, err
	}
	page, err := pageRequest(c)
	if err != nil {
		return cache.KeyPage{}, err
	}
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (cache.KeyPage, error) {
		return cc.Keys(ctx, ns, page.Cursor, page.Limit)
	}, ns)
}

func (s *Server) getCacheNamespacePerformance(c fuego.ContextNoBody) (cache.NamespacePerformance, error) {
	ns, err := pathNamespace(c)
	if err != nil {
		return cache.NamespacePerformance{}, err
	}
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (cache.NamespacePerformance, error) {
		return cc.NamespacePerformance(ctx, ns)
	}, ns)
}

func (s *Server) warmCacheNamespace(c fuego.ContextNoBody) (*jobs.Job, error) {
	ns, err := pathNamespace(c)
	if err != nil {
		return nil, err
	}
	return s.enqueueWarm(c, func(j Jobs, ctx context.Context) (*jobs.Job, error) { return j.EnqueueWarm(ctx, ns) }, ns)
}

func (s *Server) warmRestaurantsCache(c fuego.ContextNoBody) (cache.WarmResult, error) {
	return cacheCall(s, c, cache.ActionWarm, CacheAdmin.WarmRestaurants, cache.NamespaceRestaurants)
}

func (s *Server) warmMenuItemsCache(c fuego.ContextNoBody) (cache.WarmResult, error) {
	return cacheCall(s, c, cache.ActionWarm, CacheAdmin.WarmMenuItems, cache.NamespaceStatic)
}

func (s *Server) listCacheAudit(c fuego.ContextNoBody) (cache.AuditPage, error) {
	page, err := pageRequest(c)
	if err != nil {
		return cache.AuditPage{}, err
	}
	q := cache.AuditQuery{Cursor: page.Cursor, Limit: page.Limit}
	var scope []cache.Namespace
	if raw := c.QueryParam("namespace"); raw != "" {
		if q.Namespace, err = cache.ParseNamespace(raw); err != nil {
			return cache.AuditPage{}, err
		}
		scope = append(scope, q.Namespace)
	}
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (cache.AuditPage, error) {
		return cc.Audit(ctx, q)
	}, scope...)
}

package api

import (
	"context"
	"net/http"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store/cache"
)

// enterpriseRoutes registers the spec's enterprise endpoints: the caching
// patterns with their self-checks, cascade invalidation, predictive
// warming, pattern analytics, the performance report and cache security.
// who and unavailable are the access sentence and the problem responses
// the cache routes share.
func (s *Server) enterpriseRoutes(g *fuego.Server, who string, unavailable fuego.RouteOption) {
	tag := option.Tags("enterprise")
	selfCheck := " The self-check rewrites a probe record of PostgreSQL (the restaurant with the lowest ID, unchanged in substance) " +
		"or drops its entry, so it needs what a clear needs:" + who + "`clear` on every namespace."
	fuego.Get(g, "/enterprise/patterns/write-through", s.checkWriteThrough, tag, option.OperationID("checkWriteThrough"),
		option.Summary("The write-through pattern, checked live"),
		option.Description("Write-through writes PostgreSQL, then the cache, in one call path; a racing writer or invalidation "+
			"drops the entry instead. Answers the pattern's fleet-wide figures and a self-check just performed: the probe record "+
			"written through the pattern, then the cache and PostgreSQL read back and compared, each step timed. "+
			"`self_check.consistent` is true when they agree."+selfCheck),
		unavailable)
	fuego.Get(g, "/enterprise/patterns/cache-aside", s.checkCacheAside, tag, option.OperationID("checkCacheAside"),
		option.Summary("The cache-aside pattern, checked live"),
		option.Description("Cache-aside reads the cache first and on a miss loads PostgreSQL once across the fleet, then fills "+
			"unless the entry changed meanwhile. Answers the pattern's fleet-wide figures and a self-check just performed: the "+
			"probe record's entry dropped, read (a miss that fills), read again (a hit) and compared with PostgreSQL, each step "+
			"timed."+selfCheck),
		unavailable)
	fuego.Post(g, "/enterprise/invalidation/cascade", s.cascadeInvalidation, tag, option.OperationID("cascadeInvalidation"),
		option.Summary("Invalidate a record and everything derived from it"),
		option.Description("Cascade invalidation: a `restaurant` drops its details, availability, menus, every restaurant list "+
			"and search, and the analytics about it and the platform; a `menu_item` drops itself, then cascades to its "+
			"restaurant; an `order` drops itself, its status and tracking, the customer's history, the restaurant's orders, "+
			"notifications and analytics; a `review` its restaurant's rating and review lists; a `customer` its profile, customer "+
			"lists and analytics. Related IDs are looked up in PostgreSQL. Answers what was invalidated, and every namespace "+
			"touched gets an audit entry."+who+"`clear` on every namespace."),
		unavailable)
	fuego.Post(g, "/enterprise/warming/predictive", s.warmPredictive, tag, option.OperationID("warmPredictive"),
		option.Summary("Warm what will be needed soon"),
		option.Description("Enqueues predictive warming: the hot keys (their access counts decay with a half-life) that are "+
			"missing or have less than a quarter of their TTL left are loaded again before they are asked for, namespace by "+
			"namespace; cold keys are left to expire, and a value written since the warm began is kept. It also runs every "+
			"minute on its own. Answers 202 with the job; `GET /jobs/{id}` reads its result once completed — the predictions, "+
			"what each namespace's warm stored and the namespaces skipped for want of a warmer."+who+"`warm` on every namespace."),
		option.DefaultStatusCode(http.StatusAccepted),
		unavailable)
	fuego.Get(g, "/enterprise/analytics/patterns", s.analyzeCachePatterns, tag, option.OperationID("analyzeCachePatterns"),
		option.Summary("Cache usage patterns and predictions"),
		option.Description("The fleet's read/write mix overall and per namespace (busiest first), each namespace's hottest keys, "+
			"how often each caching pattern ran, and the predicted needs: hot keys missing or about to expire, namespaces below "+
			"the hit-ratio target."+who+"`read` on every namespace."),
		unavailable)
	fuego.Get(g, "/enterprise/performance/report", s.getCachePerformanceReport, tag, option.OperationID("getCachePerformanceReport"),
		option.Summary("Cache performance report"),
		option.Description("The measured figures against the spec's targets — hit ratio above 80 %, cached responses under "+
			"100 ms (p50 and p99), cached reads more than 70 % faster than uncached — per namespace, an analysis of the alerts, "+
			"and recommendations derived from the numbers."+who+"`read` on every namespace."),
		unavailable)
	fuego.Get(g, "/enterprise/security/validate/{namespace}", s.validateCacheAccess, tag, option.OperationID("validateCacheAccess"),
		option.Summary("What may a principal do to a namespace?"),
		option.Description("The access policy's decision — `read`, `clear`, `warm` — and its reason. Admins may do everything; "+
			"everyone else what a rule of the policy grants. Any role may ask about itself (omit `user_id`); asking about "+
			"someone else needs an admin, or `read` on the namespace."),
		namespacePath(),
		option.Query("user_id", "Who to decide for: `admin`, or a role and ID such as `customer:7` or `restaurant:12`; default the caller.",
			fuego.ParamExample("a restaurant", "restaurant:12")),
		problemResponses(http.StatusNotFound), unavailable)
	fuego.Post(g, "/enterprise/security/secure-key", s.createSecureKey, tag, option.OperationID("createSecureKey"),
		option.Summary("Derive a secure cache key"),
		option.Description("The HMAC-SHA256 of the namespace, the optional subject and the logical key under the server's "+
			"secret, placed in the namespace's current generation: the same input always yields the same key, another "+
			"namespace or subject an unrelated one, and without the secret no key can be forged or enumerated."+
			who+"`read` on the namespace."),
		problemResponses(http.StatusNotFound), unavailable)
}

func (s *Server) checkWriteThrough(c fuego.ContextNoBody) (cache.PatternCheck, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.CheckWriteThrough)
}

func (s *Server) checkCacheAside(c fuego.ContextNoBody) (cache.PatternCheck, error) {
	return cacheCall(s, c, cache.ActionClear, CacheAdmin.CheckCacheAside)
}

func (s *Server) cascadeInvalidation(c fuego.ContextWithBody[cache.CascadeRequest]) (cache.CascadeResult, error) {
	return cacheCall(s, c, cache.ActionClear, func(cc CacheAdmin, ctx context.Context) (cache.CascadeResult, error) {
		req, err := validated(c)
		if err != nil {
			return cache.CascadeResult{}, err
		}
		return cc.Cascade(ctx, req)
	})
}

func (s *Server) warmPredictive(c fuego.ContextNoBody) (*jobs.Job, error) {
	return s.enqueueWarm(c, Jobs.EnqueuePredictiveWarm)
}

func (s *Server) analyzeCachePatterns(c fuego.ContextNoBody) (cache.PatternAnalysis, error) {
	return cacheCall(s, c, cache.ActionRead, CacheAdmin.AnalyzePatterns)
}

func (s *Server) getCachePerformanceReport(c fuego.ContextNoBody) (cache.PerformanceReport, error) {
	return cacheCall(s, c, cache.ActionRead, CacheAdmin.PerformanceReport)
}

func (s *Server) validateCacheAccess(c fuego.ContextNoBody) (cache.AccessDecision, error) {
	ns, err := pathNamespace(c)
	if err != nil {
		return cache.AccessDecision{}, err
	}
	self, err := caller(c.Context())
	if err != nil {
		return cache.AccessDecision{}, err
	}
	who := self
	if raw := c.QueryParam("user_id"); raw != "" {
		if who, err = cache.ParsePrincipal(raw); err != nil {
			return cache.AccessDecision{}, err
		}
	}
	decide := func(cc CacheAdmin, _ context.Context) (cache.AccessDecision, error) {
		return cc.ValidateAccess(ns, who)
	}
	if who == self {
		if s.deps.Cache == nil {
			return cache.AccessDecision{}, errNoCache
		}
		return decide(s.deps.Cache, c.Context())
	}
	return cacheCall(s, c, cache.ActionRead, decide, ns)
}

func (s *Server) createSecureKey(c fuego.ContextWithBody[cache.SecureKeyRequest]) (cache.SecureKey, error) {
	req, err := validated(c)
	if err != nil {
		return cache.SecureKey{}, err
	}
	return cacheCall(s, c, cache.ActionRead, func(cc CacheAdmin, ctx context.Context) (cache.SecureKey, error) {
		return cc.SecureKey(ctx, req)
	}, req.Namespace)
}

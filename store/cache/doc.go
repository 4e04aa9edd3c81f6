// Package cache is dabba's enterprise cache: a Redis shared by every node,
// in front of the system of record (store/postgres), with the namespaces,
// TTL classes, patterns, invalidation, monitoring and security the product
// specification asks for, and caching decorators of store's services.
//
// # Keys, namespaces and lifetimes
//
// Every entry lives in one of the spec's eleven namespaces and has a TTL
// class from the spec's ENTERPRISE_TTL table (Classes); each class belongs
// to one namespace. The key scheme (keyspace, the only code that spells
// keys) is
//
//	{prefix}:{namespace}:v{generation}:{type}:{id}
//	{prefix}:{namespace}:v{generation}:{type}:@{group}.{group generation}:{id}
//
// with the prefix zomato-enterprise-cache by default. Clearing a namespace
// bumps its generation: O(1), and every node sees it on its next read,
// because each read checks the generations in the same round trip. Groups
// work the same within a namespace (all of one restaurant's menu pages,
// every restaurant list), so invalidating an unbounded set of list pages is
// O(1) too. Keys of old generations are reclaimed in the background with
// SCAN and UNLINK (Reclaim); KEYS is never used. Lifetimes get ±10 %
// jitter; the development profile caps them at 60 s; overrides come from
// configuration (ParseTTLOverrides).
//
// What the clear endpoints clear:
//
//	DELETE /cache/clear/menu-items   static       menus and menu items only
//	DELETE /cache/clear/restaurants  restaurants  details, lists and search, availability
//	DELETE /cache/clear/orders       orders       orders, statuses, order lists (customer history, kitchen queues)
//	DELETE /cache/clear/analytics    analytics    rollups and reports
//	DELETE /cache/clear/expired      every        unlinks the unreachable keys of old generations
//
// Customer profiles are session-based: they live in the sessions namespace
// in the customer's group (SessionKey), so InvalidateSession drops every
// per-customer entry at once.
//
// # Patterns
//
// One generic API: Get (cache-aside, with When for conditional caching),
// ReadThrough, WriteThrough (with Then naming the event whose cascade
// follows), Set (single writers such as actors) and WarmKeys.
//
// # Guarantees
//
// A key this node served from the cache recently is read with one MGET of
// the entry and its generations. Any other read claims the entry's slot
// with SET NX GET (the read itself, pipelined with the generations); the
// claimant loads, answers its caller and fills behind it, while everyone
// else waits for the fill (in process for a fill on the same node, polling
// Redis for one elsewhere) and then reads again. So a miss costs its caller
// one round trip and the load, and concurrent misses on one key load the
// source once across the fleet. A fill is a compare-and-set (one Lua script) that only lands if
// the slot still holds the claimant's lease; every invalidation deletes the
// slot, lease and all, and a writer replaces it with its own lease before
// writing the source. Hence no read after an acknowledged write returns
// older data: the naive delete-then-set race cannot happen (stale_test.go
// shows the naive cache failing the same checks). Waiters never take the
// claimant's value, which may predate a write acknowledged after they
// arrived (this is why x/sync/singleflight is not used). Missing IDs are
// remembered for NegativeTTL. With a local tier configured, the guarantee
// holds on the node that acknowledged the write and in Redis; other nodes'
// tiers lag by the pub/sub delivery time, never longer than their class's
// staleness cap.
//
// When Redis is unreachable reads go to the source and writes still
// succeed; a circuit breaker stops calling Redis; Health says degraded.
// Every namespace whose invalidation could not be delivered is renewed
// (generation bump) before Redis serves reads again, and a Redis restart
// (new run_id) renews every namespace, so nothing stale is served after an
// outage. An invalidation that fails while another node can still reach
// Redis is the one window left: that node may serve the entry until the
// failed node recovers.
//
// # Observability, security, analytics
//
// Counts and latency histograms per namespace and layer feed Prometheus
// (on Config.Registerer) and, batched once per FlushInterval, fleet-wide
// hashes in Redis that the stats endpoints read. Alerts (memory, hit ratio
// below 80 %, operations slower than 100 ms, Redis unavailable) are kept in
// a bounded list and counted by kind. Every invalidation is audited in a
// capped Redis Stream. Secure keys are HMAC-SHA256 under a server secret;
// an access policy says who may read, clear and warm which namespace. Key
// popularity decays with a half-life and drives pattern analysis and
// predictive warming.
//
// # Endpoints
//
// The api package maps HTTP to these methods: Health, DetailedHealth,
// NamespaceStats, DetailedStats, MemoryUsage, ClearExpired, ClearMenuItems,
// ClearRestaurants, ClearOrders, ClearAnalytics, Keys, NamespacePerformance,
// Warm, WarmRestaurants, WarmMenuItems, Audit, CheckWriteThrough,
// CheckCacheAside, Cascade, WarmPredictive, AnalyzePatterns,
// PerformanceReport, ValidateAccess (with ParsePrincipal) and SecureKey.
// Unknown namespaces are ENOTFOUND "unknown_namespace".
package cache

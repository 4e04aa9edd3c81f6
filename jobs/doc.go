// Package jobs is dabba's background work on asynq: the analytics rollups
// and the cache warming, reclamation and compaction that keep the
// enterprise cache full and Redis and PostgreSQL lean.
//
// The shapes mirror net/http, as asynq's own do: each task type has a
// handler on an asynq.ServeMux (tasks.go); a Worker serves the mux; a
// Scheduler enqueues the periodic tasks; a Client enqueues work on demand
// and reads the queues for the API (GET /jobs, /jobs/{id},
// /jobs/dead-letters) and the metrics.
//
// Tasks, their queue and when they run:
//
//	analytics:rollup:{rollup}  periodic     at start-up, every 5 min (incremental), daily (full); refreshes the analytics entries it changed
//	cache:warm                 interactive  on demand (POST /cache/warm/{namespace}) and at start-up
//	                           periodic     per namespace (restaurants, static 30 min; analytics 10 min)
//	cache:warm_predictive      interactive  on demand (POST /enterprise/warming/predictive)
//	                           periodic     every minute
//	cache:reclaim              maintenance  every 10 min
//	tracking:compact           maintenance  hourly
//
// Failed tasks are retried with exponential backoff, then archived: the
// dead-letter view. Failures no retry can fix (an unknown namespace) are
// archived at once. Periodic tasks are unique for their interval, so any
// number of nodes may run a scheduler. A worker that stops lets its running
// tasks finish for Config.ShutdownTimeout and puts the rest back in their
// queue. Every node reports the queues' depth and latency, and its own
// task durations and failures, as Prometheus metrics.
//
// Analytics serves the analytics endpoints from the cache first and the
// rollup tables (store.AnalyticsService over PostgreSQL) on a miss.
package jobs

// Package actors is dabba's tracking engine: every active order and every
// restaurant is a virtual actor (a protoactor-go cluster grain) addressed by
// its ID, holding the hot state of its order or kitchen.
//
// The order grain (kind "order") enforces the transition table, rejects an
// order its restaurant did not accept in time, assigns the nearest free
// courier on acceptance, and follows the delivery: latest position, ETA,
// thinned positions stored in batches. The restaurant grain (kind
// "restaurant") places every order of its kitchen one at a time, so that
// capacity and delivery slots are never oversold, and quotes the surge.
//
// Every change is committed to PostgreSQL before it is acknowledged, then
// written through to Redis under the cache's key scheme and real-time TTL
// classes, then published to the realtime topics order:{id} and
// restaurant:{id}. A grain loads its state from PostgreSQL when it
// activates and passivates when idle; supervision restarts a failed grain,
// which reloads. Messages between grains are protobuf (actorspb, generated
// by `make proto`), so grains can live on any node of the cluster.
//
// One node runs a one-member cluster. Several nodes form one cluster by
// finding each other in etcd (ClusterConfig.Etcd): every grain then lives on
// the one node its identity hashes to among the members, wherever a request
// comes from. When a node leaves, its grains activate again on the others,
// from PostgreSQL, and the orders awaiting acceptance are re-activated so
// that their deadlines keep running.
package actors

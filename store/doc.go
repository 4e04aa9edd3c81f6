// Package store is dabba's domain: the records a food-delivery platform keeps
// (restaurants, menus, customers, couriers, orders, deliveries, reviews), the
// rules that govern them (money, the order transition table, validation), the
// error kinds every layer speaks, and the service interfaces the rest of the
// system talks to.
//
// store imports nothing of dabba. store/postgres implements its services over
// PostgreSQL; store/cache decorates any implementation with the enterprise
// cache; api, actors and jobs consume the interfaces.
package store

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// city is what the load runs against: restaurants open around the clock
// with room for many orders, a dish each, and customers living nearby.
type city struct {
	restaurants []int64
	dishes      map[int64]int64 // restaurant → its dish
	customers   []int64
}

var indiranagar = client.Point{Lat: 12.9719, Lng: 77.6412}

// buildCity creates the city through the node's API, as its owners would.
func buildCity(t *testing.T, n *node, restaurants, customers int) city {
	t.Helper()
	c := city{dishes: map[int64]int64{}}
	for i := range restaurants {
		r := n.Restaurant(fmt.Sprintf("Kitchen %d", i+1), client.Point{Lat: 12.97 + float64(i)*0.001, Lng: 77.64})
		limits := client.CapacitySettings{MaxActiveOrders: 1000, PrepMinutes: 20, BusyExtraMinutes: 10, SlotCapacity: 5}
		res, err := n.As(store.RoleRestaurant, r.Id).SetRestaurantCapacityWithResponse(context.Background(), r.Id, limits)
		apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
		c.restaurants = append(c.restaurants, r.Id)
		c.dishes[r.Id] = n.MenuItem(r.Id, "Thali", 25000, true).Id
	}
	for i := range customers {
		cu := n.Customer(fmt.Sprintf("Customer %d", i+1), fmt.Sprintf("customer%d@example.com", i+1),
			client.Address{Label: "home", Line: "12th Main, Indiranagar", Location: indiranagar})
		c.customers = append(c.customers, cu.Id)
	}
	return c
}

// orderFor is an order of one thali from the restaurant.
func (c city) orderFor(restaurant int64) client.OrderRequest {
	return client.OrderRequest{
		RestaurantId:    restaurant,
		Items:           []client.OrderLine{{MenuItemId: c.dishes[restaurant], Quantity: 1}},
		DeliveryAddress: client.Address{Label: "home", Line: "12th Main, Indiranagar", Location: indiranagar},
	}
}

// ack is an order the API acknowledged (201).
type ack struct {
	customer int64
	key      string
	orderID  int64
	at       time.Time
}

// orderLoad is what a run of placing clients saw.
type orderLoad struct {
	mu sync.Mutex
	// acked holds every acknowledged order by idempotency key.
	acked map[string]ack
	// unsettled are keys whose last attempt got no answer when the run
	// ended: they may or may not have become orders.
	unsettled map[string]int64
	// statuses counts the answers by HTTP status (0: no answer).
	statuses map[int]int
	// problems counts the non-2xx answers by problem code.
	problems map[string]int
	// retryAfter counts the 503s that said when to retry, and missing
	// those that did not.
	retryAfter, missingRetryAfter int
	// latencies are the times to acknowledgement of first attempts.
	latencies []time.Duration
	// firstAck is when the first acknowledgement after since arrived.
	since, firstAck time.Time
	// wait returns once every client stopped (its context ended).
	wait func()
}

// placeOrders runs clients, each a customer of the city that places orders
// one after another through pick(), retrying each under its idempotency
// key until it is acknowledged or refused, until ctx ends.
func placeOrders(ctx context.Context, t *testing.T, c city, clients int, pick func(i int) *node) *orderLoad {
	l := &orderLoad{acked: map[string]ack{}, unsettled: map[string]int64{}, statuses: map[int]int{}, problems: map[string]int{}}
	var wg sync.WaitGroup
	for i := range clients {
		customer := c.customers[i%len(c.customers)]
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				restaurant := c.restaurants[(i+n)%len(c.restaurants)]
				l.place(ctx, t, pick(i), customer, fmt.Sprintf("load-%d-%d", i, n), c.orderFor(restaurant))
			}
		})
	}
	l.wait = wg.Wait
	t.Cleanup(wg.Wait)
	return l
}

// place tries one order until it is acknowledged or refused.
func (l *orderLoad) place(ctx context.Context, t *testing.T, n *node, customer int64, key string, req client.OrderRequest) {
	api := n.As(store.RoleCustomer, customer)
	begin := time.Now()
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		res, err := api.PlaceOrderWithResponse(actx, &client.PlaceOrderParams{IdempotencyKey: &key}, req)
		cancel()
		status := 0
		if err == nil {
			status = res.StatusCode()
		}
		l.mu.Lock()
		l.statuses[status]++
		switch {
		case status == http.StatusCreated:
			now := time.Now()
			l.acked[key] = ack{customer: customer, key: key, orderID: res.JSON201.Id, at: now}
			delete(l.unsettled, key)
			if attempt == 0 {
				l.latencies = append(l.latencies, now.Sub(begin))
			}
			if !l.since.IsZero() && l.firstAck.IsZero() && now.After(l.since) {
				l.firstAck = now
			}
			l.mu.Unlock()
			return
		case status == 0 || status >= 500:
			l.unsettled[key] = customer
			if status == http.StatusServiceUnavailable {
				if res.HTTPResponse.Header.Get("Retry-After") != "" {
					l.retryAfter++
				} else {
					l.missingRetryAfter++
				}
			}
			if status != 0 {
				l.problems[problemCode(res.Body)]++
			}
		default:
			// A refusal (409 at capacity, …) is an answer: the order does
			// not exist, and the client moves on.
			delete(l.unsettled, key)
			l.problems[problemCode(res.Body)]++
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// markRestart notes when the node was restarted, so firstAck measures the
// time from restart to the first acknowledgement after it.
func (l *orderLoad) markRestart(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.since, l.firstAck = at, time.Time{}
}

// retryHints counts the 503s that said when to retry and those that did
// not, since the run began.
func (l *orderLoad) retryHints() (with, without int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.retryAfter, l.missingRetryAfter
}

// awaitAck waits (up to within) for the first acknowledgement after the
// mark (markRestart) and returns how long after it that came.
func (l *orderLoad) awaitAck(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l.mu.Lock()
		since, first := l.since, l.firstAck
		l.mu.Unlock()
		if !first.IsZero() {
			return first.Sub(since)
		}
	}
	t.Fatalf("no order was acknowledged within %s of the mark", within)
	return 0
}

// snapshot returns a copy of the acknowledged orders.
func (l *orderLoad) snapshot() []ack {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ack, 0, len(l.acked))
	for _, a := range l.acked {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].orderID < out[j].orderID })
	return out
}

// count returns how many answers had the status.
func (l *orderLoad) count(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[status]
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// expectReplays re-sends every acknowledged key through n: each must
// answer its first order, marked as replayed.
func (l *orderLoad) expectReplays(t *testing.T, n *node, c city) {
	t.Helper()
	for _, a := range l.snapshot() {
		key := a.key
		res, err := n.As(store.RoleCustomer, a.customer).PlaceOrderWithResponse(context.Background(),
			&client.PlaceOrderParams{IdempotencyKey: &key}, c.orderFor(restaurantOf(t, n, a)))
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != http.StatusCreated || res.JSON201.Id != a.orderID ||
			res.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry of acknowledged key %s: %d %s, want 201 replaying order %d", key, res.StatusCode(), res.Body, a.orderID)
		}
	}
}

// restaurantOf reads which restaurant an acknowledged order is from, so its
// retry sends the same body.
func restaurantOf(t *testing.T, n *node, a ack) int64 {
	t.Helper()
	res, err := n.As(store.RoleCustomer, a.customer).GetOrderWithResponse(context.Background(), a.orderID)
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	return res.JSON200.RestaurantId
}

// expectExactlyOnce checks in PostgreSQL that every acknowledged order is
// there, once, under its key, with its items and its first event, and that
// no key made two orders.
func expectExactlyOnce(t *testing.T, s *servers, acked []ack) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dupes int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM orders WHERE idempotency_key IS NOT NULL
		GROUP BY customer_id, idempotency_key HAVING count(*) > 1) d`).Scan(&dupes); err != nil {
		t.Fatal(err)
	}
	if dupes > 0 {
		t.Errorf("%d idempotency keys made more than one order", dupes)
	}
	var half int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM orders o WHERE
		NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id) OR
		NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.seq = 1)`).Scan(&half); err != nil {
		t.Fatal(err)
	}
	if half > 0 {
		t.Errorf("%d orders are half written (no items or no first event)", half)
	}
	stored := map[string]int64{}
	rows, err := conn.Query(ctx, `SELECT idempotency_key, id FROM orders WHERE idempotency_key IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			t.Fatal(err)
		}
		stored[key] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, a := range acked {
		if id, ok := stored[a.key]; !ok || id != a.orderID {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged order %d (key %s) is not in PostgreSQL under its key (found %d)", a.orderID, a.key, id)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged orders lost", lost, len(acked))
	}
}

// expectStatuses fails the test for every answer in counts (by status)
// whose status is not one of want.
func expectStatuses(t *testing.T, what, when string, counts map[int]int, want ...int) {
	t.Helper()
	for status, count := range counts {
		if !slices.Contains(want, status) {
			t.Errorf("%d %s answered %d %s, want %v", count, what, status, when, want)
		}
	}
}

// problemCode is the code of a problem+json body, or "".
func problemCode(body []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return ""
	}
	return p.Code
}

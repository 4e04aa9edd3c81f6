package faults_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// redisOutage is how long Redis stays away.
const redisOutage = 30 * time.Second

func TestRedisOutageUnderLoadCostsSpeedNotCorrectness(t *testing.T) {
	t.Parallel()
	s := startServers(t)
	n := startNode(t, s, "node")
	c := buildCity(t, n, 6, 8)

	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	orders := placeOrders(ctx, t, c, 8, func(int) *node { return n })
	reads := readAndRename(ctx, t, n, c, 4, 100*time.Millisecond)
	time.Sleep(2 * time.Second)

	// Three orders watched by their customers, accepted before the outage
	// and moved on during it.
	watched := orders.snapshot()[:3]
	var watchers []*watcher
	for _, a := range watched {
		topic := "order:" + itoa(a.orderID)
		watchers = append(watchers, watch(ctx, t, store.Principal{Role: store.RoleCustomer, ID: a.customer}, []string{topic}, n))
		n.move(t, a, client.StatusChangeRequestStatusAccepted)
	}
	time.Sleep(3 * time.Second)
	_, normalLatencies := orders.phase()
	normalReads, _, normalWriteLatencies, _ := reads.phase()

	s.redis.Stop()
	down := time.Now()
	time.Sleep(3 * time.Second)
	for _, a := range watched {
		n.move(t, a, client.StatusChangeRequestStatusPreparing)
	}
	ready := n.readiness(t)
	health := n.cacheHealth(t)
	time.Sleep(time.Until(down.Add(redisOutage - time.Second)))
	for _, a := range watched {
		n.move(t, a, client.StatusChangeRequestStatusReady)
	}
	outageOrders, outageLatencies := orders.phase()
	outageReads, outageWrites, outageWriteLatencies, _ := reads.phase()

	s.redis.Start()
	back := time.Now()
	n.awaitCacheHealthy(t, 30*time.Second)
	recovered := time.Since(back)
	hitsBefore := n.namespaceHits(t, "restaurants")
	time.Sleep(5 * time.Second)
	hitsAfter := n.namespaceHits(t, "restaurants")
	stop()
	orders.wait()
	reads.wait()

	if ready != "degraded" {
		t.Errorf("/readyz said %q while Redis was down, want degraded", ready)
	}
	if health.Status != "degraded" || health.Redis != "down" || len(health.Reasons) == 0 {
		t.Errorf("the cache console said %s, redis %s, reasons %q while Redis was down; want degraded, down, and why",
			health.Status, health.Redis, health.Reasons)
	}
	const away = "while Redis was down"
	expectStatuses(t, "reads", away, outageReads, http.StatusOK)
	expectStatuses(t, "placements", away, outageOrders, http.StatusCreated)
	expectStatuses(t, "restaurant updates", away, outageWrites, http.StatusOK)
	reads.expectFresh(t)
	if hitsAfter <= hitsBefore {
		t.Errorf("the restaurants namespace served %d hits in the 5 s after recovery, want the cache refilled and serving", hitsAfter-hitsBefore)
	}
	for i, a := range watched {
		watchers[i].expectEvery(t, "order:"+itoa(a.orderID), n.orderAs(store.RoleAdmin, 0, a.orderID).Seq, 10*time.Second)
	}
	expectExactlyOnce(t, s, orders.snapshot())
	n.expectCleanLog()
	t.Logf("Redis down %s: placements p50 %s / p99 %s before, p50 %s / p99 %s during (%d placed); restaurant updates p99 %s before, %s during; reads %v before, %v during; cache healthy %s after Redis returned; %d restaurant hits in the 5 s after",
		redisOutage, quantile(normalLatencies, .5), quantile(normalLatencies, .99), quantile(outageLatencies, .5), quantile(outageLatencies, .99),
		outageOrders[http.StatusCreated], quantile(normalWriteLatencies, .99), quantile(outageWriteLatencies, .99),
		normalReads, outageReads, recovered.Round(time.Millisecond), hitsAfter-hitsBefore)
}

// move changes the acknowledged order's status as its restaurant.
func (n *node) move(t *testing.T, a ack, to client.StatusChangeRequestStatus) {
	t.Helper()
	o := n.orderAs(store.RoleCustomer, a.customer, a.orderID)
	res, err := n.As(store.RoleRestaurant, o.RestaurantId).ChangeOrderStatusWithResponse(context.Background(), a.orderID,
		client.StatusChangeRequest{Status: to})
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
}

// readiness is what /readyz says.
func (n *node) readiness(t *testing.T) string {
	t.Helper()
	res, err := n.Admin().ReadyzWithResponse(context.Background())
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	return string(res.JSON200.Status)
}

// cacheHealth is what the cache console shows.
func (n *node) cacheHealth(t *testing.T) client.CacheHealthReport {
	t.Helper()
	res, err := n.Admin().GetCacheHealthDetailedWithResponse(context.Background())
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	return *res.JSON200
}

// awaitCacheHealthy waits until the cache reports healthy.
func (n *node) awaitCacheHealthy(t *testing.T, within time.Duration) {
	t.Helper()
	var h client.CacheHealthReport
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if h = n.cacheHealth(t); h.Status == "healthy" {
			return
		}
	}
	t.Fatalf("the cache is still %s (%q) %s after Redis came back", h.Status, h.Reasons, within)
}

// namespaceHits is the fleet's hit count of the namespace.
func (n *node) namespaceHits(t *testing.T, ns string) int64 {
	t.Helper()
	res, err := n.Admin().GetCacheNamespaceStatsWithResponse(context.Background())
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	i := slices.IndexFunc(res.JSON200.Namespaces, func(s client.NamespaceStats) bool { return string(s.Namespace) == ns })
	if i < 0 {
		t.Fatalf("no statistics for namespace %s", ns)
	}
	return res.JSON200.Namespaces[i].Hits
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

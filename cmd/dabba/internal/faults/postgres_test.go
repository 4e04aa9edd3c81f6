package faults_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// postgresOutage is how long PostgreSQL stays away.
const postgresOutage = 20 * time.Second

func TestPostgresOutageAnswers503WithRetryAfterAndRecoversByItself(t *testing.T) {
	t.Parallel()
	s := startServers(t)
	// Restaurant entries live 5 s, so most expire during the outage and
	// are answered from their stale-if-error copies.
	n := startNode(t, s, "node", withEnv("DABBA_CACHE_TTL_OVERRIDES=restaurants=5s"))
	c := buildCity(t, n, 6, 8)

	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	orders := placeOrders(ctx, t, c, 8, func(int) *node { return n })
	reads := readAndRename(ctx, t, n, c, 4, 100*time.Millisecond)
	time.Sleep(3 * time.Second)
	orders.phase()
	reads.phase()

	s.pg.Stop()
	// Requests in flight when it stopped may have committed; what follows
	// may not.
	time.Sleep(time.Second)
	orders.phase()
	reads.phase()
	time.Sleep(postgresOutage - time.Second)
	outageOrders, _ := orders.phase()
	refused := reads.refusedRestaurants()
	outageReads, outageWrites, _, stales := reads.phase()
	retried, missing := orders.retryHints()

	s.pg.Start()
	back := time.Now()
	orders.markRestart(back)
	recovered := orders.awaitAck(t, 30*time.Second)
	time.Sleep(3 * time.Second)
	stop()
	orders.wait()
	reads.wait()

	const away = "while PostgreSQL was down"
	expectStatuses(t, "placements", away, outageOrders, http.StatusServiceUnavailable)
	expectStatuses(t, "restaurant updates", away, outageWrites, http.StatusServiceUnavailable)
	// Cached reads keep answering, from a live entry or, once it expired,
	// from its stale-if-error copy. A failed rename that never reached the
	// database leaves the entry as it was; one PostgreSQL dropped under it
	// (the edge of the outage) may have committed, so its entry and copy
	// go, and that restaurant's reads answer 503 until PostgreSQL is back.
	expectStatuses(t, "reads", away, outageReads, http.StatusOK, http.StatusServiceUnavailable)
	if refused > 1 || outageReads[http.StatusOK] == 0 {
		t.Errorf("reads of %d restaurants answered 503 while PostgreSQL was down (%d reads answered 200), want all but one at most served from the cache",
			refused, outageReads[http.StatusOK])
	}
	if stales == 0 {
		t.Error("no read was answered from an expired entry's copy, though the entries expired during the outage")
	}
	if missing > 0 {
		t.Errorf("%d of %d 503s to placements did not say when to retry (Retry-After)", missing, missing+retried)
	}
	reads.expectFresh(t)
	expectExactlyOnce(t, s, orders.snapshot())
	n.expectCleanLog()
	t.Logf("PostgreSQL down %s: placements %v, restaurant updates %v, reads %v (%d from an expired copy); %d 503s with Retry-After; first order acknowledged %s after PostgreSQL returned",
		postgresOutage, outageOrders, outageWrites, outageReads, stales, retried, recovered.Round(time.Millisecond))
}

package faults_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/dabba/dabba/actors/etcdtest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

func TestKillNineOfAClusterNodeHandsItsOrdersOverToTheOthers(t *testing.T) {
	t.Parallel()
	s := startServers(t)
	etcd := etcdtest.StartServer(t)
	clustered := withEnv("DABBA_CLUSTER_ETCD=http://"+etcd.Endpoint, "DABBA_ACCEPT_TIMEOUT="+acceptTimeout.String(), "DABBA_LOG_LEVEL=debug")
	a := startNode(t, s, "a", clustered)
	b := startNode(t, s, "b", clustered)
	c := startNode(t, s, "c", clustered)
	city := buildCity(t, b, 12, 8)

	// The clients and the watchers use the nodes that survive; a third of
	// the grains live on the one that dies.
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	survivors := []*node{b, c}
	load := placeOrders(ctx, t, city, 8, func(i int) *node { return survivors[i%len(survivors)] })
	time.Sleep(3 * time.Second)
	watched := load.snapshot()[:6]
	// The watchers outlive the load: they must still be there for the
	// events of the last moves.
	watching, unwatch := context.WithCancel(t.Context())
	defer unwatch()
	var watchers []*watcher
	for _, o := range watched {
		topic := "order:" + itoa(o.orderID)
		watchers = append(watchers, watch(watching, t, store.Principal{Role: store.RoleCustomer, ID: o.customer}, []string{topic}, b, c))
	}
	time.Sleep(time.Second)
	load.phase()

	a.kill()
	killed := time.Now()
	for _, o := range watched {
		b.move(t, o, client.StatusChangeRequestStatusAccepted)
	}
	time.Sleep(6 * time.Second)
	for _, o := range watched {
		c.move(t, o, client.StatusChangeRequestStatusPreparing)
	}
	during, latencies := load.phase()
	stop()
	load.wait()

	// Every one served by the new owners; a refusal (409) is an answer too.
	expectStatuses(t, "placements", "in the 6 s after a node died", during, http.StatusCreated, http.StatusConflict)
	for i, o := range watched {
		watchers[i].expectEvery(t, "order:"+itoa(o.orderID), b.orderAs(store.RoleAdmin, 0, o.orderID).Seq, 10*time.Second)
	}
	acked := load.snapshot()
	expectExactlyOnce(t, s, acked)
	var accepted []int64
	for _, o := range watched {
		accepted = append(accepted, o.orderID)
	}
	expectDeadlinesFired(t, s, acked, accepted, killed)
	b.expectCleanLog()
	c.expectCleanLog()
	t.Logf("kill -9 of one of three nodes under load: %d acknowledged, 0 lost, 0 duplicated; placements in the 6 s after: %v, slowest %s",
		len(acked), during, slices.Max(append(latencies, 0)).Round(time.Millisecond))
}

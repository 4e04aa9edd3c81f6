package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// shutdownTimeout is the nodes' DABBA_SHUTDOWN_TIMEOUT (see startNode).
const shutdownTimeout = 10 * time.Second

func TestSigtermUnderLoadDrainsAndExitsZero(t *testing.T) {
	t.Parallel()
	s := startServers(t)
	n := startNode(t, s, "node")
	c := buildCity(t, n, 6, 8)

	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	load := placeOrders(ctx, t, c, 8, func(int) *node { return n })
	time.Sleep(2 * time.Second)
	a := load.snapshot()[0]
	topic := "order:" + itoa(a.orderID)
	w := watch(ctx, t, store.Principal{Role: store.RoleCustomer, ID: a.customer}, []string{topic}, n)
	time.Sleep(time.Second)

	status, took := n.terminate(shutdownTimeout + 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	stop()
	load.wait()

	if code := status.ExitCode(); code != 0 {
		t.Errorf("dabba serve exited %d after SIGTERM, want 0; its log:\n%s", code, n.tail(20))
	}
	if took > shutdownTimeout {
		t.Errorf("dabba serve took %s to exit, beyond its shutdown timeout of %s", took, shutdownTimeout)
	}
	if !w.closedWith(realtime.CloseReconnect) {
		t.Errorf("the watcher's socket closed with %v, want %d (reconnect: server restarting)", w.closes, realtime.CloseReconnect)
	}
	if fives := fiveHundreds(load); fives > 0 {
		t.Errorf("%d placements answered 5xx while the node drained, want none", fives)
	}
	acked := load.snapshot()
	expectExactlyOnce(t, s, acked)
	n.start()
	load.expectReplays(t, n, c)
	n.expectCleanLog()
	t.Logf("SIGTERM under load: exit 0 after %s; %d acknowledged, 0 lost, 0 duplicated; %d attempts found the node gone",
		took.Round(time.Millisecond), len(acked), load.count(0))
}

//go:build !race

// The cluster tests run without the race detector (`go test -run
// '^TestCluster' ./actors/`), because it reports races inside protoactor-go
// whenever nodes join or leave, which no caller can avoid:
// remote.(*BlockList).Block writes under a lock what BlockedMembers and
// IsBlocked read without one; cluster.(*MemberList).UpdateClusterTopology
// replaces the member set that ContainsMemberID and Members read without a
// lock; remote.(*endpointManager).stop clears fields removeEndpoint reads;
// the etcd provider's Shutdown sets a flag its keep-alive loop reads; and
// with two nodes in one process, every remote.(*Remote).Start replaces
// grpc's process-wide logger while the other node's connections log.

package actors_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/actors/etcdtest"
	"github.com/dabba/dabba/store"
)

// newCluster starts a tracking cluster of two nodes in this process, two
// engines on their own remoting ports that find each other through a
// private etcd and share the fixture's PostgreSQL database and Redis. The
// fixture's engine is node A; the other is node B. It returns once each
// node counts both, and fails the test if either thinks it dropped out.
func newCluster(t *testing.T, edit ...func(*actors.Config)) (a *fixture, b *actors.Engine) {
	t.Helper()
	etcd := etcdtest.StartServer(t)
	a = newFixture(t, append([]func(*actors.Config){func(c *actors.Config) {
		c.Cluster.Etcd = []string{etcd.Endpoint}
		c.Cluster.Name = "test"
	}}, edit...)...)
	b, err := actors.Start(a.ctx, a.cfg, a.deps())
	if err != nil {
		t.Fatalf("start node B: %v", err)
	}
	t.Cleanup(b.Stop)
	eventually(t, "the two nodes see each other", func() bool { return a.engine.Members() == 2 && b.Members() == 2 })
	// Joining is no reason to ask for a restart (/healthz).
	for _, e := range []*actors.Engine{a.engine, b} {
		if err := e.InCluster(a.ctx); err != nil {
			t.Fatalf("a node that just joined: %v", err)
		}
	}
	return a, b
}

// on returns the fixture working through engine e.
func (f *fixture) on(e *actors.Engine) *fixture {
	g := *f
	g.engine = e
	return &g
}

func activeOrders(e *actors.Engine) int {
	orders, _ := e.Activations()
	return orders
}

// TestCluster_CapacityHoldsAcrossNodes places 120 orders of one kitchen at
// once, half through each node: its grain lives on one node only, so the
// kitchen takes exactly its capacity.
func TestCluster_CapacityHoldsAcrossNodes(t *testing.T) {
	a, b := newCluster(t)
	r := a.restaurant()
	const limit = 20
	a.limits(r, store.CapacitySettings{MaxActiveOrders: limit, PrepMinutes: 20, SlotCapacity: 5})

	a.placeBeyondCapacity(r, limit, 120, a.engine, b)
	_, onA := a.engine.Activations()
	_, onB := b.Activations()
	if onA+onB != 1 {
		t.Errorf("the restaurant is active on %d nodes, want 1", onA+onB)
	}
	for _, node := range []*actors.Engine{a.engine, b} {
		c, err := node.Capacity(a.ctx, r.ID)
		if err != nil || c.ActiveOrders != limit || c.Available != 0 {
			t.Errorf("capacity %+v (%v), want %d active and none available on either node", c, err, limit)
		}
	}
}

// TestCluster_AnOrderMovesThroughEitherNode takes orders through their
// whole life, each step through the other node than the one before: every
// step answers the next sequence number, both nodes answer the same
// tracking, and the timelines run without a gap.
func TestCluster_AnOrderMovesThroughEitherNode(t *testing.T) {
	a, b := newCluster(t)
	nodes := []*fixture{a, a.on(b)}
	r := a.restaurant()
	courier := a.courier(farAway) // beyond dispatch: assigned by hand only
	// Orders placed through A until both nodes host some.
	var orders []*store.Order
	for len(orders) < 2 || activeOrders(a.engine) == 0 || activeOrders(b) == 0 {
		if len(orders) == 40 {
			t.Fatalf("the grains of %d orders all live on one node", len(orders))
		}
		orders = append(orders, a.order(r))
	}
	for _, o := range orders {
		seq := o.Seq
		step := func(n int, next *store.Order) {
			t.Helper()
			if next.Seq != seq+1 {
				t.Fatalf("order %d, step %d through node %c: seq %d, want %d", o.ID, n, 'A'+rune(n%2), next.Seq, seq+1)
			}
			seq = next.Seq
		}
		n := 1 // placed through A (nodes[0]); the first move goes through B
		for _, s := range pathTo(store.StatusDelivered) {
			node := nodes[n%2]
			if s == store.StatusPickedUp {
				next, err := node.engine.AssignCourier(a.ctx, o.ID, courier.ID, admin)
				if err != nil {
					t.Fatalf("assign a courier to order %d: %v", o.ID, err)
				}
				step(n, next)
				n++
				node = nodes[n%2]
			}
			step(n, node.move(o.ID, admin, s, ""))
			n++
		}
		events := a.timeline(o.ID)
		for _, node := range nodes {
			tr, err := node.engine.Tracking(a.ctx, o.ID, admin)
			if err != nil || tr.Status != store.StatusDelivered || tr.Seq != seq || tr.Seq != int64(len(events)) {
				t.Errorf("order %d: tracking %+v (%v), want delivered at seq %d with %d events", o.ID, tr, err, seq, len(events))
			}
		}
	}
}

// TestCluster_ANodeThatStopsHandsItsOrdersOver stops node A while orders
// it hosts await acceptance: node B activates them from PostgreSQL, and
// their accept deadlines still reject them when due.
func TestCluster_ANodeThatStopsHandsItsOrdersOver(t *testing.T) {
	const timeout = 6 * time.Second
	a, b := newCluster(t, func(c *actors.Config) { c.AcceptTimeout = timeout })
	r := a.restaurant()
	var orders []*store.Order
	for len(orders) < 4 || activeOrders(a.engine) == 0 {
		if len(orders) == 40 {
			t.Fatalf("none of %d orders is hosted by node A", len(orders))
		}
		orders = append(orders, a.order(r))
	}
	onA := activeOrders(a.engine)

	a.engine.Stop()

	if time.Since(orders[0].PlacedAt) >= timeout {
		t.Fatalf("node A took longer than the accept timeout (%v) to stop; the test cannot tell who rejected the orders", timeout)
	}
	nb := a.on(b)
	eventually(t, "node B hosts every order awaiting acceptance", func() bool { return activeOrders(b) == len(orders) })
	for _, o := range orders {
		tr, err := b.Tracking(a.ctx, o.ID, admin)
		if err != nil || tr.Status != store.StatusPlaced || tr.Seq != o.Seq {
			t.Fatalf("order %d on node B: %+v (%v), want placed at seq %d", o.ID, tr, err, o.Seq)
		}
	}
	for _, o := range orders {
		eventually(t, fmt.Sprintf("order %d is rejected at its deadline", o.ID), func() bool { return nb.rejectedInTime(o.ID) })
	}
	t.Logf("%d of %d orders were hosted by node A when it stopped", onA, len(orders))
	c, err := b.Capacity(a.ctx, r.ID)
	if err != nil || c.ActiveOrders != 0 {
		t.Errorf("capacity on node B %+v (%v): the rejected orders should have freed their places", c, err)
	}
}

// TestCluster_ANodeWhoseRegistrationLapsedStillServes revokes one node's
// etcd lease, as when etcd stops hearing from it for longer than the lease:
// both nodes drop it (it re-registers, but protoactor takes no member back),
// so every grain lives on the other node, and a kitchen's capacity still
// holds for placements through either node.
func TestCluster_ANodeWhoseRegistrationLapsedStillServes(t *testing.T) {
	a, b := newCluster(t)
	etcd, err := clientv3.New(clientv3.Config{Endpoints: a.cfg.Cluster.Etcd})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	registrations, err := etcd.Get(ctx, "/dabba/"+a.cfg.Cluster.Name+"/", clientv3.WithPrefix())
	if err != nil || len(registrations.Kvs) != 2 {
		t.Fatalf("registrations in etcd: %v (%v), want the two nodes'", registrations, err)
	}
	if _, err := etcd.Revoke(ctx, clientv3.LeaseID(registrations.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both nodes drop the lapsed one", func() bool { return a.engine.Members() == 1 && b.Members() == 1 })
	// The lapsed node knows, and says so (dabba serve's /healthz asks for
	// its restart); the other does not.
	errA, errB := a.engine.InCluster(a.ctx), b.InCluster(a.ctx)
	if (errA == nil) == (errB == nil) {
		t.Fatalf("InCluster: %v on one node and %v on the other, want an error on the lapsed node only", errA, errB)
	}

	r := a.restaurant()
	const limit = 10
	a.limits(r, store.CapacitySettings{MaxActiveOrders: limit, PrepMinutes: 20, SlotCapacity: 5})
	a.placeBeyondCapacity(r, limit, 60, a.engine, b)
	_, onA := a.engine.Activations()
	_, onB := b.Activations()
	if onA+onB != 1 {
		t.Errorf("the restaurant is active on %d nodes, want 1", onA+onB)
	}
}

// TestCluster_CapacityHoldsEvenWithTwoGrainsOfOneRestaurant runs two
// engines over one database, each its own one-member cluster: both
// activate a grain for the restaurant, as two nodes may for a moment
// while a cluster member joins, and each grain believes the kitchen is
// empty. PostgreSQL's check at placement keeps the kitchen within its
// limit all the same. (Two engines in one process: protoactor-go's
// races, hence here, without the race detector.)
func TestCluster_CapacityHoldsEvenWithTwoGrainsOfOneRestaurant(t *testing.T) {
	f := newFixture(t)
	other, err := actors.Start(f.ctx, f.cfg, f.deps())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Stop)
	r := f.restaurant()
	const limit = 10
	f.limits(r, store.CapacitySettings{MaxActiveOrders: limit, PrepMinutes: 20, SlotCapacity: 5})

	f.placeBeyondCapacity(r, limit, 60, f.engine, other)
}

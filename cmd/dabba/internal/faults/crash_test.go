package faults_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// acceptTimeout is the accept deadline of the tests' nodes: short, so the
// test sees every deadline fire.
const acceptTimeout = 15 * time.Second

func TestKillNineUnderOrderLoadLosesNothingAndDeadlinesStillFire(t *testing.T) {
	t.Parallel()
	s := startServers(t)
	n := startNode(t, s, "node", withEnv("DABBA_ACCEPT_TIMEOUT="+acceptTimeout.String()))
	c := buildCity(t, n, 12, 8)

	ctx, stop := context.WithCancel(t.Context())
	load := placeOrders(ctx, t, c, 8, func(int) *node { return n })
	time.Sleep(3 * time.Second)

	// Some orders move on before the crash; their actors must come back
	// in the state PostgreSQL acknowledged.
	accepted := acceptSome(t, n, load.snapshot(), 5)
	time.Sleep(time.Second)

	n.kill()
	restarted := time.Now()
	load.markRestart(restarted)
	n.start()
	ready := time.Since(restarted)
	time.Sleep(3 * time.Second)
	stop()
	load.wait()

	acked := load.snapshot()
	if len(acked) < 100 {
		t.Fatalf("only %d orders were acknowledged; the load did not run", len(acked))
	}
	expectExactlyOnce(t, s, acked)
	load.expectReplays(t, n, c)
	for _, id := range accepted {
		expectResumed(t, n, id)
	}
	expectDeadlinesFired(t, s, acked, accepted, restarted.Add(ready))
	n.expectCleanLog()
	t.Logf("kill -9 under load: %d acknowledged, 0 lost, 0 duplicated; %d answers without a response (node down), %d 5xx; ready %s after the restart, first order acknowledged %s after it",
		len(acked), load.count(0), fiveHundreds(load), ready.Round(time.Millisecond), load.firstAck.Sub(restarted).Round(time.Millisecond))
}

// acceptSome accepts up to count of the acknowledged orders as their
// restaurants and returns their IDs.
func acceptSome(t *testing.T, n *node, acked []ack, count int) []int64 {
	t.Helper()
	var ids []int64
	for _, a := range acked[:min(count, len(acked))] {
		o := n.orderAs(store.RoleCustomer, a.customer, a.orderID)
		res, err := n.As(store.RoleRestaurant, o.RestaurantId).ChangeOrderStatusWithResponse(context.Background(), a.orderID,
			client.StatusChangeRequest{Status: client.StatusChangeRequestStatusAccepted})
		apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
		ids = append(ids, a.orderID)
	}
	return ids
}

// orderAs reads an order as the principal.
func (n *node) orderAs(role store.Role, id, orderID int64) client.OrderView {
	n.t.Helper()
	res, err := n.As(role, id).GetOrderWithResponse(context.Background(), orderID)
	apitest.Expect(n.t, http.StatusOK, res, err, func() []byte { return res.Body })
	return *res.JSON200
}

// expectResumed checks that an accepted order's actor resumed from
// PostgreSQL after the crash: it tracks the order as accepted and takes
// the next move.
func expectResumed(t *testing.T, n *node, orderID int64) {
	t.Helper()
	o := n.orderAs(store.RoleAdmin, 0, orderID)
	tr, err := n.As(store.RoleRestaurant, o.RestaurantId).GetOrderTrackingWithResponse(context.Background(), orderID)
	apitest.Expect(t, http.StatusOK, tr, err, func() []byte { return tr.Body })
	if tr.JSON200.Status != client.TrackingStatusAccepted {
		t.Errorf("order %d tracks as %s after the restart, want accepted", orderID, tr.JSON200.Status)
	}
	res, err := n.As(store.RoleRestaurant, o.RestaurantId).ChangeOrderStatusWithResponse(context.Background(), orderID,
		client.StatusChangeRequest{Status: client.StatusChangeRequestStatusPreparing})
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
}

// expectDeadlinesFired waits until every acknowledged order but the
// accepted ones is past its accept deadline, then checks in PostgreSQL
// that each was rejected for accept_timeout: never before its deadline,
// and no later than a few seconds after it — or after back, when the
// node was down at the deadline.
func expectDeadlinesFired(t *testing.T, s *servers, acked []ack, accepted []int64, back time.Time) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	skip := map[int64]bool{}
	for _, id := range accepted {
		skip[id] = true
	}
	var ids []int64
	for _, a := range acked {
		if !skip[a.orderID] {
			ids = append(ids, a.orderID)
		}
	}
	const slack = 5 * time.Second
	var last time.Time
	if err := conn.QueryRow(ctx, `SELECT max(placed_at) FROM orders WHERE id = ANY($1)`, ids).Scan(&last); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(last.Add(acceptTimeout + slack)))
	rows, err := conn.Query(ctx, `
		SELECT o.id, o.status, coalesce(o.reason, ''), o.placed_at, e.at
		FROM orders o LEFT JOIN order_events e ON e.order_id = o.id AND e.status = 'rejected'
		WHERE o.id = ANY($1)`, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	wrong := 0
	for rows.Next() {
		var id int64
		var status, reason string
		var placed time.Time
		var rejected *time.Time
		if err := rows.Scan(&id, &status, &reason, &placed, &rejected); err != nil {
			t.Fatal(err)
		}
		due := placed.Add(acceptTimeout)
		latest := due.Add(slack)
		if back.After(due) {
			latest = back.Add(slack)
		}
		switch {
		case status != string(store.StatusRejected) || reason != "accept_timeout" || rejected == nil:
			wrong++
			if wrong <= 5 {
				t.Errorf("order %d is %s (%s) %s after its accept deadline, want rejected for accept_timeout", id, status, reason, time.Since(due).Round(time.Second))
			}
		case rejected.Before(due):
			wrong++
			t.Errorf("order %d was rejected %s before its deadline", id, due.Sub(*rejected))
		case rejected.After(latest):
			wrong++
			t.Errorf("order %d was rejected %s after its deadline", id, rejected.Sub(due))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if wrong > 0 {
		t.Errorf("%d of %d orders awaiting acceptance did not meet their deadline", wrong, len(ids))
	}
}

// fiveHundreds counts the answers with a 5xx status.
func fiveHundreds(l *orderLoad) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for st, c := range l.statuses {
		if st >= 500 {
			n += c
		}
	}
	return n
}

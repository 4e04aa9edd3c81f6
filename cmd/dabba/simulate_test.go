package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
)

func TestSimulationTakesAnOrderFromTheCustomerToTheDoor(t *testing.T) {
	srv, home := kitchenNearby(t)
	srv.Customer("Asha Rao", "asha@example.com", home)
	courier := srv.Courier("Kiran")

	ctx, stop := simulate(srv, simulation{Tick: 100 * time.Millisecond, OrdersPerMinute: 60, SpeedMPS: 100})
	defer stop()

	delivered := "delivered"
	for ctx.Err() == nil {
		res, err := srv.Admin().ListOrdersWithResponse(ctx, &client.ListOrdersParams{Status: &delivered})
		if err == nil && res.JSON200 != nil && len(res.JSON200.Items) > 0 {
			o := res.JSON200.Items[0]
			if o.CourierId == nil || *o.CourierId != courier.Id {
				t.Errorf("delivered by %v, want the only courier, %d", o.CourierId, courier.Id)
			}
			timeline, err := srv.Admin().GetOrderTimelineWithResponse(ctx, o.Id, nil)
			if err != nil || timeline.JSON200 == nil {
				t.Fatalf("timeline: %v", err)
			}
			var path []string
			for _, e := range timeline.JSON200.Events {
				path = append(path, string(e.Status))
			}
			want := []string{"placed", "accepted", "accepted", "preparing", "ready", "picked_up", "delivered"}
			if len(path) != len(want) {
				t.Errorf("timeline %v, want %v (the courier is assigned on accept)", path, want)
			}
			points, err := srv.DB.Services().Orders.TrackingPoints(ctx, o.Id)
			if err != nil || len(points) == 0 {
				t.Errorf("the courier's ride left no tracking points (%v)", err)
			}
			if err := stop(); err != nil {
				t.Errorf("the simulation stopped with %v", err)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no simulated order was delivered within a minute")
}

func TestSimulationHasTheRegularCustomerOrderAgainOnceTheirOrderArrives(t *testing.T) {
	srv, home := kitchenNearby(t)
	regular := srv.Customer("Asha Rao", "asha@example.com", home)
	srv.Customer("Ravi Kumar", "ravi@example.com", home)
	srv.Courier("Kiran")

	// Nobody orders at random: every order is the regular's.
	ctx, stop := simulate(srv, simulation{Tick: 100 * time.Millisecond, SpeedMPS: 100, Regular: regular.Id})
	defer stop()

	for ctx.Err() == nil {
		res, err := srv.Admin().ListOrdersWithResponse(ctx, &client.ListOrdersParams{})
		if err == nil && res.JSON200 != nil {
			var delivered, inProgress int
			for _, o := range res.JSON200.Items {
				if o.CustomerId != regular.Id {
					t.Fatalf("order %d is customer %d's; only the regular, %d, orders", o.Id, o.CustomerId, regular.Id)
				}
				if o.Status == client.OrderViewStatusDelivered {
					delivered++
				} else {
					inProgress++
				}
			}
			if inProgress > 1 {
				t.Fatalf("the regular has %d orders in progress at once, want one at a time", inProgress)
			}
			if delivered >= 1 && inProgress == 1 {
				if err := stop(); err != nil {
					t.Errorf("the simulation stopped with %v", err)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the regular did not order again within a minute of their order arriving")
}

// kitchenNearby returns an API server with a restaurant and its dish, and
// a home three hundred metres from it: a ride of a few seconds at 100 m/s.
func kitchenNearby(t *testing.T) (*apitest.Server, client.Address) {
	srv := apitest.New(t)
	r := srv.Restaurant("Meghana Foods", client.Point{Lat: 12.9756, Lng: 77.6050})
	srv.MenuItem(r.Id, "Chicken Biryani", 32050, true)
	return srv, client.Address{Label: "home", Line: "1 Church St", Location: client.Point{Lat: 12.9783, Lng: 77.6050}}
}

// simulate runs a simulator on srv for up to a minute; stop ends it and
// returns what run returned (again on later calls).
func simulate(srv *apitest.Server, sim simulation) (ctx context.Context, stop func() error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	done := make(chan error, 1)
	go func() {
		done <- newSimulator(srv.URL(), srv.Tokens, sim, slog.New(slog.NewTextHandler(io.Discard, nil))).run(ctx)
	}()
	return ctx, sync.OnceValue(func() error {
		cancel()
		return <-done
	})
}

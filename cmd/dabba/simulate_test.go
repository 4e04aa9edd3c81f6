package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
)

func TestSimulationTakesAnOrderFromTheCustomerToTheDoor(t *testing.T) {
	srv := apitest.New(t)
	mgRoad := client.Point{Lat: 12.9756, Lng: 77.6050}
	// Three hundred metres away: a ride of a few seconds at 100 m/s.
	home := client.Address{Label: "home", Line: "1 Church St", Location: client.Point{Lat: 12.9783, Lng: 77.6050}}
	r := srv.Restaurant("Meghana Foods", mgRoad)
	srv.MenuItem(r.Id, "Chicken Biryani", 32050, true)
	srv.Customer("Asha Rao", "asha@example.com", home)
	courier := srv.Courier("Kiran")

	fast := simulation{Tick: 100 * time.Millisecond, OrdersPerMinute: 60, SpeedMPS: 100}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- newSimulator(srv.URL(), srv.Tokens, fast, slog.New(slog.NewTextHandler(io.Discard, nil))).run(ctx)
	}()

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
			cancel()
			if err := <-done; err != nil {
				t.Errorf("the simulation stopped with %v", err)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no simulated order was delivered within a minute")
}

func TestSimulationHasTheRegularCustomerOrderAgainOnceTheirOrderArrives(t *testing.T) {
	srv := apitest.New(t)
	mgRoad := client.Point{Lat: 12.9756, Lng: 77.6050}
	home := client.Address{Label: "home", Line: "1 Church St", Location: client.Point{Lat: 12.9783, Lng: 77.6050}}
	r := srv.Restaurant("Meghana Foods", mgRoad)
	srv.MenuItem(r.Id, "Chicken Biryani", 32050, true)
	regular := srv.Customer("Asha Rao", "asha@example.com", home)
	srv.Customer("Ravi Kumar", "ravi@example.com", home)
	srv.Courier("Kiran")

	// Nobody orders at random: every order is the regular's.
	fast := simulation{Tick: 100 * time.Millisecond, SpeedMPS: 100, Regular: regular.Id}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- newSimulator(srv.URL(), srv.Tokens, fast, slog.New(slog.NewTextHandler(io.Discard, nil))).run(ctx)
	}()

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
				cancel()
				if err := <-done; err != nil {
					t.Errorf("the simulation stopped with %v", err)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the regular did not order again within a minute of their order arriving")
}

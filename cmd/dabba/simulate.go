package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// simulation paces the simulated platform: how often customers order, how
// long kitchens take, how fast couriers ride.
type simulation struct {
	// Tick is how often the simulator looks at every active order.
	Tick time.Duration
	// OrdersPerMinute is how many new orders customers place.
	OrdersPerMinute float64
	// Accept, Prepare and Cook are how long a kitchen waits before accepting,
	// starting and finishing an order.
	Accept, Prepare, Cook time.Duration
	// SpeedMPS is how fast couriers ride, in metres per second.
	SpeedMPS float64
	// Regular is a customer who always has an order in progress: as soon
	// as theirs is delivered they order again, so the welcome's tracking
	// link never goes stale. 0 for none.
	Regular int64
}

func defaultSimulation() simulation {
	return simulation{Tick: 2 * time.Second, OrdersPerMinute: 6, Accept: 6 * time.Second,
		Prepare: 6 * time.Second, Cook: 20 * time.Second, SpeedMPS: 40}
}

// runSimulate is `dabba simulate`: customers, kitchens and couriers acting
// on a running dabba through its public API, so its apps have something
// live to show.
func runSimulate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	sim := defaultSimulation()
	url := fs.String("url", "", "base URL of the dabba to drive (default: http:// + --http-addr)")
	fs.Float64Var(&sim.OrdersPerMinute, "orders-per-minute", sim.OrdersPerMinute, "new orders customers place per minute")
	fs.Float64Var(&sim.SpeedMPS, "speed", sim.SpeedMPS, "courier speed in metres per second (sped up so a delivery takes minutes)")
	fs.DurationVar(&sim.Tick, "tick", sim.Tick, "how often every active order moves on")
	fs.Int64Var(&sim.Regular, "regular", 0, "a customer who orders again as soon as their order is delivered (0: none)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dabba simulate [flags]\n\nDrives a running dabba through its API: customers order, kitchens accept and cook,\ncouriers ride to the door and report their position. Tokens are signed with the\nserver's secret (DABBA_JWT_SECRET, or the development one in --data-dir).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	if *url == "" {
		*url = "http://" + cfg.HTTPAddr
	}
	tokens, err := signer(cfg)
	if err != nil {
		return err
	}
	log := newLogger(&cfg, os.Stderr)
	fmt.Fprintf(stdout, "simulating customers, kitchens and couriers on %s (Ctrl-C stops)\n", *url)
	return newSimulator(*url, tokens, sim, log).run(ctx)
}

// simulator acts as every customer, kitchen and courier of a dabba, through
// the generated API client.
type simulator struct {
	base   string
	tokens *api.Tokens
	sim    simulation
	log    *slog.Logger
	rng    *mrand.Rand
	// clients by principal, each sending that principal's token.
	clients map[store.Principal]*client.ClientWithResponses
	// since is when the simulator first saw each order in its status.
	since map[int64]statusSince
	// riders are the positions of the couriers carrying orders, by order.
	riders map[int64]client.Point
	// due accumulates fractional orders between ticks.
	due float64
	// regularBusy is whether sim.Regular had an order in progress at the
	// last step.
	regularBusy bool
}

type statusSince struct {
	status string
	at     time.Time
}

func newSimulator(base string, tokens *api.Tokens, sim simulation, log *slog.Logger) *simulator {
	return &simulator{base: base, tokens: tokens, sim: sim, log: log.With("component", "simulate"),
		rng: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7)), clients: map[store.Principal]*client.ClientWithResponses{},
		since: map[int64]statusSince{}, riders: map[int64]client.Point{}}
}

// as returns a client speaking for p.
func (s *simulator) as(p store.Principal) *client.ClientWithResponses {
	if c, ok := s.clients[p]; ok {
		return c
	}
	tok, err := s.tokens.Mint(p, 24*time.Hour)
	if err != nil {
		panic("simulate: mint a token for a valid principal: " + err.Error())
	}
	c, err := client.NewClientWithResponses(s.base, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}))
	if err != nil {
		panic("simulate: build a client for a parsed URL: " + err.Error())
	}
	s.clients[p] = c
	return c
}

func (s *simulator) admin() *client.ClientWithResponses {
	return s.as(store.Principal{Role: store.RoleAdmin})
}

func (s *simulator) run(ctx context.Context) error {
	customers, err := s.customers(ctx)
	if err != nil {
		return err
	}
	regular, err := s.regular(ctx, customers)
	if err != nil {
		return err
	}
	if err := s.wakeCouriers(ctx); err != nil {
		return err
	}
	t := time.NewTicker(s.sim.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := s.advanceAll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("simulation step", "error", err)
		}
		s.due += s.sim.OrdersPerMinute * s.sim.Tick.Minutes()
		for ; s.due >= 1 && len(customers) > 0; s.due-- {
			s.order(ctx, customers[s.rng.IntN(len(customers))])
		}
		if regular != nil && !s.regularBusy {
			s.order(ctx, *regular)
		}
	}
}

// regular returns sim.Regular's record, nil if there is none to order for.
func (s *simulator) regular(ctx context.Context, customers []client.Customer) (*client.Customer, error) {
	if s.sim.Regular == 0 {
		return nil, nil
	}
	if i := slices.IndexFunc(customers, func(c client.Customer) bool { return c.Id == s.sim.Regular }); i >= 0 {
		return &customers[i], nil
	}
	res, err := s.admin().GetCustomerWithResponse(ctx, s.sim.Regular)
	if err := answered(res, err, res != nil && res.JSON200 != nil); err != nil {
		return nil, fmt.Errorf("simulate: read customer %d: %w", s.sim.Regular, err)
	}
	if len(res.JSON200.Addresses) == 0 {
		s.log.Warn("the regular customer has no address to order to", "customer", s.sim.Regular)
		return nil, nil
	}
	return res.JSON200, nil
}

// customers lists the customers who have an address to order to.
func (s *simulator) customers(ctx context.Context) ([]client.Customer, error) {
	res, err := s.admin().ListCustomersWithResponse(ctx, &client.ListCustomersParams{Limit: ptrTo(100)})
	if err := answered(res, err, res != nil && res.JSON200 != nil); err != nil {
		return nil, fmt.Errorf("simulate: list customers: %w", err)
	}
	var out []client.Customer
	for _, c := range res.JSON200.Items {
		if len(c.Addresses) > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// wakeCouriers puts every courier on shift near a restaurant, so dispatch
// finds them.
func (s *simulator) wakeCouriers(ctx context.Context) error {
	rs, err := s.admin().ListRestaurantsWithResponse(ctx, &client.ListRestaurantsParams{Limit: ptrTo(100)})
	if err := answered(rs, err, rs != nil && rs.JSON200 != nil && len(rs.JSON200.Items) > 0); err != nil {
		return fmt.Errorf("simulate: list restaurants: %w", err)
	}
	couriers, err := s.admin().ListCouriersWithResponse(ctx, &client.ListCouriersParams{Limit: ptrTo(100)})
	if err := answered(couriers, err, couriers != nil && couriers.JSON200 != nil); err != nil {
		return fmt.Errorf("simulate: list couriers: %w", err)
	}
	available := client.CourierPatchStatusAvailable
	for i, c := range couriers.JSON200.Items {
		me := s.as(store.Principal{Role: store.RoleCourier, ID: c.Id})
		if c.Status == client.CourierStatusOffline {
			if _, err := me.UpdateCourierWithResponse(ctx, c.Id, client.CourierPatch{Status: &available}); err != nil {
				return fmt.Errorf("simulate: courier %d on shift: %w", c.Id, err)
			}
		}
		near := rs.JSON200.Items[i%len(rs.JSON200.Items)].Location
		if _, err := me.LocateCourierWithResponse(ctx, c.Id, offset(near, s.rng.Float64()*800, s.rng.Float64()*360)); err != nil {
			return fmt.Errorf("simulate: locate courier %d: %w", c.Id, err)
		}
	}
	return nil
}

// order has a customer order from an open restaurant that delivers to them,
// enough dishes to pass its minimum. A customer who cannot (nothing open
// delivers there) is logged and skipped.
func (s *simulator) order(ctx context.Context, c client.Customer) {
	if err := s.place(ctx, c); err != nil {
		s.log.Debug("a simulated customer could not order", "customer", c.Id, "error", err)
	}
}

func (s *simulator) place(ctx context.Context, c client.Customer) error {
	me := s.as(store.Principal{Role: store.RoleCustomer, ID: c.Id})
	to := c.Addresses[s.rng.IntN(len(c.Addresses))]
	rs, err := me.ListRestaurantsWithResponse(ctx, &client.ListRestaurantsParams{Lat: &to.Location.Lat, Lng: &to.Location.Lng, OpenNow: ptrTo(true), Limit: ptrTo(20)})
	if err := answered(rs, err, rs != nil && rs.JSON200 != nil && len(rs.JSON200.Items) > 0); err != nil {
		return fmt.Errorf("find an open restaurant that delivers there: %w", err)
	}
	r := rs.JSON200.Items[s.rng.IntN(len(rs.JSON200.Items))]
	menu, err := me.ListMenuItemsWithResponse(ctx, r.Id, &client.ListMenuItemsParams{Available: ptrTo(true), Limit: ptrTo(100)})
	if err := answered(menu, err, menu != nil && menu.JSON200 != nil && len(menu.JSON200.Items) > 0); err != nil {
		return fmt.Errorf("read an available menu: %w", err)
	}
	var lines []client.OrderLine
	var subtotal int64
	for _, i := range s.rng.Perm(len(menu.JSON200.Items)) {
		item := menu.JSON200.Items[i]
		qty := 1 + s.rng.IntN(2)
		lines = append(lines, client.OrderLine{MenuItemId: item.Id, Quantity: qty})
		subtotal += item.Price.Amount * int64(qty)
		if subtotal >= r.MinimumOrder.Amount && (len(lines) >= 2 || s.rng.IntN(2) == 0) {
			break
		}
	}
	key := randomKey()
	res, err := me.PlaceOrderWithResponse(ctx, &client.PlaceOrderParams{IdempotencyKey: &key}, client.OrderRequest{
		RestaurantId: r.Id, Items: lines, DeliveryAddress: to,
	})
	if err := answered(res, err, res != nil && res.JSON201 != nil); err != nil {
		return err
	}
	s.log.Info("a simulated customer ordered", "order", res.JSON201.Id, "customer", c.Id, "restaurant", r.Name)
	return nil
}

// advanceAll moves every active order one step.
func (s *simulator) advanceAll(ctx context.Context) error {
	status := "placed,accepted,preparing,ready,picked_up"
	params := &client.ListOrdersParams{Status: &status, Limit: ptrTo(100)}
	seen := map[int64]bool{}
	regularBusy := false
	for {
		res, err := s.admin().ListOrdersWithResponse(ctx, params)
		if err := answered(res, err, res != nil && res.JSON200 != nil); err != nil {
			return err
		}
		for _, o := range res.JSON200.Items {
			seen[o.Id] = true
			regularBusy = regularBusy || o.CustomerId == s.sim.Regular
			if err := s.advance(ctx, o); err != nil {
				s.log.Debug("a simulated order did not move", "order", o.Id, "status", o.Status, "error", err)
			}
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = res.JSON200.NextCursor
	}
	s.regularBusy = regularBusy
	for id := range s.since {
		if !seen[id] {
			delete(s.since, id)
			delete(s.riders, id)
		}
	}
	return nil
}

// advance moves one order on once it has been in its status long enough:
// the kitchen accepts, prepares and finishes it, the courier picks it up,
// rides to the door reporting where they are, and delivers it.
func (s *simulator) advance(ctx context.Context, o client.OrderView) error {
	now := time.Now()
	st := string(o.Status)
	if prev, ok := s.since[o.Id]; !ok || prev.status != st {
		s.since[o.Id] = statusSince{st, now}
	}
	age := now.Sub(s.since[o.Id].at)
	kitchen := s.as(store.Principal{Role: store.RoleRestaurant, ID: o.RestaurantId})
	switch {
	case st == "placed" && age >= s.sim.Accept:
		return s.move(ctx, kitchen, o.Id, client.StatusChangeRequestStatusAccepted)
	case st == "accepted" && age >= s.sim.Prepare:
		return s.move(ctx, kitchen, o.Id, client.StatusChangeRequestStatusPreparing)
	case st == "preparing" && age >= s.sim.Cook:
		return s.move(ctx, kitchen, o.Id, client.StatusChangeRequestStatusReady)
	case st == "ready" && o.CourierId != nil:
		return s.move(ctx, s.as(store.Principal{Role: store.RoleCourier, ID: *o.CourierId}), o.Id, client.StatusChangeRequestStatusPickedUp)
	case st == "picked_up" && o.CourierId != nil:
		return s.ride(ctx, o)
	}
	return nil
}

func (s *simulator) move(ctx context.Context, as *client.ClientWithResponses, orderID int64, to client.StatusChangeRequestStatus) error {
	res, err := as.ChangeOrderStatusWithResponse(ctx, orderID, client.StatusChangeRequest{Status: to})
	return answered(res, err, res != nil && res.JSON200 != nil)
}

// ride moves the order's courier one tick towards the door and reports the
// position; at the door, the courier delivers.
func (s *simulator) ride(ctx context.Context, o client.OrderView) error {
	rider := s.as(store.Principal{Role: store.RoleCourier, ID: *o.CourierId})
	at, ok := s.riders[o.Id]
	if !ok {
		r, err := rider.GetRestaurantWithResponse(ctx, o.RestaurantId)
		if err := answered(r, err, r != nil && r.JSON200 != nil); err != nil {
			return err
		}
		at = r.JSON200.Location
	}
	to := o.DeliveryAddress.Location
	left := distanceM(at, to)
	if left < 30 {
		delete(s.riders, o.Id)
		return s.move(ctx, rider, o.Id, client.StatusChangeRequestStatusDelivered)
	}
	step := math.Min(left, s.sim.SpeedMPS*s.sim.Tick.Seconds())
	heading := bearing(at, to)
	at = offset(at, step, heading)
	s.riders[o.Id] = at
	res, err := rider.ReportCourierLocationWithResponse(ctx, o.Id, client.LocationReport{Lat: at.Lat, Lng: at.Lng, Heading: heading, Speed: s.sim.SpeedMPS})
	return answered(res, err, res != nil && res.JSON200 != nil)
}

// answered is nil when a call got the answer it wanted (ok), else why not.
func answered[R interface{ StatusCode() int }](res R, err error, ok bool) error {
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("HTTP %d", res.StatusCode())
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// distanceM is the great-circle distance, as store.Point computes it.
func distanceM(a, b client.Point) float64 {
	return store.Point{Lat: a.Lat, Lng: a.Lng}.DistanceM(store.Point{Lat: b.Lat, Lng: b.Lng})
}

// bearing is the initial compass bearing from a to b, in degrees.
func bearing(a, b client.Point) float64 {
	rad := math.Pi / 180
	y := math.Sin((b.Lng-a.Lng)*rad) * math.Cos(b.Lat*rad)
	x := math.Cos(a.Lat*rad)*math.Sin(b.Lat*rad) - math.Sin(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Cos((b.Lng-a.Lng)*rad)
	return math.Mod(math.Atan2(y, x)/rad+360, 360)
}

// offset is the point metres away from p on the given bearing (flat-earth
// approximation, fine for the few hundred metres of a tick).
func offset(p client.Point, metres, bearingDeg float64) client.Point {
	rad := math.Pi / 180
	dLat := metres * math.Cos(bearingDeg*rad) / store.EarthRadiusM() / rad
	dLng := metres * math.Sin(bearingDeg*rad) / (store.EarthRadiusM() * math.Cos(p.Lat*rad)) / rad
	return client.Point{Lat: p.Lat + dLat, Lng: p.Lng + dLng}
}

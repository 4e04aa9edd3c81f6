// Package ordersbench measures the tracking engine end to end, over a real
// PostgreSQL and Redis: order placements per second with their latency,
// courier location pings per second with their websocket fan-out, and the
// memory an active order actor costs. `dabba bench orders` runs it and
// prints a table; nothing here asserts, it measures.
package ordersbench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/postgres"
)

// Config says what to measure and against what. Zero counts take the
// defaults named on them.
type Config struct {
	// DB is the PostgreSQL the engine works on; the benchmark adds
	// restaurants, customers, couriers and orders to it.
	DB *postgres.DB
	// Redis is the Redis the engine works on; every key the benchmark
	// writes is under a fresh prefix and removed at the end.
	Redis redis.UniversalClient
	// Orders is how many orders the placement phase places. Default 2000.
	Orders int
	// Concurrency is how many callers place orders (and send pings) at once.
	// Default 16.
	Concurrency int
	// Tracked is how many orders are on their way during the ping phase.
	// Default 50.
	Tracked int
	// Pings is how many courier positions the ping phase sends. Default 5000.
	Pings int
	// Subscribers is how many websockets watch each tracked order. Default 3.
	Subscribers int
	// Actors is how many order actors the memory phase keeps active.
	// Default 2000 (the figure is 100,000).
	Actors int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Orders, 2000)
	def(&c.Concurrency, 16)
	def(&c.Tracked, 50)
	def(&c.Pings, 5000)
	def(&c.Subscribers, 3)
	def(&c.Actors, 2000)
	return c
}

// Run starts an engine (a one-member cluster in this process) over cfg's
// databases, runs the three phases and writes the table to out.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	cfg = cfg.withDefaults()
	if cfg.DB == nil || cfg.Redis == nil {
		return errors.New("ordersbench: DB and Redis are required")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "ordersbench-" + hex.EncodeToString(b)
	defer unlink(context.WithoutCancel(ctx), cfg.Redis, prefix+":*")

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := cache.New(cache.Config{Redis: cfg.Redis, Prefix: prefix + ":cache", Logger: quiet})
	if err != nil {
		return err
	}
	defer c.Close()
	broker := realtime.NewBroker(cfg.Redis, realtime.BrokerConfig{KeyPrefix: prefix + ":realtime"})
	engine, err := actors.Start(ctx, actors.Config{AcceptTimeout: 24 * time.Hour, Dispatch: actors.DispatchConfig{PositionsKey: prefix + ":couriers"}},
		actors.Deps{Store: cfg.DB.Services(), Kitchens: cfg.DB.Kitchens(), Dispatch: cfg.DB.Dispatch(), Cache: c,
			Redis: cfg.Redis, Publisher: broker, Logger: quiet})
	if err != nil {
		return err
	}
	defer engine.Stop()

	w, err := seed(ctx, cfg, engine)
	if err != nil {
		return fmt.Errorf("ordersbench: seed: %w", err)
	}
	fmt.Fprintf(out, "dabba bench orders: one-member cluster, %d restaurants, %d callers, GOMAXPROCS %d\n\n",
		len(w.restaurants), cfg.Concurrency, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\trate or size\tp50\tp99\tdetail\t")

	placed, err := w.placements(ctx, cfg.Orders, cfg.Concurrency)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "order placements\t%.0f /s\t%s\t%s\t%d orders, restaurant actor → PostgreSQL → order actor → Redis → topics\t\n",
		placed.rate(), ms(placed.p(50)), ms(placed.p(99)), cfg.Orders)

	pinged, fanout, err := w.pings(ctx, broker, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "location pings\t%.0f /s\t%s\t%s\t%d pings over %d orders; %d sockets per order received %.0f events/s (%.0f %% of pings × sockets)\t\n",
		pinged.rate(), ms(pinged.p(50)), ms(pinged.p(99)), cfg.Pings, cfg.Tracked, cfg.Subscribers,
		float64(fanout)/pinged.elapsed.Seconds(), 100*float64(fanout)/float64(cfg.Pings*cfg.Subscribers))

	perActor, heap, err := w.memory(ctx, cfg.Actors, cfg.Concurrency)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "memory per active order actor\t%.1f KB\t\t\t%d actors awaiting acceptance; heap grew %.1f MB\t\n",
		perActor/1024, cfg.Actors, float64(heap)/(1<<20))
	return tw.Flush()
}

// world is the benchmark's platform: restaurants open around the clock and
// a customer per caller.
type world struct {
	engine      *actors.Engine
	svc         store.Services
	restaurants []kitchen
	customers   []int64
	next        atomic.Int64
}

type kitchen struct {
	id, dish int64
}

var site = store.Point{Lat: 12.9716, Lng: 77.5946}

// seed creates restaurants (a kitchen per caller, and enough for every
// order the phases place: each takes 1000 at once) and a customer per
// caller.
func seed(ctx context.Context, cfg Config, engine *actors.Engine) (*world, error) {
	w := &world{engine: engine, svc: cfg.DB.Services()}
	var hours []store.OpeningHours
	for d := range 7 {
		hours = append(hours, store.OpeningHours{Weekday: d, Opens: "00:00", Closes: "24:00"})
	}
	inr := func(a int64) store.Money { return store.Money{Amount: a, Currency: "INR"} }
	// A kitchen places its orders one at a time: spread the callers over
	// as many kitchens as there are callers, and enough for every order.
	for i := range max(cfg.Concurrency, (cfg.Orders+cfg.Actors+cfg.Tracked)/900+1) {
		r, err := w.svc.Restaurants.CreateRestaurant(ctx, store.RestaurantInput{
			Name: fmt.Sprintf("Bench kitchen %d", i), Cuisine: "bench", Address: "1 Bench Rd", Location: site,
			Timezone: "UTC", OpeningHours: hours, DeliveryRadiusM: 5000, MinimumOrder: inr(100), DeliveryFee: inr(3000),
		})
		if err != nil {
			return nil, err
		}
		m, err := w.svc.Menus.CreateMenuItem(ctx, r.ID, store.MenuItemInput{Name: "Thali", Category: "Mains", Price: inr(20000)})
		if err != nil {
			return nil, err
		}
		if _, err := engine.SetCapacity(ctx, r.ID, store.CapacitySettings{MaxActiveOrders: 1000, PrepMinutes: 20, SlotCapacity: 5}); err != nil {
			return nil, err
		}
		w.restaurants = append(w.restaurants, kitchen{r.ID, m.ID})
	}
	for i := range cfg.Concurrency {
		c, err := w.svc.Customers.CreateCustomer(ctx, store.CustomerInput{
			Name: fmt.Sprintf("Bench customer %d", i), Email: fmt.Sprintf("bench-%d-%d@example.com", time.Now().UnixNano(), i),
			Phone: "+919812345678",
		})
		if err != nil {
			return nil, err
		}
		w.customers = append(w.customers, c.ID)
	}
	return w, nil
}

// place places one order for the caller's customer at the next kitchen.
func (w *world) place(ctx context.Context, caller int) (*store.Order, error) {
	k := w.restaurants[int(w.next.Add(1))%len(w.restaurants)]
	o, _, err := w.engine.PlaceOrder(ctx, store.NewOrder{CustomerID: w.customers[caller], Request: store.OrderRequest{
		RestaurantID: k.id, Items: []store.OrderLine{{MenuItemID: k.dish, Quantity: 1}},
		DeliveryAddress: store.Address{Line: "2 Bench Rd", Location: store.Point{Lat: site.Lat + 0.01, Lng: site.Lng}},
	}})
	return o, err
}

// timing is the latencies of one phase.
type timing struct {
	latencies []time.Duration
	elapsed   time.Duration
}

func (t timing) rate() float64 { return float64(len(t.latencies)) / t.elapsed.Seconds() }

func (t timing) p(pct int) time.Duration {
	if len(t.latencies) == 0 {
		return 0
	}
	s := slices.Clone(t.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*pct/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// run calls do n times from callers goroutines and times each call.
func run(ctx context.Context, n, callers int, do func(ctx context.Context, caller, i int) error) (timing, error) {
	var (
		mu    sync.Mutex
		t     timing
		next  atomic.Int64
		wg    sync.WaitGroup
		first error
	)
	start := time.Now()
	for caller := range callers {
		wg.Go(func() {
			var mine []time.Duration
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				began := time.Now()
				err := do(ctx, caller, i)
				mine = append(mine, time.Since(began))
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			t.latencies = append(t.latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	t.elapsed = time.Since(start)
	return t, first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (w *world) placements(ctx context.Context, n, callers int) (timing, error) {
	t, err := run(ctx, n, callers, func(ctx context.Context, caller, _ int) error {
		_, err := w.place(ctx, caller)
		return err
	})
	if err != nil {
		return t, fmt.Errorf("ordersbench: place orders: %w", err)
	}
	return t, nil
}

// pings puts cfg.Tracked orders on their way (accepted, a courier
// assigned), has cfg.Subscribers websockets watch each, and sends cfg.Pings
// positions from their couriers. It returns the pings' timing and how many
// location events the sockets received.
func (w *world) pings(ctx context.Context, broker *realtime.Broker, cfg Config) (timing, int64, error) {
	type trip struct {
		order   *store.Order
		courier store.Principal
	}
	trips := make([]trip, cfg.Tracked)
	available := store.CourierAvailable
	for i := range trips {
		c, err := w.svc.Couriers.CreateCourier(ctx, store.CourierInput{Name: fmt.Sprintf("Bench courier %d", i), Phone: "+919900112233", Vehicle: store.VehicleScooter})
		if err != nil {
			return timing{}, 0, err
		}
		if _, err := w.svc.Couriers.UpdateCourier(ctx, c.ID, store.CourierPatch{Status: &available}); err != nil {
			return timing{}, 0, err
		}
		if err := w.engine.LocateCourier(ctx, c.ID, site); err != nil {
			return timing{}, 0, err
		}
		o, err := w.place(ctx, i%len(w.customers))
		if err != nil {
			return timing{}, 0, err
		}
		o, err = w.engine.ChangeStatus(ctx, store.StatusChange{OrderID: o.ID, To: store.StatusAccepted, By: store.Principal{Role: store.RoleAdmin}})
		if err != nil {
			return timing{}, 0, err
		}
		if o.CourierID == nil {
			return timing{}, 0, fmt.Errorf("ordersbench: order %d found no courier", o.ID)
		}
		trips[i] = trip{o, store.Principal{Role: store.RoleCourier, ID: *o.CourierID}}
	}

	url, stop, err := serveHub(broker, cfg.Tracked*cfg.Subscribers)
	if err != nil {
		return timing{}, 0, err
	}
	defer stop()
	var received atomic.Int64
	var readers sync.WaitGroup
	readCtx, cancelReads := context.WithCancel(ctx)
	defer func() { cancelReads(); readers.Wait() }()
	for _, tr := range trips {
		for range cfg.Subscribers {
			ws, err := watch(ctx, url, tr.order.Topic())
			if err != nil {
				return timing{}, 0, err
			}
			readers.Go(func() {
				defer ws.CloseNow()
				for {
					_, b, err := ws.Read(readCtx)
					if err != nil {
						return
					}
					if bytes.Contains(b, []byte(`"type":"courier.location"`)) {
						received.Add(1)
					}
				}
			})
		}
	}

	t, err := run(ctx, cfg.Pings, cfg.Concurrency, func(ctx context.Context, _, i int) error {
		tr := trips[i%len(trips)]
		// Each courier moves 30 m north per ping, so thinning keeps every
		// position and batches fill.
		step := float64(i/len(trips)) * 30 / 111_000
		_, err := w.engine.ReportLocation(ctx, tr.order.ID, tr.courier, store.LocationReport{
			Lat: site.Lat + step, Lng: site.Lng, Speed: 6})
		return err
	})
	if err != nil {
		return t, 0, fmt.Errorf("ordersbench: report locations: %w", err)
	}
	// Let the last events reach the sockets.
	time.Sleep(500 * time.Millisecond)
	return t, received.Load(), nil
}

// serveHub serves a websocket hub on a local port and returns its URL.
func serveHub(broker *realtime.Broker, conns int) (string, func(), error) {
	hub, err := realtime.New(realtime.Config{Broker: broker, Authenticator: anyone{}, MaxConnections: conns + 100,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: hub, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "ws://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		_ = srv.Shutdown(ctx)
	}, nil
}

// anyone lets every socket watch every topic.
type anyone struct{}

func (anyone) Authenticate(context.Context, string) (realtime.Session, error) { return anyone{}, nil }
func (anyone) Authorize(context.Context, string) error                        { return nil }

// watch opens a socket subscribed to topic and waits for the hub to confirm.
func watch(ctx context.Context, url, topic string) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, url+"?token=bench", nil)
	if err != nil {
		return nil, fmt.Errorf("ordersbench: open websocket: %w", err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"op":"subscribe","topic":"`+topic+`"}`)); err != nil {
		return nil, fmt.Errorf("ordersbench: subscribe: %w", err)
	}
	if _, _, err := ws.Read(ctx); err != nil {
		return nil, fmt.Errorf("ordersbench: subscribe: %w", err)
	}
	return ws, nil
}

// memory places n orders that stay active (awaiting acceptance, their
// actors never passivate) and returns how much the heap grew per order
// actor activated, after a full collection before and after.
func (w *world) memory(ctx context.Context, n, callers int) (float64, uint64, error) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	actorsBefore, _ := w.engine.Activations()
	before := heap()
	if _, err := w.placements(ctx, n, callers); err != nil {
		return 0, 0, err
	}
	after := heap()
	actorsAfter, _ := w.engine.Activations()
	if actorsAfter <= actorsBefore {
		return 0, 0, fmt.Errorf("ordersbench: %d order actors in memory after placing %d orders, %d before", actorsAfter, n, actorsBefore)
	}
	grew := after - min(before, after)
	return float64(grew) / float64(actorsAfter-actorsBefore), grew, nil
}

// unlink removes every key matching pattern with SCAN and UNLINK.
func unlink(ctx context.Context, rdb redis.UniversalClient, pattern string) {
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

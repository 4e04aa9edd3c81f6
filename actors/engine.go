package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/eventstream"
	"github.com/asynkron/protoactor-go/remote"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// The grain kinds of the cluster.
const (
	kindOrder      = "order"
	kindRestaurant = "restaurant"
)

// Engine is dabba's tracking engine on one node: a member of the protoactor
// cluster hosting order and restaurant grains, and the Go API the HTTP layer
// calls. It is safe for concurrent use. Start it with Start and stop it with
// Stop; a stopped engine is not restarted, a new one is started instead.
type Engine struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	system   *actor.ActorSystem
	cluster  *cluster.Cluster
	couriers courierIndex
	// sharedProvider: the cluster's members are found by a provider other
	// nodes share, which this node must leave when it stops. The default
	// in-process provider has no one else to tell.
	sharedProvider bool
	// members is how many nodes this node counts in the cluster, itself
	// included, as of the last membership change it saw.
	members atomic.Int32
	// stranded is set once this node drops out of the cluster (see
	// followTopology); nothing clears it but a restart.
	stranded atomic.Bool
	// topology is the subscription to membership changes, and following
	// the work they cause; both end when the engine stops.
	topology  *eventstream.Subscription
	following sync.WaitGroup
	unfollow  context.CancelFunc

	// ctx lives until Stop: the grains' database and Redis work and their
	// timers stop with it.
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

// Start joins (or, by default, forms) the cluster, loads the couriers' last
// known positions into the GEO index, and re-activates every order still
// awaiting acceptance, so that accept deadlines run across restarts: an
// overdue order is rejected at once.
func Start(ctx context.Context, cfg Config, deps Deps) (*Engine, error) {
	if err := deps.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Cluster.validate(); err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	e := &Engine{cfg: cfg, deps: deps, log: deps.Logger.With("component", "actors"),
		couriers: courierIndex{rdb: deps.Redis, key: cfg.Dispatch.PositionsKey}}
	e.ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := e.startCluster(ctx); err != nil {
		e.cancel()
		return nil, err
	}
	if e.sharedProvider {
		e.followTopology()
	}
	if err := e.couriers.seed(ctx, deps.Store.Couriers); err != nil {
		e.Stop()
		return nil, fmt.Errorf("actors: load courier positions: %w", err)
	}
	if failed, err := e.rearmAcceptDeadlines(ctx); err != nil || len(failed) > 0 {
		e.Stop()
		return nil, fmt.Errorf("actors: re-arm accept deadlines: %d orders unreached: %v", len(failed), err)
	}
	return e, nil
}

// startCluster starts the actor system and joins the cluster as a member
// hosting both grain kinds.
func (e *Engine) startCluster(ctx context.Context) (err error) {
	provider, err := e.cfg.Cluster.provider(ctx)
	if err != nil {
		return err
	}
	e.sharedProvider = e.cfg.Cluster.shared()
	quiet := slog.New(minLevel{e.deps.Logger.Handler().WithAttrs([]slog.Attr{slog.String("component", "protoactor")}), slog.LevelWarn})
	e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	var remoteOpts []remote.ConfigOption
	if e.cfg.Cluster.AdvertisedHost != "" {
		remoteOpts = append(remoteOpts, remote.WithAdvertisedHost(e.cfg.Cluster.AdvertisedHost))
	}
	ccfg := cluster.Configure(e.cfg.Cluster.Name, provider, disthash.New(),
		remote.Configure(e.cfg.Cluster.Host, e.cfg.Cluster.Port, remoteOpts...),
		cluster.WithRequestTimeout(e.cfg.RequestTimeout),
		cluster.WithKinds(
			cluster.NewKind(kindOrder, actor.PropsFromProducer(func() actor.Actor { return &orderGrain{e: e} })),
			cluster.NewKind(kindRestaurant, actor.PropsFromProducer(func() actor.Actor { return &restaurantGrain{e: e} })),
		))
	e.cluster = cluster.New(e.system, ccfg)
	// protoactor reports a member that cannot start by panicking.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("actors: start cluster member: %v", r)
		}
	}()
	e.cluster.StartMember()
	e.members.Store(int32(e.cluster.MemberList.Length()))
	return nil
}

// provider returns how this node finds the cluster's members.
func (c ClusterConfig) provider(ctx context.Context) (cluster.ClusterProvider, error) {
	switch {
	case c.Provider != nil:
		return c.Provider, nil
	case len(c.Etcd) > 0:
		return newEtcdMembers(ctx, c.Etcd)
	default:
		return test.NewTestProvider(test.NewInMemAgent()), nil
	}
}

// followTopology follows the cluster's membership from now until the
// engine stops. Grains change hands when it changes: a node that left
// stopped its grains, and their identities now belong to the nodes that
// remain. An order awaiting acceptance runs its deadline only while its
// grain is active, so after every change the orders awaiting acceptance
// are activated again, each on the node that owns it now (an active grain
// just answers). A burst of changes is followed once.
//
// A node whose registration lapsed (etcd out of reach, or the process
// stalled, for longer than the lease) is dropped by the others, which
// never take it back (protoactor blocks members that left), and by itself:
// with protoactor's etcd provider it never counts itself again. It then
// hosts no grains and sends every request to the others, until it is
// restarted, which the error logged asks for.
func (e *Engine) followTopology() {
	ctx, cancel := context.WithCancel(e.ctx)
	e.unfollow = cancel
	changed := make(chan struct{}, 1)
	e.topology = e.system.EventStream.Subscribe(func(ev any) {
		t, ok := ev.(*cluster.ClusterTopology)
		if !ok {
			return
		}
		e.members.Store(int32(len(t.Members)))
		e.log.Info("cluster membership changed", "members", len(t.Members), "joined", len(t.Joined), "left", len(t.Left))
		self := e.system.Address()
		if !slices.ContainsFunc(t.Members, func(m *cluster.Member) bool { return m.Address() == self }) {
			e.stranded.Store(true)
			e.log.Error("this node dropped out of the tracking cluster (its etcd registration lapsed): it hosts no grains until it is restarted", "address", self)
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	e.following.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				e.rearmUntilDone(ctx)
			}
		}
	})
}

// errStranded: this node dropped out of the tracking cluster.
var errStranded = errors.New("this node dropped out of the tracking cluster (its etcd registration lapsed) and hosts no grains until it is restarted")

// InCluster returns an error once this node has dropped out of the
// tracking cluster: it still serves, through the other nodes' grains, but
// only a restart takes it back (see followTopology). dabba serve makes it
// a liveness check.
func (e *Engine) InCluster(context.Context) error {
	if e.stranded.Load() {
		return errStranded
	}
	return nil
}

// rearmAcceptDeadlines activates the grain of every order awaiting
// acceptance; each arms its deadline (or rejects the order when it passed).
// It reads them from PostgreSQL, not from any node's memory, so an order
// committed the instant its node died is armed like the others. It returns
// the orders whose grain could not be reached.
func (e *Engine) rearmAcceptDeadlines(ctx context.Context) ([]int64, error) {
	var ids []int64
	page := store.PageRequest{Limit: store.MaxPageLimit}
	for {
		orders, err := e.deps.Store.Orders.Orders(ctx, store.OrderFilter{Statuses: []store.OrderStatus{store.StatusPlaced}, Page: page})
		if err != nil {
			return nil, err
		}
		for _, o := range orders.Items {
			ids = append(ids, o.ID)
		}
		if orders.Next == "" {
			return e.activate(ctx, ids), nil
		}
		page.Cursor = orders.Next
	}
}

// activate sends Activate to the grains of the orders and returns those
// that did not answer.
func (e *Engine) activate(ctx context.Context, ids []int64) []int64 {
	var mu sync.Mutex
	var failed []int64
	var g errgroup.Group
	g.SetLimit(8)
	for _, id := range ids {
		g.Go(func() error {
			_, err := e.request(ctx, kindOrder, id, &actorspb.Activate{})
			if err != nil && !store.IsKind(err, store.ENOTFOUND) {
				mu.Lock()
				failed = append(failed, id)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	return failed
}

// Re-arming after a membership change retries the orders it could not
// reach, from rearmFirst doubling up to rearmMax, until each answered.
const (
	rearmFirst = time.Second
	rearmMax   = 30 * time.Second
)

// rearmUntilDone re-arms every accept deadline and keeps retrying the
// orders whose grain did not answer (their new owner was still taking
// over) until all did or ctx ends.
func (e *Engine) rearmUntilDone(ctx context.Context) {
	failed, err := e.rearmAcceptDeadlines(ctx)
	for wait := rearmFirst; ctx.Err() == nil && (err != nil || len(failed) > 0); wait = min(2*wait, rearmMax) {
		e.log.Warn("re-arm accept deadlines after a membership change; retrying", "unreached", len(failed), "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if err != nil {
			failed, err = e.rearmAcceptDeadlines(ctx)
		} else {
			failed = e.activate(ctx, failed)
		}
	}
}

// Stop passivates every grain on this node (each stores what it still
// buffers, such as tracking points) and leaves the cluster. It is safe to
// call more than once.
func (e *Engine) Stop() {
	e.once.Do(func() {
		if e.unfollow != nil {
			e.system.EventStream.Unsubscribe(e.topology)
			e.unfollow()
			e.following.Wait()
		}
		e.cluster.Gossip.SetState(cluster.GracefullyLeftKey, &emptypb.Empty{})
		// Stopping the identity lookup stops its grains and waits for them.
		e.cluster.IdentityLookup.Shutdown()
		e.leave(true)
		e.cancel()
	})
}

// leave stops gossiping, leaves the cluster and closes the remoting.
// protoactor's gossip loop reads the member block list unsynchronised and
// notices that it should stop only at its next tick; a provider leaving
// rewrites that list. So the loop gets one gossip interval to end first.
func (e *Engine) leave(graceful bool) {
	c := e.cluster
	c.Gossip.Shutdown()
	c.ActorSystem.Shutdown()
	if e.sharedProvider {
		time.Sleep(c.Config.GossipInterval)
		if err := c.Config.ClusterProvider.Shutdown(graceful); err != nil {
			e.log.Warn("leave the cluster", "error", err)
		}
	}
	c.Remote.Shutdown(graceful)
}

// Activations reports how many order and restaurant grains this node
// holds in memory: the actors activated and not yet passivated.
func (e *Engine) Activations() (orders, restaurants int) {
	count := func(kind string) int {
		if k, ok := e.cluster.TryGetClusterKind(kind); ok {
			return int(k.Count())
		}
		return 0
	}
	return count(kindOrder), count(kindRestaurant)
}

// Grain requests. A request that reaches a grain after it passivated, or
// after its node left the cluster, is a dead letter; it is sent again, to a
// fresh activation, after a pause that lets the cluster forget the stopped
// one. So is a request no node would activate the grain for, as while the
// node owning it leaves: the others do not route to it once they notice.
// A request that times out is not repeated: the grain may have done the
// work. But a request waiting on a node that died (kill -9, a lost
// machine) is sent again to the grain's new owner as soon as the cluster
// drops the dead node — when doing it twice is doing it once (repeatable)
// — instead of waiting out the request timeout.
const (
	maxDeadLetterRetries = 10
	deadLetterPause      = 10 * time.Millisecond
	// hostCheckEvery is how often a request waiting on another node checks
	// that the node is still a member.
	hostCheckEvery = 100 * time.Millisecond
)

// errNoHost: no cluster member activated the grain.
var errNoHost = errors.New("no cluster member hosts it")

// errHostLeft: the node hosting the grain left the cluster while the
// request waited for its answer.
var errHostLeft = errors.New("the node hosting it left the cluster")

// request sends msg to the grain of the given kind and ID and returns its
// reply's record, or its error.
func (e *Engine) request(ctx context.Context, kind string, id int64, msg proto.Message) (*actorspb.Reply, error) {
	identity := strconv.FormatInt(id, 10)
	deadline := time.Now().Add(e.cfg.RequestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for attempt := 0; ; attempt++ {
		timeout := time.Until(deadline)
		if timeout <= 0 || ctx.Err() != nil {
			return nil, unavailable(kind, id, context.DeadlineExceeded)
		}
		var res any
		err := errNoHost
		if pid := e.pid(identity, kind); pid != nil && !e.hostLeft(pid) {
			res, err = e.await(pid, msg, timeout)
		}
		again := errors.Is(err, errNoHost) || isDeadLetter(err) || (errors.Is(err, errHostLeft) && repeatable(msg))
		if again && attempt < maxDeadLetterRetries {
			e.cluster.PidCache.Remove(identity, kind)
			time.Sleep(time.Duration(attempt+1) * deadLetterPause)
			continue
		}
		if err != nil {
			return nil, unavailable(kind, id, err)
		}
		r, ok := res.(*actorspb.Reply)
		if !ok {
			return nil, fmt.Errorf("actors: %s %d answered %T", kind, id, res)
		}
		return r, fromError(r.GetError())
	}
}

// await sends msg to pid and waits up to timeout for the answer, or until
// pid's node leaves the cluster (errHostLeft).
func (e *Engine) await(pid *actor.PID, msg proto.Message, timeout time.Duration) (any, error) {
	f := e.system.Root.RequestFuture(pid, msg, timeout)
	if pid.Address == e.system.Address() {
		return f.Result()
	}
	type answer struct {
		res any
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := f.Result()
		done <- answer{res, err}
	}()
	tick := time.NewTicker(hostCheckEvery)
	defer tick.Stop()
	for {
		select {
		case a := <-done:
			return a.res, a.err
		case <-tick.C:
			if e.hostLeft(pid) {
				return nil, errHostLeft
			}
		}
	}
}

// hostLeft reports whether pid lives on a node that is no longer a member
// of the cluster.
func (e *Engine) hostLeft(pid *actor.PID) bool {
	if pid.Address == e.system.Address() {
		return false
	}
	return !slices.ContainsFunc(e.cluster.MemberList.Members().Members(), func(m *cluster.Member) bool { return m.Address() == pid.Address })
}

// repeatable reports whether msg may be sent again to a grain's new owner
// after the node holding it died while the grain may have handled it:
// whether handling it twice is handling it once. A status change, an
// assignment, a position or a kitchen setting repeated finds itself done
// (or adds the same point); a placement is repeatable only under its
// idempotency key, which PostgreSQL answers with the first order.
func repeatable(msg proto.Message) bool {
	if p, ok := msg.(*actorspb.PlaceOrder); ok {
		return p.GetIdempotencyKey() != ""
	}
	return true
}

// pid returns where the grain lives, activating it if needed.
func (e *Engine) pid(identity, kind string) *actor.PID {
	if pid, ok := e.cluster.PidCache.Get(identity, kind); ok {
		return pid
	}
	pid := e.cluster.Get(identity, kind)
	if pid != nil {
		e.cluster.PidCache.Set(identity, kind, pid)
	}
	return pid
}

func isDeadLetter(err error) bool {
	return errors.Is(err, actor.ErrDeadLetter) || errors.Is(err, remote.ErrDeadLetter)
}

func unavailable(kind string, id int64, err error) error {
	return &store.Error{Kind: store.EUNAVAILABLE, Code: "engine_unavailable",
		Message: fmt.Sprintf("the %s %d did not answer in time (%v); retry", kind, id, err)}
}

// call sends msg to a grain and decodes the record it answers into a new T.
func call[T any](ctx context.Context, e *Engine, kind string, id int64, msg proto.Message) (*T, error) {
	r, err := e.request(ctx, kind, id, msg)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := decodeReply(r, v); err != nil {
		return nil, err
	}
	return v, nil
}

// minLevel drops records below a level: protoactor logs its routine
// (members starting, placement actors, dead letters after passivation) at
// info and debug.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

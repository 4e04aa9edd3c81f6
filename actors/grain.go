package actors

import (
	"context"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/proto"
)

// What the order and restaurant grains share: their identity, the context
// their work runs under, timers, and answering requests.

// missingIdle is how long the grain of an order or restaurant that does not
// exist stays to answer so. Stopping at once would turn requests already
// queued into dead letters, and their retries into activations, one after
// the other.
const missingIdle = time.Second

// grainID returns the numeric ID a grain is addressed by.
func grainID(ctx actor.Context) int64 {
	id, _ := strconv.ParseInt(cluster.GetClusterIdentity(ctx).Identity, 10, 64)
	return id
}

// opContext bounds one piece of a grain's work (a query, a cache write) by
// the request timeout, under the engine's lifetime.
func (e *Engine) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.ctx, e.cfg.RequestTimeout)
}

// after sends msg to the grain itself once d has passed, unless the engine
// stopped meanwhile. Grains stop their timers when they stop.
func (e *Engine) after(ctx actor.Context, d time.Duration, msg proto.Message) *time.Timer {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	return time.AfterFunc(max(d, 0), func() {
		if e.ctx.Err() == nil {
			root.Send(self, msg)
		}
	})
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// answer runs the handler of a request and responds with its result. A
// panicking handler still answers (with an internal error, so the caller
// does not wait out its timeout) before the panic reaches the supervisor,
// which restarts the grain; the new instance reloads its state.
func answer[T any](ctx actor.Context, what string, handle func() (T, error)) {
	defer func() {
		if r := recover(); r != nil {
			if ctx.Sender() != nil {
				ctx.Respond(reply(nil, errInternal(what)))
			}
			panic(r)
		}
	}()
	v, err := handle()
	if ctx.Sender() != nil {
		ctx.Respond(reply(v, err))
	}
}

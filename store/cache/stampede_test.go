package cache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store/cache/redistest"
)

func TestGet_ThousandConcurrentMissesOnTwoNodesLoadOnce(t *testing.T) {
	rdb, prefix := redistest.New(t)
	nodes := []*Cache{newCacheOn(t, rdb, prefix), newCacheOn(t, rdb, prefix)}
	src := newRecord()
	src.set("hot", 42)
	// A slow source, so that every reader arrives while the first load runs.
	src.onLoad = func(string) { time.Sleep(150 * time.Millisecond) }

	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Go(func() {
			<-start
			v, err := Get(context.Background(), nodes[i%2], thingKey("hot"), src.loader("hot"))
			if err == nil && v.Version != 42 {
				t.Errorf("read version %d, want 42", v.Version)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	if n := src.loads.Load(); n != 1 {
		t.Fatalf("1000 concurrent misses on two nodes loaded the source %d times, want 1", n)
	}
}

func TestGet_WaiterLoadsItselfWhenTheFillerIsTooSlow(t *testing.T) {
	rdb, prefix := redistest.New(t)
	slowNode := newCacheOn(t, rdb, prefix)
	waiter := newCacheOn(t, rdb, prefix, func(cfg *Config) { cfg.LeaseWait = 100 * time.Millisecond })
	src := newRecord()
	src.set("1", 1)
	release := make(chan struct{})
	loading := make(chan struct{})
	slowLoad := func(ctx context.Context) (versioned, error) {
		close(loading)
		<-release
		return versioned{ID: "1", Version: 1}, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = Get(context.Background(), slowNode, thingKey("1"), slowLoad)
	}()
	<-loading

	v := mustGet(t, waiter, thingKey("1"), src.loader("1"))
	close(release)
	<-done

	if v.Version != 1 || src.loads.Load() != 1 {
		t.Fatalf("waiter read %+v after %d loads of its own; want version 1 from one load", v, src.loads.Load())
	}
}

package cache

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store/cache/redistest"
)

// No read after an acknowledged write may return older data. These tests
// interleave writers and readers against dabba's cache and against a naive
// delete-then-set cache, to show that they catch the classic race: a reader
// loads the old value, a writer updates the source and deletes the entry,
// then the reader stores the old value it loaded.

// counterSource is a record whose version every write increments.
type counterSource struct {
	mu      sync.Mutex
	version int
	// afterRead runs in a load between reading the source and returning,
	// where a slow reader is overtaken by a writer.
	afterRead func()
}

func (s *counterSource) load(ctx context.Context) (int, error) {
	s.mu.Lock()
	v := s.version
	s.mu.Unlock()
	if s.afterRead != nil {
		s.afterRead()
	}
	return v, nil
}

func (s *counterSource) increment(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	return s.version, nil
}

// cacheUnderTest is a cache with a read path and a write path over a
// counterSource.
type cacheUnderTest interface {
	read(ctx context.Context, src *counterSource) (int, error)
	write(ctx context.Context, src *counterSource) (int, error)
}

// writeThroughCache is dabba's cache with writes through WriteThrough.
type writeThroughCache struct{ c *Cache }

func (d writeThroughCache) read(ctx context.Context, src *counterSource) (int, error) {
	return Get(ctx, d.c, RestaurantKey(1), src.load)
}

func (d writeThroughCache) write(ctx context.Context, src *counterSource) (int, error) {
	return WriteThrough(ctx, d.c, RestaurantKey(1), src.increment)
}

// invalidatingCache is dabba's cache with writes to the source followed by
// the restaurant's cascade.
type invalidatingCache struct{ c *Cache }

func (d invalidatingCache) read(ctx context.Context, src *counterSource) (int, error) {
	return Get(ctx, d.c, RestaurantKey(1), src.load)
}

func (d invalidatingCache) write(ctx context.Context, src *counterSource) (int, error) {
	v, err := src.increment(ctx)
	if err == nil {
		_, err = d.c.InvalidateRestaurant(ctx, 1)
	}
	return v, err
}

// naiveCache is the textbook cache: GET, on a miss load and SET; on a write,
// update the source and DEL.
type naiveCache struct {
	rdb *redis.Client
	key string
}

func (n naiveCache) read(ctx context.Context, src *counterSource) (int, error) {
	if raw, err := n.rdb.Get(ctx, n.key).Result(); err == nil {
		return strconv.Atoi(raw)
	}
	v, err := src.load(ctx)
	if err != nil {
		return 0, err
	}
	return v, n.rdb.Set(ctx, n.key, v, time.Minute).Err()
}

func (n naiveCache) write(ctx context.Context, src *counterSource) (int, error) {
	v, err := src.increment(ctx)
	if err != nil {
		return 0, err
	}
	return v, n.rdb.Del(ctx, n.key).Err()
}

// slowReaderOvertaken plays the race deterministically: a reader misses and
// reads version 0, a writer writes version 1 and is acknowledged, the
// reader stores what it read; it returns what a read after the
// acknowledgement sees.
func slowReaderOvertaken(t *testing.T, cut cacheUnderTest) int {
	t.Helper()
	ctx := context.Background()
	src := &counterSource{}
	loaded, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	src.afterRead = func() {
		once.Do(func() {
			close(loaded)
			<-resume
		})
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		_, _ = cut.read(ctx, src)
	}()
	<-loaded
	acked, err := cut.write(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	close(resume)
	<-readerDone
	after, err := cut.read(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if acked != 1 {
		t.Fatalf("write acknowledged version %d, want 1", acked)
	}
	return after
}

// interleave runs writers and readers at once; every read must return at
// least the highest version acknowledged before it started. It returns the
// number of reads that did not.
func interleave(t *testing.T, cut cacheUnderTest, writers, readers, writes int) int64 {
	t.Helper()
	ctx := context.Background()
	src := &counterSource{afterRead: func() { time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond) }}
	var acked, stale atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := acked.Load()
				v, err := cut.read(ctx, src)
				if err != nil {
					t.Error(err)
					return
				}
				if int64(v) < floor {
					stale.Add(1)
				}
			}
		})
	}
	var writersWG sync.WaitGroup
	for range writers {
		writersWG.Go(func() {
			for range writes / writers {
				v, err := cut.write(ctx, src)
				if err != nil {
					t.Error(err)
					return
				}
				for {
					cur := acked.Load()
					if int64(v) <= cur || acked.CompareAndSwap(cur, int64(v)) {
						break
					}
				}
				time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
			}
		})
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	return stale.Load()
}

func TestNoStaleReadAfterWrite_SlowReaderOvertakenByWriter(t *testing.T) {
	for name, cut := range map[string]func(*Cache) cacheUnderTest{
		"write-through": func(c *Cache) cacheUnderTest { return writeThroughCache{c} },
		"invalidation":  func(c *Cache) cacheUnderTest { return invalidatingCache{c} },
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newCache(t)
			if v := slowReaderOvertaken(t, cut(c)); v != 1 {
				t.Fatalf("read after the acknowledged write returned version %d, want 1", v)
			}
		})
	}
}

func TestNoStaleReadAfterWrite_InterleavedWritersAndReaders(t *testing.T) {
	for name, cut := range map[string]func(*Cache) cacheUnderTest{
		"write-through": func(c *Cache) cacheUnderTest { return writeThroughCache{c} },
		"invalidation":  func(c *Cache) cacheUnderTest { return invalidatingCache{c} },
	} {
		t.Run(name, func(t *testing.T) {
			rdb, prefix := redistest.New(t)
			// Two nodes share the writes and reads.
			a, b := cut(newCacheOn(t, rdb, prefix)), cut(newCacheOn(t, rdb, prefix))
			if n := interleave(t, twoNodes{a, b}, 4, 8, 200); n != 0 {
				t.Fatalf("%d reads returned a version older than one already acknowledged", n)
			}
		})
	}
}

// twoNodes alternates reads and writes between two nodes of one fleet.
type twoNodes struct{ a, b cacheUnderTest }

func (n twoNodes) pick() cacheUnderTest {
	if rand.IntN(2) == 0 {
		return n.a
	}
	return n.b
}

func (n twoNodes) read(ctx context.Context, src *counterSource) (int, error) {
	return n.pick().read(ctx, src)
}

func (n twoNodes) write(ctx context.Context, src *counterSource) (int, error) {
	return n.pick().write(ctx, src)
}

func TestNaiveDeleteThenSetCache_FailsTheSameChecks(t *testing.T) {
	rdb, prefix := redistest.New(t)

	if v := slowReaderOvertaken(t, naiveCache{rdb, prefix + ":naive:1"}); v == 1 {
		t.Fatal("the deterministic check did not catch the naive cache's stale read")
	}
	if n := interleave(t, naiveCache{rdb, prefix + ":naive:2"}, 4, 8, 200); n == 0 {
		t.Fatal("the interleaving check did not catch the naive cache's stale reads")
	}
}

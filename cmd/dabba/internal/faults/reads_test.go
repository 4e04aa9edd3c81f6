package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// readLoad is readers of restaurants and a writer renaming them, run
// together so that every read can be checked for freshness: a read that
// began after a rename was acknowledged must show that name or a newer one.
type readLoad struct {
	mu sync.Mutex
	// version is the last acknowledged rename of each restaurant.
	version map[int64]int
	// reads counts the readers' answers by status; stale the fresh-checked
	// reads that showed an older name than one acknowledged before them.
	reads    map[int]int
	stale    int
	staleMsg []string
	// stales counts the reads answered from an expired copy (stale-if-error).
	stales int
	// refused holds the restaurants a read of which answered 503.
	refused map[int64]bool
	// writes counts the writer's answers by status; writeLatencies are the
	// acknowledged renames' latencies, by phase.
	writes         map[int]int
	writeLatencies []time.Duration
	wait           func()
}

// versioned is the restaurant's name at rename v.
func versioned(restaurant int64, v int) string { return fmt.Sprintf("Kitchen %d v%d", restaurant, v) }

// versionOf reads v back from a name; names never renamed are version 0.
func versionOf(name string) int {
	_, v, ok := strings.Cut(name, " v")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

// readAndRename runs readers reading the city's restaurants as customers
// and one writer renaming them as their owners (every interval), through
// n, until ctx ends.
func readAndRename(ctx context.Context, t *testing.T, n *node, c city, readers int, interval time.Duration) *readLoad {
	l := &readLoad{version: map[int64]int{}, reads: map[int]int{}, writes: map[int]int{}, refused: map[int64]bool{}}
	var wg sync.WaitGroup
	for i := range readers {
		api := n.As(store.RoleCustomer, c.customers[i%len(c.customers)])
		wg.Go(func() {
			for k := i; ctx.Err() == nil; k++ {
				l.read(ctx, api, c.restaurants[k%len(c.restaurants)])
			}
		})
	}
	wg.Go(func() {
		for k := 0; ctx.Err() == nil; k++ {
			l.rename(ctx, n, c.restaurants[k%len(c.restaurants)])
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	})
	l.wait = wg.Wait
	t.Cleanup(wg.Wait)
	return l
}

func (l *readLoad) read(ctx context.Context, api *client.ClientWithResponses, id int64) {
	l.mu.Lock()
	before := l.version[id]
	l.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := api.GetRestaurantWithResponse(rctx, id)
	if ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.reads[0]++
		return
	}
	l.reads[res.StatusCode()]++
	if res.StatusCode() == http.StatusServiceUnavailable {
		l.refused[id] = true
	}
	if res.StatusCode() != http.StatusOK {
		return
	}
	if strings.Contains(res.HTTPResponse.Header.Get("Cache-Status"), "stale") {
		l.stales++
		return // an expired copy, served because the source is away
	}
	if got := versionOf(res.JSON200.Name); got < before {
		l.stale++
		if len(l.staleMsg) < 5 {
			l.staleMsg = append(l.staleMsg, fmt.Sprintf("restaurant %d read as v%d after v%d was acknowledged", id, got, before))
		}
	}
}

func (l *readLoad) rename(ctx context.Context, n *node, id int64) {
	l.mu.Lock()
	next := l.version[id] + 1
	l.mu.Unlock()
	name := versioned(id, next)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	begin := time.Now()
	res, err := n.As(store.RoleRestaurant, id).UpdateRestaurantWithResponse(rctx, id, client.RestaurantPatch{Name: &name})
	if ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.writes[0]++
		return
	}
	l.writes[res.StatusCode()]++
	if res.StatusCode() == http.StatusOK {
		l.version[id] = max(l.version[id], next)
		l.writeLatencies = append(l.writeLatencies, time.Since(begin))
	}
}

// expectFresh fails the test for every stale read.
func (l *readLoad) expectFresh(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.staleMsg {
		t.Error(m)
	}
	if l.stale > 0 {
		t.Errorf("%d reads were stale", l.stale)
	}
}

// phase takes the counters since the last phase and starts new ones.
func (l *readLoad) phase() (reads, writes map[int]int, writeLatencies []time.Duration, stales int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	reads, writes, writeLatencies, stales = l.reads, l.writes, l.writeLatencies, l.stales
	l.reads, l.writes, l.writeLatencies, l.stales = map[int]int{}, map[int]int{}, nil, 0
	l.refused = map[int64]bool{}
	return
}

// refusedRestaurants is how many restaurants had a read answer 503 since
// the last phase.
func (l *readLoad) refusedRestaurants() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.refused)
}

// phase takes the placements' latencies and statuses since the last phase
// and starts new ones.
func (l *orderLoad) phase() (statuses map[int]int, latencies []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	statuses, latencies = l.statuses, l.latencies
	l.statuses, l.latencies = map[int]int{}, nil
	return
}

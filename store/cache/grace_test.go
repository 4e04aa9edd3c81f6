package cache

import (
	"context"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

// shortLived makes the catalogue's entries live 200 ms, so a test sees
// them expire.
func shortLived(cfg *Config) {
	cfg.TTLOverrides = map[Class]time.Duration{ClassRestaurants: 200 * time.Millisecond, ClassOrders: 200 * time.Millisecond}
}

// expiredThing is a cache whose thing 1 (version 1) was cached and has
// expired, and the record behind it.
func expiredThing(t *testing.T) (*Cache, *record) {
	t.Helper()
	c, _ := newCache(t, shortLived)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))
	time.Sleep(300 * time.Millisecond)
	return c, src
}

// away is a source that is unavailable.
func away(context.Context) (versioned, error) {
	return versioned{}, store.Errorf(store.EUNAVAILABLE, "database_unavailable", "the database is away")
}

func TestStaleIfError_AnExpiredEntryAnswersWhileTheSourceIsAway(t *testing.T) {
	c, src := expiredThing(t)

	ctx := WithStaleNotice(context.Background())
	v, err := Get(ctx, c, thingKey("1"), away)
	if err != nil || v.Version != 1 {
		t.Fatalf("read of an expired entry with the source away = %+v, %v; want version 1 from its copy", v, err)
	}
	if !ServedStale(ctx) {
		t.Error("the stale answer was not marked stale")
	}
	// Once the source answers, reads are fresh again.
	src.set("1", 2)
	fresh := WithStaleNotice(context.Background())
	if v, err := Get(fresh, c, thingKey("1"), src.loader("1")); err != nil || v.Version != 2 || ServedStale(fresh) {
		t.Fatalf("read with the source back = %+v, %v (stale %t); want version 2, fresh", v, err, ServedStale(fresh))
	}
}

func TestStaleIfError_NeverAnswersWithAnInvalidatedEntry(t *testing.T) {
	c, _ := newCache(t, shortLived)
	src := newRecord()
	src.set("1", 1)
	ctx := context.Background()
	invalidations := map[string]func(Key){
		"a cascade": func(Key) {
			if _, err := c.InvalidateRestaurant(ctx, 1); err != nil {
				t.Fatal(err)
			}
		},
		"a write whose outcome is unknown": func(k Key) {
			ambiguous := func(context.Context) (versioned, error) {
				return versioned{}, store.Errorf(store.EUNAVAILABLE, "database_unavailable", "the connection broke")
			}
			_, _ = WriteThrough(ctx, c, k, ambiguous)
		},
	}
	for name, invalidate := range invalidations {
		k := RestaurantKey(1)
		mustGet(t, c, k, src.loader("1"))
		invalidate(k)
		if v, err := Get(WithStaleNotice(ctx), c, k, away); !store.IsKind(err, store.EUNAVAILABLE) {
			t.Errorf("after %s, a read with the source away = %+v, %v; want the source's unavailability, not a stale copy", name, v, err)
		}
	}
}

func TestStaleIfError_OnlyForAnUnavailableSourceAndTheCatalogue(t *testing.T) {
	c, _ := newCache(t, shortLived)
	src := newRecord()
	src.set("1", 1)
	order := Key{Class: ClassOrders, Type: "order", ID: "1"}
	mustGet(t, c, thingKey("1"), src.loader("1"))
	mustGet(t, c, order, src.loader("1"))
	time.Sleep(300 * time.Millisecond)

	broken := func(context.Context) (versioned, error) {
		return versioned{}, store.Errorf(store.EINTERNAL, "", "a bug")
	}
	if _, err := Get(context.Background(), c, thingKey("1"), broken); !store.IsKind(err, store.EINTERNAL) {
		t.Errorf("a failing source that is not away answered %v; want its error, not a stale copy", err)
	}
	if _, err := Get(context.Background(), c, order, away); !store.IsKind(err, store.EUNAVAILABLE) {
		t.Errorf("an expired order with the source away answered %v; want no stale copy outside the catalogue", err)
	}
}

func TestStaleIfError_AWriteThatNeverReachedTheSourceKeepsTheCopy(t *testing.T) {
	c, _ := expiredThing(t)
	unreached := func(context.Context) (versioned, error) {
		return versioned{}, &store.Error{Kind: store.EUNAVAILABLE, Code: "database_unavailable", Message: "cannot connect", Unapplied: true}
	}
	if _, err := WriteThrough(context.Background(), c, thingKey("1"), unreached); err == nil {
		t.Fatal("write error was swallowed")
	}

	if v, err := Get(context.Background(), c, thingKey("1"), away); err != nil || v.Version != 1 {
		t.Fatalf("read after an unapplied write with the source away = %+v, %v; want version 1 from the copy", v, err)
	}
}

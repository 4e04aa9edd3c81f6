package cache

import (
	"context"
	"testing"
)

func TestHealth_ReportsAServingCache(t *testing.T) {
	c, _ := newCache(t)
	h := c.Health(context.Background())
	if h.Status != "healthy" || h.Redis != "up" || h.Breaker != "closed" || h.Prefix != c.cfg.Prefix || h.Profile != ProfileProduction {
		t.Fatalf("health = %+v", h)
	}
	d := c.DetailedHealth(context.Background())
	if len(d.Reasons) != 0 || d.Server.Version == "" || d.Memory.UsedBytes == 0 || len(d.Generations) != len(Namespaces()) ||
		d.Memory.AlertThresholdBytes == 0 {
		t.Fatalf("detailed health = %+v", d)
	}
}

func TestMemoryUsage_EstimatesEachNamespace(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	for i := range 20 {
		fill(t, c, src, RestaurantKey(int64(i)))
	}
	for i := range 5 {
		fill(t, c, src, MenuItemKey(int64(i)))
	}

	u, err := c.MemoryUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byNS := map[Namespace]NamespaceMemory{}
	for _, nm := range u.Namespaces {
		byNS[nm.Namespace] = nm
	}
	r, s := byNS[NamespaceRestaurants], byNS[NamespaceStatic]
	if r.Keys != 20 || r.SampledKeys != 20 || r.AverageKeyBytes <= 0 || r.EstimatedBytes <= 0 {
		t.Fatalf("restaurants = %+v, want 20 keys measured", r)
	}
	if s.Keys != 5 || byNS[NamespaceOrders].Keys != 0 || !u.Complete || u.Redis.UsedBytes == 0 {
		t.Fatalf("usage = %+v", u)
	}
}

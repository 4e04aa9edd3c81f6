package jobs_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store/cache"
)

func TestParseWarmIntervals(t *testing.T) {
	got, err := jobs.ParseWarmIntervals(" restaurants=15m, static=off,analytics=0 ")
	want := map[cache.Namespace]time.Duration{cache.NamespaceRestaurants: 15 * time.Minute, cache.NamespaceStatic: -1, cache.NamespaceAnalytics: -1}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parsed %v (%v), want %v", got, err, want)
	}
	for _, bad := range []string{"kitchens=5m", "restaurants", "restaurants=soon", "restaurants=-5m"} {
		if _, err := jobs.ParseWarmIntervals(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

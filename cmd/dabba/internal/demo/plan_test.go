package demo

import (
	"reflect"
	"testing"
)

func TestNewPlan_TheSeedDecidesEveryRecord(t *testing.T) {
	plan := func(seed uint64) *plan {
		p, err := newPlan(Options{Seed: seed}.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if !reflect.DeepEqual(plan(7), plan(7)) {
		t.Error("two plans of seed 7 differ")
	}
	if reflect.DeepEqual(plan(7).orders, plan(8).orders) {
		t.Error("seeds 7 and 8 plan the same orders")
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// The apps' shared modules, exercised in the browser they run in.

func TestMoneyIsFormattedFromMinorUnitsWithoutFloats(t *testing.T) {
	srv := apitest.New(t)
	b := openBrowser(t, srv.URL())
	b.open("/app/")
	got := eval[map[string]string](b, `import("/static/app/format.js").then((f) => ({
		rupees: f.decimal(32050, 2),
		paise: f.decimal(-5, 2),
		yen: f.decimal(500, 0),
		dinars: f.decimal(1234, 3),
		inr: f.money({amount: 32050, currency: "INR"}, "en-US"),
		inrWant: new Intl.NumberFormat("en-US", {style: "currency", currency: "INR"}).format("320.50"),
		jpy: f.money({amount: 500, currency: "JPY"}, "en-US"),
		jpyWant: new Intl.NumberFormat("en-US", {style: "currency", currency: "JPY"}).format("500"),
		huge: f.money({amount: 9007199254740991, currency: "INR"}, "en-US"),
	}))`)
	for k, want := range map[string]string{"rupees": "320.50", "paise": "-0.05", "yen": "500", "dinars": "1.234", "inr": got["inrWant"], "jpy": got["jpyWant"]} {
		if got[k] != want {
			t.Errorf("%s: %q, want %q", k, got[k], want)
		}
	}
	// 2⁵³−1 paise: a float division would lose the last paisa.
	if want := "₹90,071,992,547,409.91"; got["huge"] != want {
		t.Errorf("huge: %q, want %q", got["huge"], want)
	}
}

func TestTheAppsReadTheTransitionTableTheServerEnforces(t *testing.T) {
	srv := apitest.New(t)
	b := openBrowser(t, srv.URL())
	b.open("/app/")
	raw := eval[string](b, `import("/static/app/lifecycle.js").then((l) => l.loadTransitions()).then(JSON.stringify)`)
	var got []struct {
		From, To string
		Roles    []string
		Reasons  []string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	want := store.Transitions()
	if len(got) != len(want) {
		t.Fatalf("the apps read %d moves, the server enforces %d", len(got), len(want))
	}
	for i, tr := range want {
		roles := make([]string, len(tr.Roles))
		for j, r := range tr.Roles {
			roles[j] = string(r)
		}
		var reasons []string
		if tr.NeedsReason {
			reasons = store.ReasonCodes(tr.To)
		}
		g := got[i]
		if g.From != string(tr.From) || g.To != string(tr.To) || !slices.Equal(g.Roles, roles) || !slices.Equal(g.Reasons, reasons) {
			t.Errorf("move %d: the apps read %+v, the server enforces %+v with reasons %v", i, g, tr, reasons)
		}
	}
}

func TestLiveResumesAfterTheLastSequenceAndReportsRefusals(t *testing.T) {
	srv := apitest.New(t)
	publish := func(typ string, delivery realtime.Delivery) {
		t.Helper()
		if _, err := srv.Broker.Publish(ctx, "cache:console", realtime.Publication{Type: typ, Data: json.RawMessage(`{}`), Delivery: delivery}); err != nil {
			t.Fatal(err)
		}
	}
	for _, typ := range []string{"one", "two", "three"} {
		publish(typ, realtime.Ordered)
	}
	b := openBrowser(t, srv.URL())
	b.open("/app/")
	eval[bool](b, fmt.Sprintf(`import("/static/app/live.js").then(({Live}) => {
		window.seen = [];
		window.states = [];
		const live = new Live({token: %s, onState: (s) => states.push(s)});
		window.position = live.watch("cache:console", {since: 1, onEvent: (f) => seen.push(f.type + ":" + f.seq)});
		window.refusals = [];
		new Live({token: %s}).watch("cache:console", {onError: (f) => refusals.push(f.code)});
		window.badToken = [];
		new Live({token: "not-a-token", onState: (s) => badToken.push(s)}).watch("order:1", {});
		return true;
	})`, js(srv.Token(store.RoleAdmin, 0)), js(srv.Token(store.RoleCustomer, 7))))

	b.waitFor("the events after sequence 1", `seen.length === 2`)
	if got := eval[[]string](b, `seen`); !slices.Equal(got, []string{"two:2", "three:3"}) {
		t.Errorf("resuming after 1 replayed %v, want two:2 and three:3", got)
	}
	publish("where", realtime.LatestWins)
	publish("four", realtime.Ordered)
	b.waitFor("the live events", `seen.length === 4`)
	if got := eval[[]string](b, `seen`); !slices.Equal(got[2:], []string{"where:3", "four:4"}) {
		t.Errorf("live events %v, want where:3 (latest-wins, the current sequence) then four:4", got[2:])
	}
	if got := eval[int](b, `position.seq`); got != 4 {
		t.Errorf("the position is %d after event 4", got)
	}
	if !eval[bool](b, `states.some((s) => s.state === "live")`) {
		t.Errorf("the connection never reported itself live: %v", eval[string](b, `JSON.stringify(states)`))
	}

	b.waitFor("the customer refused the cache console", `refusals.length === 1`)
	if got := eval[string](b, `refusals[0]`); got != "forbidden" {
		t.Errorf("a customer watching cache:console is refused with %q, want forbidden", got)
	}
	b.waitFor("the bad token refused for good", `badToken.some((s) => s.state === "stopped")`)
	if !eval[bool](b, `badToken.every((s) => s.state !== "waiting")`) {
		t.Errorf("a refused token is retried: %s", eval[string](b, `JSON.stringify(badToken)`))
	}
}

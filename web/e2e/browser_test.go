package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is the browser the tests drive: $CHROMIUM_PATH, else
// Debian's /usr/bin/chromium.
//
// A missing browser fails the test instead of skipping it: `make test`
// installs Chromium before it runs the tests (.ci/services.sh), so its
// absence means a broken setup, and a skip would let CI pass without a
// single page having been opened.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("Chromium is needed for the browser tests and is not at %s (%v): run them with `make test`, "+
			"which installs it, or install it (apt-get install chromium) and set CHROMIUM_PATH", path, err)
	}
	return path
}

// browser is a headless Chromium with one tab, open on a dabba node.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu sync.Mutex
	// faults are uncaught exceptions and policy violations the pages caused.
	faults []string
}

// openBrowser starts a fresh Chromium (its own profile, no network but the
// test's) for the test, pointed at base. Every uncaught exception or
// Content-Security-Policy violation on a page fails the test when it ends.
func openBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		// The tests run as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 960),
	}
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, stopBrowser := chromedp.NewContext(alloc)
	b := &browser{t: t, ctx: ctx, base: base}
	// Subscribing starts the browser and opens the tab.
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.faults = append(b.faults, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		stopBrowser()
		stopAlloc()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, f := range b.faults {
			t.Errorf("the page failed: %s", f)
		}
	})
	return b
}

// do runs the steps, failing the test on an error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.diagnosis())
	}
}

// open navigates to a page of the node and waits until it has loaded its
// state and watches it live (the apps mark <body data-ready>).
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
	b.waitFor(path+" ready", `document.body.dataset.ready === "true"`)
}

// signIn pastes the token into the sign-in page, as a user would.
func (b *browser) signIn(token string) {
	b.t.Helper()
	b.open("/app/")
	b.do("sign in",
		chromedp.SetValue(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS(`#sign-in-form button[type="submit"]`)),
	)
	b.waitFor("signed in", `!document.querySelector("#signed-in").hidden`)
}

// waitFor waits until the JavaScript condition holds on the page.
func (b *browser) waitFor(what, condition string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.t.Fatalf("waiting for %s (%s): %v%s", what, condition, err, b.diagnosis())
	}
}

// click clicks the element the CSS selector finds.
func (b *browser) click(selector string) {
	b.t.Helper()
	b.do("click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// noErrorsShown fails the test when the page shows an error notice.
func (b *browser) noErrorsShown() {
	b.t.Helper()
	if msgs := eval[[]string](b, `[...document.querySelectorAll("#notices .notice.error")].map((n) => n.innerText)`); len(msgs) > 0 {
		b.t.Errorf("the page shows errors: %q", msgs)
	}
}

// eval evaluates a JavaScript expression on the page, awaiting a promise.
func eval[T any](b *browser, expression string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v%s", expression, err, b.diagnosis())
	}
	return v
}

// diagnosis is what the page shows that may explain a failure: its
// notices and its connection state.
func (b *browser) diagnosis() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		url: location.href,
		notices: document.querySelector("#notices")?.innerText ?? "",
		live: document.querySelector("#live")?.textContent ?? "",
	})`))
	if err != nil {
		return ""
	}
	var page struct{ URL, Notices, Live string }
	if json.Unmarshal([]byte(v), &page) != nil {
		return ""
	}
	return fmt.Sprintf("\n  page %s, connection %q, notices %q", page.URL, page.Live, page.Notices)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

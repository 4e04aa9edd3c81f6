package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// get asks the web handler for target.
func get(t *testing.T, h http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// examplePath turns a route pattern into a path it answers.
func examplePath(pattern string) string {
	_, p, _ := strings.Cut(pattern, " ")
	return strings.NewReplacer("{$}", "", "{id}", "42").Replace(p)
}

// directives splits a Content-Security-Policy into its directives' sources.
func directives(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

func TestEveryPageIsServedAsHTMLUnderAStrictPolicy(t *testing.T) {
	h := Handler()
	for _, p := range pages() {
		t.Run(p.pattern, func(t *testing.T) {
			if !slices.Contains(Routes(), p.pattern) {
				t.Fatalf("Routes() lacks %s, so api would not mount it", p.pattern)
			}
			res := get(t, h, examplePath(p.pattern))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			csp := directives(res.Header.Get("Content-Security-Policy"))
			scripts := csp["script-src"]
			if scripts == nil {
				scripts = csp["default-src"]
			}
			if !slices.Equal(scripts, []string{"'self'"}) {
				t.Errorf("scripts may come from %v, want only 'self'", scripts)
			}
			if !slices.Equal(csp["frame-ancestors"], []string{"'none'"}) || !slices.Equal(csp["object-src"], []string{"'none'"}) {
				t.Errorf("policy %q lets the page be framed or embed objects", res.Header.Get("Content-Security-Policy"))
			}
			if !slices.Contains(csp["connect-src"], "'self'") {
				t.Errorf("connect-src %v does not reach the API", csp["connect-src"])
			}
			if strings.HasPrefix(p.pattern, "GET /app/") && slices.Contains(csp["style-src"], "'unsafe-inline'") {
				t.Errorf("an app page allows inline styles: %v", csp["style-src"])
			}
		})
	}
}

func TestEveryPageFileIsRouted(t *testing.T) {
	entries, err := fs.ReadDir(files, "pages")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.ContainsFunc(pages(), func(p page) bool { return p.file == "pages/"+e.Name() }) {
			t.Errorf("pages/%s is embedded but no route serves it", e.Name())
		}
	}
}

// element is one element of a page with its attributes.
type element struct {
	tag   string
	attrs map[string]string
	// inline reports whether a script element has content of its own.
	inline bool
}

func parsePage(t *testing.T, name string) []element {
	t.Helper()
	b, err := files.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []element
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			e := element{tag: n.Data, attrs: map[string]string{}}
			for _, a := range n.Attr {
				e.attrs[a.Key] = a.Val
			}
			e.inline = n.Data == "script" && n.FirstChild != nil && strings.TrimSpace(n.FirstChild.Data) != ""
			out = append(out, e)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestPagesRunNoInlineCodeAndReferenceOnlyServedFiles(t *testing.T) {
	h := Handler()
	for _, p := range pages() {
		t.Run(p.file, func(t *testing.T) {
			for _, e := range parsePage(t, p.file) {
				if e.tag == "script" && (e.inline || e.attrs["src"] == "") {
					t.Errorf("an inline script: the policy would block it")
				}
				for k := range e.attrs {
					if strings.HasPrefix(k, "on") {
						t.Errorf("<%s %s>: inline event handlers are blocked by the policy", e.tag, k)
					}
				}
				if _, ok := e.attrs["style"]; ok && p.policy == appPolicy {
					t.Errorf("<%s style>: inline styles are blocked on app pages", e.tag)
				}
				for _, attr := range []string{"src", "href"} {
					ref := e.attrs[attr]
					if !strings.HasPrefix(ref, "/static/") {
						continue
					}
					if res := get(t, h, ref); res.StatusCode != http.StatusOK {
						t.Errorf("<%s %s=%q> answers %d", e.tag, attr, ref, res.StatusCode)
					}
				}
			}
		})
	}
}

// importPattern finds the modules a JavaScript module imports statically
// or dynamically.
var importPattern = regexp.MustCompile(`(?m)(?:^\s*(?:import|export)\s[^;]*?\sfrom\s*|^\s*import\s*|\bimport\()["']([^"']+)["']`)

func TestModulesImportOnlyFilesThatAreServedAsJavaScript(t *testing.T) {
	h := Handler()
	modules, err := fs.Glob(files, "static/app/*.js")
	if err != nil || len(modules) == 0 {
		t.Fatalf("no app modules (%v)", err)
	}
	imported := map[string]bool{}
	for _, m := range modules {
		b, err := files.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, match := range importPattern.FindAllStringSubmatch(string(b), -1) {
			spec := match[1]
			if !strings.HasPrefix(spec, "./") {
				t.Errorf("%s imports %q: modules import siblings by relative path, nothing from elsewhere", m, spec)
				continue
			}
			target := "/" + path.Join(path.Dir(m), spec)
			imported[target] = true
			res := get(t, h, target)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s imports %s, which answers %d", m, target, res.StatusCode)
				continue
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("%s is served as %q; browsers run modules only from a JavaScript type", target, ct)
			}
		}
	}
	for _, shared := range []string{"/static/app/rest.js", "/static/app/live.js", "/static/app/ui.js"} {
		if !imported[shared] {
			t.Errorf("no module imports %s: the import scan misses imports", shared)
		}
	}
}

func TestStaticAssetsAreRevalidatedByContentTag(t *testing.T) {
	h := Handler()
	first := get(t, h, "/static/app/live.js")
	if first.StatusCode != http.StatusOK || first.Header.Get("ETag") == "" {
		t.Fatalf("status %d, ETag %q", first.StatusCode, first.Header.Get("ETag"))
	}
	if cc := first.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
	if first.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("assets are sniffable")
	}
	again := get(t, h, "/static/app/live.js", "If-None-Match", first.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating with the same tag answers %d, want 304", again.StatusCode)
	}
	other := get(t, h, "/static/app/ui.js")
	if other.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Error("two different files share an ETag")
	}
	body, _ := io.ReadAll(get(t, h, "/static/dabba.css").Body)
	if !strings.Contains(string(body), "color-scheme: light dark") {
		t.Error("the stylesheet does not follow the system's light or dark preference")
	}
}

func TestTheAppsRootWithoutASlashRedirects(t *testing.T) {
	res := get(t, Handler(), "/app")
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/app/" {
		t.Errorf("GET /app answers %d to %q, want 301 to /app/", res.StatusCode, res.Header.Get("Location"))
	}
	if !slices.Contains(Routes(), "GET /app") {
		t.Error("Routes() lacks GET /app")
	}
}

func TestRequestsForNothingAreNotFound(t *testing.T) {
	h := Handler()
	for _, target := range []string{"/app/track/abc", "/app/track/0", "/app/track/-3", "/static/app/", "/static/nope.js"} {
		if res := get(t, h, target); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s answers %d, want 404", target, res.StatusCode)
		}
	}
}

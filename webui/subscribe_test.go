package webui_test

import (
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/webui"
)

// subscribeServer is the UI alone: the subscription page needs no store
// and no session.
func subscribeServer(t *testing.T, c webui.Config) *httptest.Server {
	t.Helper()
	c.Log = slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	webui.New(mux, c)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// fetch GETs path with the given request headers and reads the body.
func fetch(t *testing.T, srv *httptest.Server, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestSubscribePage checks the public page in the three languages: no
// login, the language and direction of the page, the cells map and its
// hidden input, the alert languages, the script (external, not deferred,
// so that it runs before the map is set up) and the translated messages
// the script shows.
func TestSubscribePage(t *testing.T) {
	srv := subscribeServer(t, webui.Config{})
	for _, tc := range []struct {
		accept, cookie, lang, dir, h1, button, selected string
	}{
		{"en-GB", "", "en", "ltr", "Receive alerts for your area", "Subscribe", "en"},
		{"fr-FR,fr;q=0.9", "", "fr", "ltr", "Recevoir les alertes de votre secteur", "S&#39;abonner", "fr"},
		{"ar-MA", "", "ar", "rtl", "تلقَّ إنذارات منطقتك", "اشترك", "ar"},
		{"de-DE", "", "en", "ltr", "Receive alerts for your area", "Subscribe", "en"},
		{"en", "ar", "ar", "rtl", "تلقَّ إنذارات منطقتك", "اشترك", "ar"},
	} {
		headers := []string{"Accept-Language", tc.accept}
		if tc.cookie != "" {
			headers = append(headers, "Cookie", "lang="+tc.cookie)
		}
		resp, body := fetch(t, srv, "/subscribe", headers...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200 without login\n%s", tc.accept, resp.StatusCode, body)
		}
		for _, want := range []string{
			`<html lang="` + tc.lang + `" dir="` + tc.dir + `">`,
			`<h1>` + tc.h1 + `</h1>`,
			`id="sub-subscribe" disabled>` + tc.button + `</button>`,
			`data-map-mode="cells"`,
			`data-input-cells="cells"`,
			`data-max-cells="50"`,
			`<input type="hidden" id="cells" name="cells" value="">`,
			`<select id="alert-lang" name="lang"`,
			`<option value="` + tc.selected + `" lang="` + tc.selected + `"`,
			`<option value="ar" lang="ar" dir="rtl"`,
			`id="live-list"`,
			`data-msg-ios=`,
			`href="/lang?l=fr&amp;next=%2fsubscribe"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", tc.accept, want)
			}
		}
		if !regexp.MustCompile(`<option value="` + tc.selected + `" [^>]*selected>`).MatchString(body) {
			t.Errorf("%s: the alert language %s is not chosen at first", tc.accept, tc.selected)
		}
		// The subscription script runs before map.js sets the map up.
		if !regexp.MustCompile(`<script src="/static/subscribe\.[0-9a-f]{12}\.js"></script>`).MatchString(body) {
			t.Errorf("%s: no undeferred subscribe.js", tc.accept)
		}
		if m := regexp.MustCompile(`<script(?:\s[^>]*)?>`).FindAllString(body, -1); len(m) == 0 {
			t.Errorf("%s: no script", tc.accept)
		} else {
			for _, s := range m {
				if !strings.Contains(s, ` src="/static/`) {
					t.Errorf("%s: inline or foreign script %s", tc.accept, s)
				}
			}
		}
		if k := regexp.MustCompile(`[">]sub\.[a-z_.]+[<"]`).FindString(body); k != "" {
			t.Errorf("%s: an untranslated key is shown: %s", tc.accept, k)
		}
	}

	// Which languages the alerts may come in is the server's to say.
	srv = subscribeServer(t, webui.Config{PushLanguages: []string{"fr", "en", "xx"}})
	_, body := fetch(t, srv, "/subscribe", "Accept-Language", "ar")
	if n := strings.Count(body, "<option "); n != 3 || !strings.Contains(body, `<option value="xx" lang="xx">xx</option>`) {
		t.Errorf("PushLanguages fr, en, xx: %d options\n%s", n, body)
	}
	if !regexp.MustCompile(`<option value="fr" [^>]*selected>Français`).MatchString(body) {
		t.Error("a page language the alerts do not offer should fall back to the first")
	}
}

// TestSubscribeHeaders checks the security headers: the page is public
// and may ask for the position, and nothing else may; the CSP is the same
// everywhere, without inline scripts.
func TestSubscribeHeaders(t *testing.T) {
	srv := subscribeServer(t, webui.Config{})
	csp := ""
	for _, path := range []string{"/subscribe", "/login", "/sw.js", "/subscribe?x=1"} {
		resp, _ := fetch(t, srv, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		pp := resp.Header.Get("Permissions-Policy")
		wantGeo := "geolocation=()"
		if strings.HasPrefix(path, "/subscribe") {
			wantGeo = "geolocation=(self)"
		}
		if !strings.Contains(pp, wantGeo) || !strings.Contains(pp, "camera=()") || !strings.Contains(pp, "microphone=()") {
			t.Errorf("GET %s: Permissions-Policy %q, want %s and no camera or microphone", path, pp, wantGeo)
		}
		got := resp.Header.Get("Content-Security-Policy")
		if csp == "" {
			csp = got
		} else if got != csp {
			t.Errorf("GET %s: CSP %q differs from the other pages' %q", path, got, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: missing nosniff or X-Frame-Options", path)
		}
	}
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
		t.Errorf("CSP %q allows inline or foreign scripts", csp)
	}
	resp, _ := fetch(t, srv, "/subscribe")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("/subscribe: Cache-Control %q, want no-store", cc)
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
		t.Errorf("/subscribe: Vary %q", v)
	}
}

// TestServiceWorkerScript checks /sw.js: served at the root (a service
// worker's scope cannot be wider than its folder), as JavaScript, checked
// again by the browser at each load (no-cache, with an ETag), allowed the
// scope "/", and the same file as static/sw.js.
func TestServiceWorkerScript(t *testing.T) {
	srv := subscribeServer(t, webui.Config{})
	resp, body := fetch(t, srv, "/sw.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/javascript" {
		t.Errorf("Content-Type %q, want text/javascript", resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
	if s := resp.Header.Get("Service-Worker-Allowed"); s != "/" {
		t.Errorf("Service-Worker-Allowed %q, want /", s)
	}
	want, err := os.ReadFile("static/sw.js")
	if err != nil {
		t.Fatal(err)
	}
	if body != string(want) {
		t.Error("/sw.js is not static/sw.js")
	}
	for _, s := range []string{`addEventListener("push"`, `addEventListener("notificationclick"`, `addEventListener("pushsubscriptionchange"`, "self.vigiePush"} {
		if !strings.Contains(body, s) {
			t.Errorf("sw.js lacks %s", s)
		}
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, _ = fetch(t, srv, "/sw.js", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	// Only GET (and HEAD): the page and the worker are not forms.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/sw.js", nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /sw.js: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /sw.js: status %d, want 405", r.StatusCode)
	}
}

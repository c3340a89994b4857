package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/referral"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("wrong password", func(t *testing.T) {
		b := e.browser()
		p := b.login(e.authUser, "not the password at all")
		wantStatus(t, p, http.StatusUnauthorized)
		wantContains(t, p, "Wrong e-mail address or password.", `value="`+e.authUser+`"`)
		for _, c := range p.Cookies() {
			if c.Name == "vigie_session" {
				t.Errorf("a failed login set a session cookie")
			}
		}
	})

	t.Run("unknown user", func(t *testing.T) {
		wantStatus(t, e.browser().login("nobody@example.org", password), http.StatusUnauthorized)
	})

	t.Run("success", func(t *testing.T) {
		b := e.browser()
		p := b.login(e.authUser, password)
		wantStatus(t, p, http.StatusSeeOther)
		if loc := p.Header.Get("Location"); loc != "/" {
			t.Errorf("redirect to %q, want /", loc)
		}
		var sess *http.Cookie
		for _, c := range p.Cookies() {
			if c.Name == "vigie_session" {
				sess = c
			}
		}
		if sess == nil || sess.Value == "" {
			t.Fatal("no vigie_session cookie")
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
			t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v, want HttpOnly, Lax, not Secure on plain HTTP", sess.HttpOnly, sess.SameSite, sess.Secure)
		}
		home := b.get("/")
		wantStatus(t, home, http.StatusSeeOther)
		if loc := home.Header.Get("Location"); loc != "/referrals" {
			t.Errorf("authority home is %q, want /referrals", loc)
		}
		wantContains(t, b.get("/referrals"), "Pharos", "Issued referrals and removal orders")

		// Logging out ends the session.
		out := b.post("/logout", url.Values{"csrf": {csrf(t, b.get("/referrals"))}})
		wantStatus(t, out, http.StatusSeeOther)
		wantStatus(t, b.get("/referrals"), http.StatusSeeOther)
	})

	t.Run("platform home and next", func(t *testing.T) {
		b := e.browser()
		form := b.get("/login?next=/stats")
		p := b.post("/login", url.Values{"csrf": {csrf(t, form)}, "email": {e.platAUser}, "password": {password}, "next": {"/stats"}})
		if loc := p.Header.Get("Location"); loc != "/stats" {
			t.Errorf("after login with next=/stats: redirect to %q", loc)
		}
		if loc := b.get("/").Header.Get("Location"); loc != "/queue" {
			t.Errorf("platform home is %q, want /queue", loc)
		}
	})

	t.Run("next must be local", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "/login"} {
			b := e.browser()
			form := b.get("/login?next=" + url.QueryEscape(next))
			p := b.post("/login", url.Values{"csrf": {csrf(t, form)}, "email": {e.authUser}, "password": {password}, "next": {next}})
			if loc := p.Header.Get("Location"); loc != "/" {
				t.Errorf("next=%q: redirect to %q, want /", next, loc)
			}
		}
	})
}

func TestRedirectToLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for _, path := range []string{"/", "/referrals", "/referrals/new", "/queue", "/audit", "/stats", "/settings/webhook", "/referrals/some-id"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusSeeOther)
		loc := p.Header.Get("Location")
		want := "/login?next=" + url.QueryEscape(path)
		if path == "/" {
			want = "/login"
		}
		if loc != want {
			t.Errorf("GET %s without a session: redirect to %q, want %q", path, loc, want)
		}
	}
	// A forged or expired cookie is no session.
	u, _ := url.Parse(e.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "vigie_session", Value: "forged"}})
	wantStatus(t, b.get("/referrals"), http.StatusSeeOther)

	// The 10-second htmx refresh is told to load the login page.
	p := b.get("/referrals", "HX-Request", "true")
	wantStatus(t, p, http.StatusUnauthorized)
	if got := p.Header.Get("HX-Redirect"); !strings.HasPrefix(got, "/login") {
		t.Errorf("HX-Redirect = %q", got)
	}

	// Wrong role: a platform cannot open the authority's pages and vice versa.
	plat, _ := e.signedIn(e.platAUser)
	wantStatus(t, plat.get("/referrals/new"), http.StatusForbidden)
	auth, _ := e.signedIn(e.authUser)
	wantStatus(t, auth.get("/queue"), http.StatusForbidden)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, token := e.signedIn(e.authUser)
	valid := url.Values{"kind": {"removal_order"}, "platform_id": {e.platA.ID}, "reference": {"CSRF-1"},
		"urls": {"https://alpha.example/v/9"}, "content_types": {"a"}, "reasons": {"r"}, "legal_basis": {"l"},
		"redress": {"court"}, "issuer_name": {"Officer"}}

	for name, tok := range map[string]string{"missing": "", "wrong": token + "x"} {
		form := url.Values{}
		for k, v := range valid {
			form[k] = v
		}
		if tok != "" {
			form.Set("csrf", tok)
		}
		p := b.post("/referrals", form)
		wantStatus(t, p, http.StatusForbidden)
		wantContains(t, p, "Refused")
		_ = name
	}
	// Nothing was issued.
	if list := b.get("/referrals"); strings.Contains(list.Body, "CSRF-1") {
		t.Fatal("a referral was issued without a valid CSRF token")
	}

	// A cross-site POST is refused even with the right token.
	form := url.Values{"csrf": {token}}
	for k, v := range valid {
		form[k] = v
	}
	wantStatus(t, b.post("/referrals", form, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, b.post("/referrals", form, "Origin", "https://evil.example"), http.StatusForbidden)

	// Logout needs the token too.
	wantStatus(t, b.post("/logout", url.Values{}), http.StatusForbidden)

	// With the token, it works.
	p := b.post("/referrals", form)
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/referrals?done=created" {
		t.Errorf("redirect to %q", loc)
	}

	// The login form has a pre-session token in a cookie.
	anon := e.browser()
	p = anon.post("/login", url.Values{"email": {e.authUser}, "password": {password}, "csrf": {"guess"}})
	wantStatus(t, p, http.StatusForbidden)
}

func TestPlatformCannotSeeAnotherPlatformsReferral(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.issue(e.platA, "ISO-1")

	a, aTok := e.signedIn(e.platAUser)
	wantContains(t, a.get("/referrals/"+r.ID), "ISO-1", "https://alpha.example/v/1")
	wantContains(t, a.get("/queue"), "ISO-1")

	b, bTok := e.signedIn(e.platBUser)
	p := b.get("/referrals/" + r.ID)
	wantStatus(t, p, http.StatusNotFound)
	if strings.Contains(p.Body, "ISO-1") || strings.Contains(p.Body, "alpha.example") {
		t.Error("the 404 page shows the referral")
	}
	if q := b.get("/queue"); strings.Contains(q.Body, "ISO-1") {
		t.Error("platform B's queue shows platform A's referral")
	}
	// Nor act on it.
	wantStatus(t, b.post("/referrals/"+r.ID+"/acknowledge", url.Values{"csrf": {bTok}}), http.StatusNotFound)
	wantStatus(t, b.post("/referrals/"+r.ID+"/action", url.Values{"csrf": {bTok}, "action": {"removed"}}), http.StatusNotFound)

	// Platform A can; the flow ends with the authority seeing it actioned.
	p = a.post("/referrals/"+r.ID+"/acknowledge", url.Values{"csrf": {aTok}, "next": {"/queue"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/queue?done=acknowledged" {
		t.Errorf("redirect to %q", loc)
	}
	wantContains(t, a.get("/queue?done=acknowledged"), "Receipt acknowledged", "data-deadline=")

	// A malformed hash is shown beside the field, with what was typed.
	p = a.post("/referrals/"+r.ID+"/action", url.Values{"csrf": {aTok}, "action": {"removed"}, "content_hashes": {"sha256:abc"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="content_hashes-error"`, "Line 1: a sha256 hash has 64 hexadecimal digits", "sha256:abc</textarea>")

	hash := "sha256:" + strings.Repeat("ab", 32)
	p = a.post("/referrals/"+r.ID+"/action", url.Values{"csrf": {aTok}, "action": {"removed"}, "content_hashes": {hash}})
	wantStatus(t, p, http.StatusSeeOther)
	d := a.get("/referrals/" + r.ID)
	wantContains(t, d, "Actioned", hash, "On time")

	auth, _ := e.signedIn(e.authUser)
	wantContains(t, auth.get("/referrals"), `data-state="actioned"`)
	wantContains(t, auth.get("/referrals/"+r.ID), "Removed or disabled", "Acknowledged")

	// Acting again is a state conflict, explained on the page.
	p = a.post("/referrals/"+r.ID+"/action", url.Values{"csrf": {aTok}, "action": {"removed"}})
	wantStatus(t, p, http.StatusConflict)
	wantContains(t, p, "cannot be done in the current state")
}

func TestFormValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, token := e.signedIn(e.authUser)
	form := wantForm(t, b.get("/referrals/new"))
	wantContains(t, form, "Alpha Video", "Beta Social", "incites the commission of terrorist offences")

	p := b.post("/referrals", url.Values{"csrf": {token}, "kind": {"removal_order"}, "platform_id": {e.platA.ID},
		"reference": {"VAL-7"}, "urls": {"https://alpha.example/ok\n\nnot a url"}, "content_types": {"a", "d"},
		"reasons": {"Instructions for a bomb."}, "issuer_name": {"Capt. Martin"}, "legal_basis": {"Art. 3"}, "redress": {"TA Paris"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	// The message is beside the URLs, pointing at the line.
	wantContains(t, p, `<p class="field-error" id="urls-error">Line 3: Must be an absolute http or https URL.</p>`,
		`id="urls" name="urls"`, `aria-invalid="true"`)
	// Everything typed is kept.
	wantContains(t, p, `value="VAL-7"`, "https://alpha.example/ok\n\nnot a url</textarea>", "Instructions for a bomb.</textarea>",
		`value="Capt. Martin"`, `value="removal_order" checked`, `value="a" checked`, `value="d" checked`,
		`value="`+e.platA.ID+`" selected`)

	// A removal order needs a legal basis, redress and issuer (Annex I):
	// every missing field is named at once, beside the field and in the
	// summary.
	p = b.post("/referrals", url.Values{"csrf": {token}, "kind": {"removal_order"}, "platform_id": {e.platA.ID},
		"reference": {"VAL-8"}, "urls": {"https://alpha.example/ok"}, "content_types": {"a"}, "reasons": {"x"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	for _, f := range []string{"legal_basis", "redress", "issuer_name"} {
		wantContains(t, p, `<p class="field-error" id="`+f+`-error">This is required.</p>`, `href="#`+f+`"`)
	}

	// Rules the service checks are shown the same way, as is a reference
	// used twice.
	e.issue(e.platA, "DUP-1")
	p = b.post("/referrals", url.Values{"csrf": {token}, "kind": {"referral"}, "platform_id": {e.platA.ID}, "reference": {"VAL-9"},
		"urls": {"https://alpha.example/ok"}, "content_types": {"b"}, "reasons": {"x"}, "target_minutes": {"2"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="target_minutes-error">Must be between 5 and 10080.</p>`, `value="2"`)
	p = b.post("/referrals", url.Values{"csrf": {token}, "kind": {"referral"}, "platform_id": {e.platA.ID}, "reference": {"DUP-1"},
		"urls": {"https://alpha.example/ok"}, "content_types": {"b"}, "reasons": {"x"}})
	wantStatus(t, p, http.StatusConflict)
	wantContains(t, p, `id="reference-error">You already issued a referral with this reference number.</p>`, `value="DUP-1"`)

	// UI-level parsing errors are shown the same way.
	p = b.post("/referrals", url.Values{"csrf": {token}, "kind": {"referral"}, "target_minutes": {"ninety"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="target_minutes-error">Enter a whole number of minutes.`, `value="ninety"`)

	// Nothing was issued.
	if strings.Contains(b.get("/referrals").Body, "VAL-") {
		t.Error("an invalid form issued a referral")
	}
}

func wantForm(t *testing.T, p page) page {
	t.Helper()
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, `<form method="post" action="/referrals"`)
	return p
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	// Accept-Language chooses, English is the fallback.
	b := e.browser()
	b.lang = "fr-FR,fr;q=0.9,en;q=0.5"
	wantContains(t, b.get("/login"), `<html lang="fr" dir="ltr">`, "Connexion à Vigie", "Mot de passe")
	b.lang = "de-DE"
	wantContains(t, b.get("/login"), `<html lang="en" dir="ltr">`, "Log in to Vigie")

	// The switcher sets a cookie that wins over Accept-Language.
	b, _ = e.signedIn(e.authUser)
	b.lang = "en"
	e.issue(e.platA, "LANG-1")
	wantContains(t, b.get("/referrals"), "Issued referrals and removal orders", `/lang?l=fr&amp;next=%2freferrals`)
	p := b.get("/lang?l=fr&next=" + url.QueryEscape("/referrals"))
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/referrals" {
		t.Errorf("lang redirect to %q", loc)
	}
	list := b.get("/referrals")
	wantContains(t, list, `<html lang="fr"`, "Signalements et injonctions de retrait émis", "Injonction de retrait", "Pas encore reçu",
		"Toutes les heures sont en UTC.")
	// Times are in UTC, marked so.
	if !regexp.MustCompile(`\d\d:\d\d UTC`).MatchString(list.Body) {
		t.Error("no UTC time on the list")
	}

	// The switcher only goes back to local pages.
	p = b.get("/lang?l=en&next=" + url.QueryEscape("//evil.example/"))
	if loc := p.Header.Get("Location"); loc != "/" {
		t.Errorf("lang with a foreign next redirects to %q", loc)
	}
	// An unknown language changes nothing.
	b.get("/lang?l=xx&next=/referrals")
	wantContains(t, b.get("/referrals"), "Issued referrals and removal orders")
}

func TestHeadersAndAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/login")
	wantStatus(t, p, http.StatusOK)
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " style=") || strings.Contains(p.Body, "<style") {
		t.Error("the page has inline script or style")
	}
	if strings.Contains(p.Body, "http://") || strings.Contains(p.Body, "https://") {
		t.Error("the page loads something from the internet")
	}

	// Static files are served under content-hashed names with a long cache.
	names := regexp.MustCompile(`/static/[a-z.]+\.[0-9a-f]{12}\.(?:js|css|svg)`).FindAllString(p.Body, -1)
	if len(names) != 8 {
		t.Fatalf("found static URLs %v, want htmx, app.js, app.css, the icon, and Leaflet and the map's script and styles", names)
	}
	for _, n := range names {
		s := b.get(n)
		wantStatus(t, s, http.StatusOK)
		if cc := s.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", n, cc)
		}
		if strings.HasSuffix(n, ".js") && !strings.HasPrefix(s.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: Content-Type %q", n, s.Header.Get("Content-Type"))
		}
		if strings.Contains(n, "htmx") && !strings.Contains(s.Body, `version:"2.0.11"`) {
			t.Errorf("%s is not htmx 2.0.11", n)
		}
	}
	wantStatus(t, b.get("/static/app.000000000000.js"), http.StatusNotFound)
	wantStatus(t, b.get("/static/app.js"), http.StatusNotFound)
}

func TestHTMXPartials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.issue(e.platA, "HX-1")
	// Received, then 80 % of the time gone: the list shows the escalation.
	if err := e.refs.Delivered(t.Context(), r.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.refs.Escalate(t.Context(), referral.Timer{ReferralID: r.ID, Epoch: 1, Level: 80}); err != nil {
		t.Fatal(err)
	}
	auth, _ := e.signedIn(e.authUser)
	p := auth.get("/referrals", "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	if body := strings.TrimSpace(p.Body); !strings.HasPrefix(body, `<div id="list" hx-get="/referrals" hx-trigger="every 10s"`) || strings.Contains(body, "<html") {
		t.Errorf("the htmx refresh did not get the list partial alone:\n%s", p.Body)
	}
	wantContains(t, p, "HX-1", `<span class="badge esc-80"`, ">80 %</span>", `role="timer" data-deadline="`)

	plat, _ := e.signedIn(e.platAUser)
	p = plat.get("/queue", "HX-Request", "true")
	if body := strings.TrimSpace(p.Body); !strings.HasPrefix(body, `<div id="queue"`) || !strings.Contains(body, "HX-1") {
		t.Errorf("the queue partial is wrong:\n%s", p.Body)
	}
}

func TestQueueOrderAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.issue(e.platA, "Q-RECEIVED")
	_ = e.issue(e.platA, "Q-PENDING")
	if err := e.refs.Delivered(t.Context(), first.ID, first.IssuedAt); err != nil {
		t.Fatal(err)
	}
	plat, tok := e.signedIn(e.platAUser)
	q := plat.get("/queue")
	wantStatus(t, q, http.StatusOK)
	if i, j := strings.Index(q.Body, "Q-PENDING"), strings.Index(q.Body, "Q-RECEIVED"); i < 0 || j < 0 || i > j {
		t.Errorf("the pending order should come first in the queue (pending at %d, received at %d)", i, j)
	}

	// Impossibility: the reason is required; with one the clock stops.
	p := plat.post("/referrals/"+first.ID+"/impossible", url.Values{"csrf": {tok}, "explanation": {"The URL is a 404."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="reason-error">This is required.`, "The URL is a 404.</textarea>")
	p = plat.post("/referrals/"+first.ID+"/impossible", url.Values{"csrf": {tok}, "reason": {"insufficient_information"}, "explanation": {"Which video?"}})
	wantStatus(t, p, http.StatusSeeOther)

	// The authority clarifies from the detail page.
	auth, atok := e.signedIn(e.authUser)
	d := auth.get("/referrals/" + first.ID)
	wantContains(t, d, "Clock stopped", "The platform cannot comply: clarify", "Which video?")
	p = auth.post("/referrals/"+first.ID+"/clarify", url.Values{"csrf": {atok}, "clarification": {"The one at 02:13."}})
	wantStatus(t, p, http.StatusSeeOther)
	wantContains(t, auth.get("/referrals/"+first.ID+"?done=clarified"), "Clarification sent", "data-deadline=", "Clarified")

	// Audit, stats and webhook pages.
	a := auth.get("/audit")
	wantContains(t, a, "referral.created", "referral.clarified", `href="/referrals/`+first.ID+`"`)
	s := plat.get("/stats")
	wantStatus(t, s, http.StatusOK)
	wantContains(t, s, "Alpha Video", "Removal order", `<svg class="bar"`)
	w := plat.get("/settings/webhook")
	wantContains(t, w, "No endpoint set")
	p = plat.post("/settings/webhook", url.Values{"csrf": {tok}, "url": {"ftp://alpha.example/hook"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantContains(t, p, `id="url-error"`, `value="ftp://alpha.example/hook"`)
	p = plat.post("/settings/webhook", url.Values{"csrf": {tok}, "url": {"https://alpha.example/hook"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantContains(t, plat.get("/settings/webhook"), "Current endpoint: https://alpha.example/hook")
}

func TestLoginFloodIsSlowedNotLockedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		wantStatus(t, e.browser().login(e.authUser, "guess number "+string(rune('a'+i))), http.StatusUnauthorized)
	}
	p := e.browser().login(e.authUser, password)
	wantStatus(t, p, http.StatusTooManyRequests)
	wantContains(t, p, "Too many failed attempts")
}

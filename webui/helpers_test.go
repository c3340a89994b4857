package webui_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/sqlstore"
	"github.com/vigie-project/vigie/webui"
)

const password = "correct horse battery staple"

// env is a UI on a real store, with an authority and two platforms, one
// user each.
type env struct {
	t                              *testing.T
	srv                            *httptest.Server
	db                             *sqlstore.DB
	orgs                           *org.Service
	refs                           *referral.Service
	auth, platA, platB             *org.Org
	authUser, platAUser, platBUser string // e-mail addresses
}

func newEnv(t *testing.T, configure ...func(*env, *webui.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t, time.Now)
	e := &env{t: t, db: db}
	e.orgs = org.NewService(db, time.Now, testenv.NewID)
	e.refs = referral.NewService(db, e.orgs, referral.DefaultPolicy(), time.Now, testenv.NewID)
	mux := http.NewServeMux()
	c := webui.Config{Orgs: e.orgs, Referrals: e.refs, Audit: db, Log: slog.New(slog.DiscardHandler), Now: time.Now}
	for _, f := range configure {
		f(e, &c)
	}
	webui.New(mux, c)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)

	mk := func(name string, kind org.Kind, country, email string) *org.Org {
		o, err := e.orgs.CreateOrg(ctx, name, kind, country)
		if err != nil {
			t.Fatalf("create org %s: %v", name, err)
		}
		if _, err := e.orgs.CreateUser(ctx, o.ID, email, name+" user", password); err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
		return o
	}
	e.authUser, e.platAUser, e.platBUser = "op@pharos.example", "tns@alpha.example", "tns@beta.example"
	e.auth = mk("Pharos", org.KindAuthority, "FR", e.authUser)
	e.platA = mk("Alpha Video", org.KindPlatform, "IE", e.platAUser)
	e.platB = mk("Beta Social", org.KindPlatform, "NL", e.platBUser)
	return e
}

// issue creates a removal order from the authority to platform p.
func (e *env) issue(p *org.Org, ref string) *referral.Referral {
	e.t.Helper()
	r, _, err := e.refs.Create(context.Background(), org.Principal{OrgID: e.auth.ID, OrgName: e.auth.Name, Kind: org.KindAuthority, UserID: "u"},
		referral.Draft{Kind: referral.KindRemovalOrder, PlatformID: p.ID, Reference: ref, URLs: []string{"https://" + strings.ToLower(strings.Fields(p.Name)[0]) + ".example/v/1"},
			ContentTypes: []referral.ContentType{referral.ContentIncites}, Reasons: "Glorifies the attack.", LegalBasis: "Art. 3 TCO",
			Redress: "Tribunal administratif de Paris, 48 hours", IssuerName: "Officer on duty"}, "")
	if err != nil {
		e.t.Fatalf("issue: %v", err)
	}
	return r
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see them.
type browser struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its body read.
type page struct {
	*http.Response
	Body string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp, string(body)}
}

func (b *browser) get(path string, headers ...string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the first form of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no csrf field in the page (status %d):\n%s", p.StatusCode, p.Body)
	}
	return html.UnescapeString(m[1])
}

// login signs b in as email and returns the response to the login POST.
func (b *browser) login(email, pw string) page {
	b.e.t.Helper()
	form := b.get("/login")
	return b.post("/login", url.Values{"csrf": {csrf(b.e.t, form)}, "email": {email}, "password": {pw}})
}

// signedIn returns a browser logged in as email, with a page's CSRF token.
func (e *env) signedIn(email string) (*browser, string) {
	e.t.Helper()
	b := e.browser()
	if p := b.login(email, password); p.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d\n%s", email, p.StatusCode, p.Body)
	}
	return b, csrf(e.t, b.get("/audit"))
}

func wantStatus(t *testing.T, p page, want int) {
	t.Helper()
	if p.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", p.Request.Method, p.Request.URL.Path, p.StatusCode, want, p.Body)
	}
}

func wantContains(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s %s: body lacks %q\n%s", p.Request.Method, p.Request.URL, s, p.Body)
		}
	}
}

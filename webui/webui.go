// Package webui is Vigie's server-rendered web interface for people: an
// authority's operator issuing referrals and removal orders, and a
// platform's trust-and-safety analyst answering them within the deadline.
//
// Pages are html/template templates and static assets embedded in the
// binary; nothing is loaded from the internet. Assets are served under
// content-hashed names (/static/app.<hash>.css) with a one-year immutable
// cache. htmx only enhances: every form is a plain POST that answers with a
// redirect (post/redirect/get) or the same page with the errors, so the UI
// works without JavaScript. With JavaScript, countdowns tick every second
// (static/app.js) and the lists refresh every 10 seconds.
//
// Strings go through a per-language message catalogue (i18n.go): the
// language comes from the "lang" cookie set by /lang, else the
// Accept-Language header, else English. Times are shown in UTC, marked so.
//
// Security rules:
//   - A person is identified by the "vigie_session" cookie (HttpOnly,
//     SameSite=Lax, Secure on TLS), resolved by Orgs.SessionPrincipal on
//     every request; API keys are not accepted here. A page asked for
//     without a session redirects to /login?next=PATH, and next must be a
//     local path.
//   - Every POST is wrapped in http.CrossOriginProtection and must carry a
//     "csrf" form field equal to the session's CSRF token (for the login
//     form, to a pre-session token held in a cookie); anything else is
//     refused with 403.
//   - Scoping is the services' job: a referral the caller is not party to
//     comes back as ENotFound and is shown as a 404 page, whoever asks.
//   - Every response carries a Content-Security-Policy without inline
//     scripts or styles, frame-ancestors 'none', X-Content-Type-Options,
//     Referrer-Policy, and pages with data are not cached (Cache-Control:
//     no-store); htmx keeps no history snapshots in local storage.
//
// The UI shares its ServeMux with the API: it registers no path under
// /api/ and none of /metrics, /healthz and /readyz.
package webui

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// Orgs is what the UI needs of organisations and sessions.
type Orgs interface {
	Login(ctx context.Context, email, password string) (*org.Session, string, error)
	SessionPrincipal(ctx context.Context, token string) (org.Principal, *org.Session, error)
	Logout(ctx context.Context, token string) error
	Orgs(ctx context.Context) ([]*org.Org, error)
	Endpoint(ctx context.Context, orgID string) (*org.Endpoint, error)
	SetEndpoint(ctx context.Context, orgID, url string, check org.URLChecker) (*org.Endpoint, error)
}

// Referrals is the removal workflow.
type Referrals interface {
	Create(ctx context.Context, p org.Principal, d referral.Draft, idemKey string) (*referral.Referral, bool, error)
	Get(ctx context.Context, p org.Principal, id string) (*referral.Referral, error)
	List(ctx context.Context, p org.Principal, f referral.Filter) ([]*referral.Referral, error)
	Act(ctx context.Context, p org.Principal, id string, e referral.Event) (*referral.Referral, error)
	Transparency(ctx context.Context, p org.Principal, from, to time.Time) (*referral.Report, error)
}

// AuditLog reads the audit chain.
type AuditLog interface {
	AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Config holds the UI's dependencies. Log and Now default to slog.Default
// and time.Now; CheckWebhookURL defaults to accepting any absolute http or
// https URL (the server passes its SSRF rules).
type Config struct {
	Orgs            Orgs
	Referrals       Referrals
	Audit           AuditLog
	Media           Media
	Uploads         *media.Uploads
	Alerts          Alerts          // the alert pages (alerts.go); nil: they answer 404
	AlertDeliveries AlertDeliveries // deliveries per channel; nil: "not available"
	PushLanguages   []string        // languages offered on /subscribe (push.Languages); nil: fr en ar de es it nl pt
	Log             *slog.Logger
	Now             func() time.Time
	CheckWebhookURL org.URLChecker
}

// ui is the web interface: its configuration, parsed templates and assets.
type ui struct {
	Config
	pages    map[string]*template.Template // by page name, see parseTemplates
	assets   *assets
	cop      *http.CrossOriginProtection
	throttle *loginThrottle
}

// New registers the UI's routes on mux.
func New(mux *http.ServeMux, c Config) {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CheckWebhookURL == nil {
		c.CheckWebhookURL = basicURLCheck
	}
	u := &ui{Config: c, assets: loadAssets(), throttle: newLoginThrottle(c.Now)}
	u.pages = parseTemplates(u.assets)
	u.cop = http.NewCrossOriginProtection()
	u.cop.SetDenyHandler(u.secure(func(w http.ResponseWriter, r *http.Request) {
		u.errorPage(w, r, &visit{L: pickLocale(r)}, http.StatusForbidden, "err.crossorigin")
	}))
	u.routes(mux)
}

// routes is the UI's one route table. Pages are wrapped by get (security
// headers, locale), forms by post (the same, plus cross-origin protection);
// signedIn, authority and platform add the session, the CSRF check on POST
// and the role check.
func (u *ui) routes(mux *http.ServeMux) {
	get := func(pattern string, h http.HandlerFunc) { mux.Handle("GET "+pattern, u.secure(h)) }
	post := func(pattern string, h http.HandlerFunc) { mux.Handle("POST "+pattern, u.cop.Handler(u.secure(h))) }
	var (
		anyone    = u.signedIn
		authority = u.role(org.KindAuthority)
		platform  = u.role(org.KindPlatform)
	)

	get("/{$}", anyone(u.home))
	get("/login", u.loginForm)
	post("/login", u.login)
	post("/logout", anyone(u.logout))
	get("/lang", u.setLanguage)

	// Authority: issue and follow.
	get("/referrals", authority(u.referralList))
	get("/referrals/new", authority(u.newReferralForm))
	post("/referrals", authority(u.createReferral))
	post("/referrals/{id}/clarify", authority(u.clarify))
	post("/referrals/{id}/withdraw", authority(u.withdraw))

	// Platform: answer within the deadline.
	get("/queue", platform(u.queue))
	post("/referrals/{id}/acknowledge", platform(u.acknowledge))
	post("/referrals/{id}/action", platform(u.markActioned))
	post("/referrals/{id}/impossible", platform(u.declareImpossible))
	post("/referrals/{id}/reject", platform(u.reject))
	post("/referrals/{id}/complaint", platform(u.recordComplaint))
	post("/referrals/{id}/complaint/decision", platform(u.decideComplaint))

	// Both parties.
	get("/referrals/{id}", anyone(u.referralDetail))
	get("/audit", anyone(u.auditLog))
	get("/stats", anyone(u.stats))
	get("/settings/webhook", anyone(u.webhookForm))

	// Hash sharing: banks for everyone to see, contributions and feedback
	// for members (the service refuses authorities), matching for all.
	get("/banks", anyone(u.bankList))
	post("/banks", anyone(u.createBank))
	get("/banks/{name}", anyone(u.bankDetail))
	post("/banks/{name}/media", anyone(u.contributeMedia))
	post("/signals/{id}/feedback", anyone(u.signalFeedback))
	post("/signals/{id}/reinstate", anyone(u.reinstateSignal))
	get("/match", anyone(u.matchForm))
	post("/match", anyone(u.matchUpload))
	post("/settings/webhook", anyone(u.setWebhook))

	// ---- Alerts (alerts.go): authorities write, approve and follow their
	// CAP alerts. Approval is a person's act: the service refuses the
	// author and API keys; the pages only show it to whom may.
	alerts := func(h pageHandler) http.HandlerFunc { return authority(u.alertsOn(h)) }
	get("/alerts", alerts(u.alertList))
	get("/alerts/new", alerts(u.newAlertForm))
	post("/alerts", alerts(u.createAlert))
	post("/alerts/preview", alerts(u.previewAlert))
	post("/alerts/prefill", alerts(u.prefillAlert))
	get("/alerts/{id}", alerts(u.alertDetail))
	get("/alerts/{id}/cap.xml", alerts(u.alertCAP))
	get("/alerts/{id}/deliveries", alerts(u.alertDeliveries))
	post("/alerts/{id}/approve", alerts(u.approveAlert))
	post("/alerts/{id}/reject", alerts(u.rejectAlert))
	get("/alerts/{id}/update", alerts(u.updateAlertForm))
	post("/alerts/{id}/update", alerts(u.updateAlert))
	get("/alerts/{id}/cancel", alerts(u.cancelAlertForm))
	post("/alerts/{id}/cancel", alerts(u.cancelAlert))
	post("/alerts/{id}/all-clear", alerts(u.allClearAlert))
	// ---- end of alerts

	// ---- Public subscription to alerts (subscribe.go): no login. The
	// page talks to the API's /push/ endpoints and /alerts/live.
	get("/subscribe", u.subscribePage)
	get("/sw.js", u.serviceWorker)
	// ---- end of subscription

	mux.Handle("GET /static/{file}", u.assets)
}

// home sends a person to their role's first page.
func (u *ui) home(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Redirect(w, r, homeOf(v.P.Kind), http.StatusSeeOther)
}

func homeOf(k org.Kind) string {
	switch k {
	case org.KindAuthority:
		return "/referrals"
	case org.KindPlatform:
		return "/queue"
	}
	return "/audit"
}

// basicURLCheck is the default webhook URL check: an absolute http(s) URL.
func basicURLCheck(raw string) error {
	p, err := url.Parse(raw)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return errors.New("must be an absolute https URL")
	}
	return nil
}

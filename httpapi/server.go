// Package httpapi is Vigie's HTTP API: one route table (routes.go), one
// small handler per action, OpenAPI 3.1 generated from the Go types by huma
// and served at /api/openapi.json, and RFC 9457 problem+json errors mapped
// from vigie error codes in one place (problem.go).
//
// Every call but the health checks, the OpenAPI document and the public
// alert endpoints (feeds.go) needs an API key ("Authorization: Bearer
// ID.SECRET"); the key's organisation scopes everything the call can see or
// do. The public alert endpoints show only what authorities published.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/notify"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/referral"
)

// Orgs is what the API needs of organisations and credentials.
type Orgs interface {
	Authenticate(ctx context.Context, apiKey string) (org.Principal, error)
	Orgs(ctx context.Context) ([]*org.Org, error)
	SetEndpoint(ctx context.Context, orgID, url string, check org.URLChecker) (*org.Endpoint, error)
	Endpoint(ctx context.Context, orgID string) (*org.Endpoint, error)
}

// Referrals is the removal workflow.
type Referrals interface {
	Create(ctx context.Context, p org.Principal, d referral.Draft, idemKey string) (*referral.Referral, bool, error)
	Get(ctx context.Context, p org.Principal, id string) (*referral.Referral, error)
	List(ctx context.Context, p org.Principal, f referral.Filter) ([]*referral.Referral, error)
	Act(ctx context.Context, p org.Principal, id string, e referral.Event) (*referral.Referral, error)
	Preservation(ctx context.Context, p org.Principal, id string) (*referral.Preservation, error)
	Hold(ctx context.Context, p org.Principal, id string, until time.Time, reason string) (*referral.Preservation, error)
	Transparency(ctx context.Context, p org.Principal, from, to time.Time) (*referral.Report, error)
	Statements(ctx context.Context, p org.Principal, from, to time.Time) ([]referral.Statement, error)
}

// Alerts is the alert workflow of authorities (alert.Service): every call
// is scoped to the caller's authority.
type Alerts interface {
	Create(ctx context.Context, p org.Principal, d alert.Draft, idemKey string) (*alert.Alert, bool, error)
	Get(ctx context.Context, p org.Principal, id string) (*alert.Alert, error)
	List(ctx context.Context, p org.Principal, f alert.Filter) ([]*alert.Alert, error)
	Preview(ctx context.Context, p org.Principal, d alert.Draft) (*alert.Alert, alert.Reach, error)
	Reach(ctx context.Context, p org.Principal, id string) (alert.Reach, error)
	Approve(ctx context.Context, p org.Principal, id string) (*alert.Alert, error)
	Reject(ctx context.Context, p org.Principal, id, reason string) (*alert.Alert, error)
	Update(ctx context.Context, p org.Principal, id string, d alert.Draft) (*alert.Alert, error)
	Cancel(ctx context.Context, p org.Principal, id, note string) (*alert.Alert, error)
	AllClear(ctx context.Context, p org.Principal, id string, texts []alert.Text) (*alert.Alert, error)
}

// AuditLog reads the audit chain.
type AuditLog interface {
	AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	AuditChain(ctx context.Context, afterSeq int64, limit int) ([]audit.Entry, error)
}

// Deliveries lists webhook deliveries.
type Deliveries interface {
	Deliveries(ctx context.Context, orgID string, limit int) ([]notify.Delivery, error)
}

// Config holds the API's dependencies.
type Config struct {
	Orgs       Orgs
	Referrals  Referrals
	Audit      AuditLog
	Deliveries Deliveries
	Media      Media
	Uploads    *media.Uploads
	Log        *slog.Logger
	Now        func() time.Time
	// CheckWebhookURL validates endpoint URLs (SSRF rules).
	CheckWebhookURL org.URLChecker
	// WebhookPublicKey is the "whpk_…" key platforms verify signatures with.
	WebhookPublicKey string
	Version          string

	// Alerts is the authorities' alert workflow under /api/v1/alerts.
	Alerts Alerts
	// Feeds serves the public alert documents and feeds; nil serves none.
	Feeds *Feeds
	// Public serves the public's alert subscriptions and live streams; nil
	// serves none.
	Public *Public
	// ServiceAreas keeps the areas platforms declare; nil: every platform
	// receives every alert.
	ServiceAreas ServiceAreas
}

// API is the HTTP API.
type API struct {
	Config
	api huma.API
}

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// New registers the API under /api on mux.
func New(mux *http.ServeMux, c Config) *API {
	hc := huma.DefaultConfig("Vigie API", c.Version)
	hc.DocsPath = "" // the default docs page loads scripts from the internet
	hc.SchemasPath = ""
	hc.CreateHooks = nil // no $schema links in bodies
	hc.Info.Description = "Removal referrals and orders between authorities and platforms, with deadlines, audit and transparency; " +
		"public alerts in CAP 1.2 written by authorities and approved by a second person. " +
		"Approval needs a person signed in to the web interface: an API key cannot approve an alert (403), " +
		"so that a machine can never be the second person. " +
		"Published alerts are public, without authentication: /cap/{id}.xml, /alerts/feed.atom, /alerts/feed.rss, " +
		"/alerts/exercises.atom, /alerts/exercises.rss, and, when the operator enables it, the WebSub hub at /alerts/hub. " +
		"Authenticate with an API key: `Authorization: Bearer ID.SECRET`. Errors are RFC 9457 problem+json."
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey": {Type: "http", Scheme: "bearer", Description: "An API key issued with `vigie admin key create`."},
	}
	a := &API{Config: c}
	a.api = humago.NewWithPrefix(mux, "/api", hc)
	a.routes()
	a.hmaRoutes(mux)
	a.publicRoutes(mux)
	a.serviceAreaRoutes()
	if c.Feeds != nil {
		c.Feeds.routes(mux)
	}
	return a
}

// OpenAPI returns the generated document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.api.OpenAPI() }

// Authenticate resolves a Bearer API key, when present, into the request's
// principal. A wrong key is refused at once; a missing one is left for the
// handler to refuse, so public routes stay public.
func Authenticate(orgs Orgs, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := bearer(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			p, err := orgs.Authenticate(r.Context(), key)
			if err != nil {
				WriteProblem(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) > len(prefix) && (h[:len(prefix)] == prefix || h[:len(prefix)] == "bearer ") {
		return h[len(prefix):], true
	}
	return "", false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p org.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller, if authenticated.
func PrincipalFrom(ctx context.Context) (org.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(org.Principal)
	return p, ok
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/vigie-project/vigie/fanout"
	"github.com/vigie-project/vigie/geo"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/httpapi"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/sqlstore"
	"github.com/vigie-project/vigie/webhook"
	"github.com/vigie-project/vigie/websub"
)

// alertFlags are the serve flags of public alerting.
type alertFlags struct {
	publicURL     string
	websubHubs    hubList
	websubSelfHub bool
}

func (f *alertFlags) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.publicURL, "public-url", env("PUBLIC_URL", ""),
		"public base URL of this server, for feed links, WebSub topics and the CAP sender; default http://ADDR (env VIGIE_PUBLIC_URL)")
	for _, u := range strings.Split(env("WEBSUB_HUB", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			f.websubHubs.urls = append(f.websubHubs.urls, u)
		}
	}
	fs.Var(&f.websubHubs, "websub-hub", "external WebSub hub to ping on each publication; repeatable or comma-separated (env VIGIE_WEBSUB_HUB)")
	// Off by default: the hub POSTs to callback URLs that anybody may
	// give, and Vigie fetches a URL a stranger typed only when the
	// operator enabled it (and then never a private one, unless
	// --allow-private-webhooks).
	fs.BoolVar(&f.websubSelfHub, "websub-self-hub", envBool("WEBSUB_SELF_HUB", false),
		"act as a WebSub hub for the alert feeds at /alerts/hub, delivering to subscribers' callbacks (env VIGIE_WEBSUB_SELF_HUB)")
}

// hubList is a repeatable, comma-separated URL flag. The first flag
// replaces the environment's list rather than adding to it.
type hubList struct {
	urls []string
	set  bool
}

func (l *hubList) String() string { return strings.Join(l.urls, ",") }

func (l *hubList) Set(v string) error {
	if !l.set {
		l.urls, l.set = nil, true
	}
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			l.urls = append(l.urls, u)
		}
	}
	return nil
}

// publicBase returns the public base URL (no trailing slash) and its host,
// which becomes the CAP sender domain. Without --public-url it is
// http://ADDR, with "localhost" for an unspecified listening host.
func publicBase(raw, addr string) (base, host string, err error) {
	if raw == "" {
		h, port, err := net.SplitHostPort(addr)
		if ip, perr := netip.ParseAddr(h); err != nil || h == "" || perr == nil && ip.IsUnspecified() {
			h = "localhost"
		}
		raw = "http://" + h
		if port != "" {
			raw = "http://" + net.JoinHostPort(h, port)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("--public-url %q: must be an absolute http or https URL such as https://alerts.example.gov", raw)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), u.Hostname(), nil
}

// checkHubURLs checks the external hubs the operator named.
func checkHubURLs(urls []string) error {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--websub-hub %q: must be an absolute http or https URL", raw)
		}
	}
	return nil
}

// alerting is the wired alert capability: the domain service (embedded:
// it is what the API calls), the public feeds, the WebSub hub and the
// fan-out of published messages.
type alerting struct {
	*alert.Service
	store  *sqlstore.DB
	feeds  *httpapi.Feeds
	hub    *websub.Hub
	fanout []fanoutStep
	log    *slog.Logger
	base   string // public URL
}

// fanoutStep is one channel a published message goes out on, beyond the
// platform webhooks (which the store queues with the publication itself).
// A step must tolerate running twice for one message: when a later step
// fails, the whole job runs again.
type fanoutStep struct {
	name string
	run  func(ctx context.Context, a *alert.Alert, f alert.Fanout) error
}

// servedPlatforms sends an alert to the platforms whose declared service
// area (geohash cells) it touches, and to those that declared none.
type servedPlatforms struct {
	orgs  *org.Service
	store *sqlstore.DB
}

func (p servedPlatforms) PlatformsFor(ctx context.Context, a alert.Area) ([]string, error) {
	os, err := p.orgs.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	areas, err := p.store.ServiceAreas(ctx)
	if err != nil {
		return nil, err
	}
	var cover map[string]bool
	if len(areas) > 0 {
		area, err := fanout.Area(&alert.Alert{Area: a})
		if err != nil {
			return nil, err
		}
		if !area.IsEmpty() {
			cells, err := geo.Cover(area, 4)
			if err != nil {
				return nil, err
			}
			cover = map[string]bool{}
			for _, c := range cells {
				cover[c] = true
			}
		}
	}
	var ids []string
	for _, o := range os {
		if o.Kind == org.KindPlatform && (cover == nil || fanout.Touches(areas[o.ID], cover)) {
			ids = append(ids, o.ID)
		}
	}
	return ids, nil
}

// openAlerts wires the alert service, the public feeds, WebSub and the
// fan-out job.
func (a *app) openAlerts(_ context.Context, c serveConfig) error {
	base, host, err := publicBase(c.publicURL, c.addr)
	if err != nil {
		return err
	}
	if err := checkHubURLs(c.websubHubs.urls); err != nil {
		return err
	}
	policy := alert.DefaultPolicy()
	policy.SenderDomain = host
	x := &alerting{store: a.store, log: a.log, base: base}
	x.Service = alert.NewService(a.store, servedPlatforms{a.orgs, a.store}, policy, time.Now, newID)

	hubURL := ""
	var hubs []string
	if c.websubSelfHub {
		hubURL = base + httpapi.HubPath
		hubs = append(hubs, hubURL)
	}
	hubs = append(hubs, c.websubHubs.urls...)
	fc := httpapi.FeedsConfig{Alerts: x, BaseURL: base, Hubs: hubs, Now: time.Now, Log: a.log}
	x.feeds = httpapi.NewFeeds(fc)
	x.hub = websub.New(websub.Config{
		Store: a.store, Topics: x.feeds.Topics(), Content: x.topicContent, URL: hubURL, External: c.websubHubs.urls,
		Client:        webhook.NewHTTPClient(15*time.Second, c.allowPrivate),
		HubClient:     &http.Client{Timeout: 15 * time.Second},
		CheckCallback: func(raw string) error { return webhook.CheckURL(raw, c.allowPrivate) },
		Now:           time.Now, NewID: newID, Log: a.log,
	})
	if x.hub.SelfHosted() {
		fc.Hub = x.hub
		x.feeds = httpapi.NewFeeds(fc)
	}
	for kind, h := range x.hub.Handlers() {
		a.runner.Handle(kind, h)
	}
	// The channels of the fan-out job, in order. Web Push, the live
	// streams and NATS add their steps here.
	x.fanout = []fanoutStep{{name: "websub", run: x.publishWebSub}}
	a.runner.Handle(alert.JobFanout, x.handleFanout)
	a.alerts = x
	return nil
}

// Published returns a message anyone may read: one that was published.
func (x *alerting) Published(ctx context.Context, id string) (*alert.Alert, error) {
	al, err := x.store.GetAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	if al.PublishedAt == nil {
		return nil, vigie.Errorf(vigie.ENotFound, "no such alert")
	}
	return al, nil
}

func (x *alerting) topicContent(ctx context.Context, topic string) (websub.Content, error) {
	doc, err := x.feeds.Render(ctx, topic)
	if err != nil {
		return websub.Content{}, err
	}
	return websub.Content{Type: doc.ContentType, Body: doc.Body}, nil
}

// handleFanout runs the alert.JobFanout job: every channel step for the
// published message. The job was queued in the publication's transaction,
// so each message is fanned out at least once.
func (x *alerting) handleFanout(ctx context.Context, j jobs.Job) error {
	var f alert.Fanout
	if err := json.Unmarshal(j.Payload, &f); err != nil {
		return jobs.Permanent(err)
	}
	al, err := x.store.GetAlert(ctx, f.AlertID)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		return jobs.Permanent(err)
	}
	if err != nil {
		return err
	}
	for _, s := range x.fanout {
		if err := s.run(ctx, al, f); err != nil {
			return fmt.Errorf("fan-out of alert %s to %s: %w", al.ID, s.name, err)
		}
	}
	return nil
}

// publishWebSub tells the subscribers of the feeds the message appears in.
func (x *alerting) publishWebSub(ctx context.Context, a *alert.Alert, _ alert.Fanout) error {
	return x.hub.Publish(ctx, x.feeds.TopicsFor(a)...)
}

// alertLoop marks the messages whose expiry passed, at start and then each
// minute, and forgets expired WebSub subscriptions. The feeds do not wait
// for it (they filter on the expiry time), but WebSub subscribers learn
// from it that an alert left the feeds.
func (a *app) alertLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		a.alerts.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (x *alerting) sweep(ctx context.Context) {
	n, err := x.ExpireDue(ctx)
	if err != nil && ctx.Err() == nil {
		x.log.Error("expire alerts", slog.Any("err", err))
	}
	if n > 0 {
		x.log.Info("alerts expired", slog.Int("messages", n))
		if err := x.hub.Publish(ctx, x.feeds.Topics()...); err != nil && ctx.Err() == nil {
			x.log.Error("websub: publish expiries", slog.Any("err", err))
		}
	}
	if _, err := x.hub.Purge(ctx); err != nil && ctx.Err() == nil {
		x.log.Error("websub: purge subscriptions", slog.Any("err", err))
	}
}

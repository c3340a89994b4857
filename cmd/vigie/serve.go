package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/httpapi"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/metrics"
	"github.com/vigie-project/vigie/notify"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/referral"
	"github.com/vigie-project/vigie/sqlstore"
	"github.com/vigie-project/vigie/webhook"
	"github.com/vigie-project/vigie/webui"
)

// serveConfig is everything `vigie serve` can be told.
type serveConfig struct {
	dbFlags
	addr          string
	demo          bool
	allowPrivate  bool
	deadlineScale float64
	logFormat     string
	workers       int
	maxPixels     int
	alertFlags
	deliveryFlags
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve", stderr)
	c.register(fs)
	c.alertFlags.addFlags(fs)
	c.deliveryFlags.addFlags(fs)
	fs.StringVar(&c.addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (env VIGIE_ADDR)")
	fs.BoolVar(&c.demo, "demo", envBool("DEMO", false), "create demo organisations, users and keys, and print them (env VIGIE_DEMO)")
	fs.BoolVar(&c.allowPrivate, "allow-private-webhooks", envBool("ALLOW_PRIVATE_WEBHOOKS", false),
		"deliver webhooks to private and loopback addresses (on with --demo; env VIGIE_ALLOW_PRIVATE_WEBHOOKS)")
	fs.Float64Var(&c.deadlineScale, "drill-speedup", envFloat("DRILL_SPEEDUP", 1),
		"divide every legal duration by this factor, for exercises and tests (env VIGIE_DRILL_SPEEDUP)")
	fs.StringVar(&c.logFormat, "log", env("LOG", "text"), "log format: text or json (env VIGIE_LOG)")
	fs.IntVar(&c.workers, "workers", 32, "background jobs run at once")
	fs.IntVar(&c.maxPixels, "max-image-pixels", envInt("MAX_IMAGE_PIXELS", pdq.DefaultMaxPixels),
		"largest width×height of an uploaded image; larger ones are refused before decoding (env VIGIE_MAX_IMAGE_PIXELS)")
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	if c.demo {
		c.allowPrivate = true // the demo's platforms are on this machine
	}
	log := newLogger(c.logFormat, stderr)
	app, err := newApp(ctx, c, log)
	if err != nil {
		return err
	}
	defer app.Close()
	if c.demo {
		if err := seedDemo(ctx, app, stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	fmt.Fprintf(stdout, "vigie: listening on http://%s (database: %s)\n", ln.Addr(), c.describe())
	return app.Serve(ctx, ln)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// app is a wired server.
type app struct {
	log       *slog.Logger
	store     *sqlstore.DB
	orgs      *org.Service
	referrals *referral.Service
	media     *media.Service
	delivery  *delivery
	uploads   *media.Uploads
	runner    *jobs.Runner
	metrics   *metrics.Metrics
	handler   http.Handler
	purgeTick time.Duration
	alerts    *alerting
}

func newApp(ctx context.Context, c serveConfig, log *slog.Logger) (*app, error) {
	now := time.Now
	store, err := sqlstore.Open(ctx, c.dsn(), now, newID)
	if err != nil {
		return nil, err
	}
	a := &app{log: log, store: store}
	if store.Dialect() == sqlstore.SQLite {
		// One process owns a SQLite file: jobs it was running when it died
		// can start again at once.
		if n, err := store.ReleaseOrphans(ctx); err != nil {
			store.Close()
			return nil, err
		} else if n > 0 {
			log.Info("resuming jobs interrupted by the last stop", slog.Int64("jobs", n))
		}
	}
	signer, pub, err := signingKey(ctx, store)
	if err != nil {
		store.Close()
		return nil, err
	}
	policy := referral.DefaultPolicy()
	policy.Speedup = c.deadlineScale
	a.orgs = org.NewService(store, now, newID)
	a.referrals = referral.NewService(store, a.orgs, policy, now, newID)
	a.metrics = metrics.New(store)
	a.runner = jobs.NewRunner(store, log, now, jobs.Options{Workers: c.workers, OnDone: a.metrics.Job})
	store.OnEnqueue(a.runner.Wake)

	sender := webhook.NewSender(webhook.NewHTTPClient(10*time.Second, c.allowPrivate), signer, now)
	deliverer := notify.NewDeliverer(notify.Config{
		Endpoints: store, Recorder: store, Sender: sender, Now: now, BackoffScale: 1 / max(c.deadlineScale, 1),
		OnDelivered: a.delivered, Observe: a.metrics.Webhook,
	})
	a.runner.Handle(jobs.KindWebhook, deliverer.Handle)
	a.runner.Handle(referral.JobDeadline, func(ctx context.Context, j jobs.Job) error {
		var t referral.Timer
		if err := json.Unmarshal(j.Payload, &t); err != nil {
			return jobs.Permanent(err)
		}
		return a.referrals.Escalate(ctx, t)
	})
	a.purgeTick = min(time.Hour, policy.Real(policy.Preservation)/10)

	if err := a.openMedia(ctx, c); err != nil {
		store.Close()
		return nil, err
	}
	if err := a.openAlerts(ctx, c); err != nil {
		store.Close()
		return nil, err
	}
	if err := a.openDelivery(ctx, c); err != nil {
		a.delivery.close()
		store.Close()
		return nil, err
	}

	mux := http.NewServeMux()
	checkURL := func(raw string) error { return webhook.CheckURL(raw, c.allowPrivate) }
	httpapi.New(mux, httpapi.Config{Orgs: a.orgs, Referrals: a.referrals, Audit: store, Deliveries: store, Media: a.media, Uploads: a.uploads, Log: log, Now: now,
		Alerts: a.alerts, Feeds: a.alerts.feeds, Public: a.delivery.public(), ServiceAreas: store,
		CheckWebhookURL: checkURL, WebhookPublicKey: pub, Version: version})
	webui.New(mux, webui.Config{Orgs: a.orgs, Referrals: a.referrals, Audit: store, Media: a.media, Uploads: a.uploads,
		Alerts: a.alerts, AlertDeliveries: a.alerts, Log: log, Now: now, CheckWebhookURL: checkURL})
	a.delivery.mount(mux)
	mux.Handle("GET /metrics", a.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := store.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	idem := httpapi.Idempotency(idempotencyStore{store}, log)
	a.handler = recoverer(log, limitBody(log, httpapi.Authenticate(a.orgs, log)(idem(a.metrics.Middleware(mux)))))
	return a, nil
}

// delivered reacts to successful webhook deliveries: a referral's receipt.
func (a *app) delivered(ctx context.Context, w jobs.Webhook, at time.Time) error {
	if w.Type != "referral.created" {
		return nil
	}
	return a.referrals.Delivered(ctx, strings.TrimPrefix(w.Subject, "referral/"), at)
}

// signingKey returns the webhook signing key, creating it on first start.
// It lives in the database so that every instance signs with the same key.
func signingKey(ctx context.Context, store *sqlstore.DB) (*webhook.Signer, string, error) {
	_, priv, err := webhook.GenerateKey()
	if err != nil {
		return nil, "", err
	}
	v, err := store.InitSetting(ctx, "webhook_signing_key", webhook.EncodeSecretKey(priv))
	if err != nil {
		return nil, "", err
	}
	if priv, err = webhook.ParseSecretKey(v); err != nil {
		return nil, "", fmt.Errorf("stored webhook signing key: %w", err)
	}
	s := webhook.NewSigner(priv)
	return s, webhook.EncodePublicKey(s.PublicKey()), nil
}

// Serve runs the HTTP server, the job runner and the purge until ctx ends,
// then shuts down gracefully: requests in flight finish, jobs in flight
// finish, and whatever was not started waits in the database.
func (a *app) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.runner.Run(bg) })
	wg.Go(func() { a.purgeLoop(bg) })
	wg.Go(func() { a.mediaLoop(bg) })
	wg.Go(func() { a.alertLoop(bg) })
	wg.Go(func() { a.delivery.run(bg, a) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if e := srv.Shutdown(shutdownCtx); e != nil && err == nil {
		err = e
	}
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// purgeLoop deletes what has outlived its purpose: preservation records
// past their term, stored idempotent answers after a day, ended sessions.
func (a *app) purgeLoop(ctx context.Context) {
	t := time.NewTicker(a.purgeTick)
	defer t.Stop()
	for {
		if n, err := a.referrals.Purge(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("purge preservation records", slog.Any("err", err))
		} else if n > 0 {
			a.log.Info("purged expired preservation records", slog.Int("records", n))
		}
		if _, err := a.store.ForgetResponses(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			a.log.Error("forget idempotent responses", slog.Any("err", err))
		}
		if _, err := a.store.DeleteExpiredSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("delete expired sessions", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// idempotencyStore adapts the SQL store to the API's idempotency layer.
type idempotencyStore struct{ db *sqlstore.DB }

func (s idempotencyStore) SavedResponse(ctx context.Context, orgID, key string) (*httpapi.SavedResponse, error) {
	r, err := s.db.SavedResponse(ctx, orgID, key)
	if r == nil || err != nil {
		return nil, err
	}
	return &httpapi.SavedResponse{RequestHash: r.RequestHash, Status: r.Status, ContentType: r.ContentType, Body: r.Body}, nil
}

func (s idempotencyStore) SaveResponse(ctx context.Context, orgID, key string, r httpapi.SavedResponse) error {
	return s.db.SaveResponse(ctx, orgID, key, sqlstore.StoredResponse(r))
}

// Close releases the database.
func (a *app) Close() error {
	if a.media != nil {
		a.media.Index().Close()
	}
	a.delivery.close()
	return a.store.Close()
}

// limitBody caps every request body, API and forms alike. A body declared
// too large is refused before it is read, and the connection closed so the
// unread bytes cannot be taken for the next request; a chunked one is cut
// off by MaxBytesReader.
func limitBody(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyLimit(r)
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			httpapi.WriteProblem(w, r, log, vigie.Errorf(vigie.ETooLarge, "the request body is over the limit of %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is the largest body a request may send: uploads of photos and
// videos to hash may be larger than anything else.
func bodyLimit(r *http.Request) int64 {
	p := r.URL.Path
	switch {
	case p == "/api/v1/match/media", p == "/hma/h/hash", p == "/hma/m/lookup", p == "/match",
		strings.HasPrefix(p, "/api/v1/banks/") && strings.HasSuffix(p, "/media"),
		strings.HasPrefix(p, "/banks/") && strings.HasSuffix(p, "/media"),
		strings.HasPrefix(p, "/hma/c/bank/") && strings.HasSuffix(p, "/content"):
		return httpapi.MaxUpload
	}
	return httpapi.MaxBody
}

// recoverer turns a handler panic into a logged 500 instead of a dropped
// connection.
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				log.Error("handler panicked", slog.Any("panic", v), slog.String("path", r.URL.Path))
				http.Error(w, "Internal error.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

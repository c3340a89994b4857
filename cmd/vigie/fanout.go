package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/fanout"
	"github.com/vigie-project/vigie/httpapi"
	"github.com/vigie-project/vigie/natsbus"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/push"
	"github.com/vigie-project/vigie/sqlstore"
	"github.com/vigie-project/vigie/tiles"
	"github.com/vigie-project/vigie/webhook"
	"github.com/vigie-project/vigie/webpush"
)

// deliveryFlags are the flags of the people-facing delivery.
type deliveryFlags struct {
	natsURL string
	mbtiles string
}

func (f *deliveryFlags) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.natsURL, "nats", env("NATS", ""),
		"NATS cluster for the alert fan-out, e.g. nats://a:4222,nats://b:4222 (env VIGIE_NATS; default: JetStream in process, kept in the data folder)")
	fs.StringVar(&f.mbtiles, "tiles", env("TILES", ""),
		"MBTiles file of map tiles, e.g. an OpenStreetMap extract (env VIGIE_TILES; default: the built-in basemap)")
}

// delivery is the wired people-facing delivery: subscriptions, the bus,
// the fan-out engine and the live streams.
type delivery struct {
	people   *push.Service
	engine   *fanout.Engine
	live     *fanout.Live
	vapid    *webpush.VAPID
	bus      *natsbus.Bus
	embedded *natsbus.Embedded
	sender   *webpush.Sender
	tempDir  string
	tiles    *tiles.Handler
}

// openDelivery wires Web Push subscriptions, the NATS bus and the fan-out,
// and adds the fan-out step to published alerts.
func (a *app) openDelivery(ctx context.Context, c serveConfig) error {
	d := &delivery{}
	a.delivery = d
	key, err := webpush.GenerateVAPID("mailto:alerts@" + a.alerts.Policy().SenderDomain)
	if err != nil {
		return err
	}
	priv, _ := key.PrivateKey()
	if priv, err = a.store.InitSetting(ctx, "vapid_private_key", priv); err != nil {
		return err
	}
	if d.vapid, err = webpush.ParseVAPID(priv, "mailto:alerts@"+a.alerts.Policy().SenderDomain); err != nil {
		return fmt.Errorf("stored VAPID key: %w", err)
	}
	check := func(raw string) error { return webhook.CheckURL(raw, c.allowPrivate) }
	d.people = push.NewService(pushStore{a.store}, check, c.allowPrivate, time.Now)
	n, err := d.people.Load(ctx)
	if err != nil {
		return err
	}
	a.log.Info("alert subscriptions loaded", "subscriptions", n)

	if c.natsURL != "" {
		if d.bus, err = natsbus.Connect(ctx, c.natsURL, a.log); err != nil {
			return err
		}
	} else {
		dir := c.data
		if dir == "" {
			if d.tempDir, err = os.MkdirTemp("", "vigie-nats-"); err != nil {
				return err
			}
			dir = d.tempDir
		}
		if d.embedded, err = natsbus.StartEmbedded(ctx, natsbus.Options{Dir: filepath.Join(dir, "nats"), Logger: a.log}); err != nil {
			return err
		}
		d.bus = d.embedded.Bus
	}
	replicas := 1
	if c.natsURL != "" {
		replicas = 3
	}
	if err := d.bus.EnsureStream(ctx, natsbus.StreamOptions{Replicas: replicas, MaxAge: 24 * time.Hour}); err != nil {
		return err
	}
	d.sender = webpush.NewPipelinedSender(webpush.ClientConfig{}, d.vapid, time.Now)
	ledger := ledgerStore{a.store}
	d.live = fanout.NewLive(ledger, time.Now)
	d.engine = fanout.New(fanout.Config{Alerts: a.store, People: d.people, Ledger: ledger, Bus: d.bus, Push: d.sender, Live: d.live,
		BaseURL: a.alerts.base, Now: time.Now, Log: a.log})
	a.alerts.fanout = append(a.alerts.fanout, fanoutStep{name: "webpush and live", run: d.engine.Start})
	a.alerts.Service.WithAudience(audience{d.people})

	var src tiles.Source = tiles.NewBasemap()
	if c.mbtiles != "" {
		mb, err := tiles.OpenMBTiles(c.mbtiles)
		if err != nil {
			return err
		}
		src = mb
	}
	d.tiles = tiles.NewHandler(src, tiles.Options{Logger: a.log})
	return nil
}

// mount serves the map tiles and the administrative areas.
func (d *delivery) mount(mux *http.ServeMux) {
	mux.Handle("GET /tiles/", http.StripPrefix("/tiles", d.tiles))
	mux.Handle("GET /areas/", http.StripPrefix("/areas", tiles.AreasHandler()))
}

func (d *delivery) public() *httpapi.Public {
	return &httpapi.Public{People: d.people, VAPIDPublicKey: d.vapid.PublicKey(), Live: d.live}
}

// run consumes the fan-out tasks until ctx ends.
func (d *delivery) run(ctx context.Context, a *app) {
	if err := d.engine.Run(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("alert fan-out stopped", "err", err)
	}
}

func (d *delivery) close() {
	if d == nil {
		return
	}
	if d.sender != nil {
		d.sender.Close()
	}
	if d.embedded != nil {
		d.embedded.Shutdown()
	} else if d.bus != nil {
		d.bus.Close()
	}
	if d.tempDir != "" {
		os.RemoveAll(d.tempDir)
	}
}

// DeliveryReport is the authority's delivery view of one of its alerts.
func (x *alerting) DeliveryReport(ctx context.Context, p org.Principal, id string) (*alert.DeliveryReport, error) {
	al, err := x.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	hooks, err := x.store.WebhookDeliveries(ctx, "alert/"+id)
	if err != nil {
		return nil, err
	}
	other, err := x.store.DeliveryTimes(ctx, id)
	if err != nil {
		return nil, err
	}
	recs := make([]fanout.Record, 0, len(hooks)+len(other))
	for _, r := range append(hooks, other...) {
		recs = append(recs, fanout.Record(r))
	}
	return fanout.Report(al, recs), nil
}

// audience counts the subscriptions an alert's area reaches.
type audience struct{ people *push.Service }

func (au audience) CountIn(_ context.Context, ar alert.Area) (int, error) {
	area, err := fanout.Area(&alert.Alert{Area: ar})
	if err != nil || area.IsEmpty() {
		return 0, err
	}
	return au.people.Count(area)
}

// pushStore and ledgerStore adapt the SQL store to push and fanout.
type pushStore struct{ *sqlstore.DB }

func (s pushStore) AllPushSubscriptionCells(ctx context.Context) iter.Seq2[uint32, []string] {
	return s.DB.AllPushSubscriptionCells(ctx)
}

type ledgerStore struct{ db *sqlstore.DB }

func (s ledgerStore) RecordDeliveries(ctx context.Context, recs []fanout.Record) error {
	out := make([]sqlstore.DeliveryRecord, len(recs))
	for i, r := range recs {
		out[i] = sqlstore.DeliveryRecord(r)
	}
	return s.db.RecordDeliveries(ctx, out)
}

func (s ledgerStore) DeliveredTargets(ctx context.Context, alertID, channel string, targets []string) (map[string]bool, error) {
	return s.db.DeliveredTargets(ctx, alertID, channel, targets)
}

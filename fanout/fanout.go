// Package fanout delivers published alerts to people and live screens: it
// selects the Web Push subscriptions whose cells touch the alert's area,
// queues them in batches on the NATS JetStream bus, and workers encrypt and
// send each batch, recording every outcome in a ledger. Live Server-Sent
// Events streams get the alert through a NATS broadcast, so every instance
// serves its own connected screens.
//
// Durability: the alert's fan-out job is committed with its publication;
// the batches are published with stable message ids (a job run twice queues
// nothing twice); a batch is acknowledged only after its outcomes are in the
// ledger, and a redelivered batch skips the subscribers already in it. The
// window left is a crash between a push service's 201 and the ledger's
// commit: those few subscribers (at most one batch) would get the message
// again, and every message carries an RFC 8030 Topic per alert chain, so a
// push service still holding the first copy replaces it instead of showing
// two.
package fanout

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/gazetteer"
	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/natsbus"
	"github.com/vigie-project/vigie/push"
	"github.com/vigie-project/vigie/webpush"
)

// Record is one target's outcome in the ledger.
type Record struct {
	AlertID, Channel, Target string
	Status                   string // delivered, failed, gone, selected
	Detail                   string
	SentAt, DoneAt           time.Time
}

// Ledger keeps what each alert's fan-out did.
type Ledger interface {
	RecordDeliveries(ctx context.Context, recs []Record) error
	DeliveredTargets(ctx context.Context, alertID, channel string, targets []string) (map[string]bool, error)
}

// People is the subscriptions service.
type People interface {
	Select(a geo.Area) ([]uint32, error)
	Subscriptions(ctx context.Context, ids []uint32) ([]*push.Subscription, error)
	Remove(ctx context.Context, id uint32) error
}

// Alerts reads alerts without a caller's scope: the fan-out runs for the
// system.
type Alerts interface {
	GetAlert(ctx context.Context, id string) (*alert.Alert, error)
}

// Pusher sends Web Push messages (webpush.Sender).
type Pusher interface {
	FanOut(ctx context.Context, subs []webpush.Subscription, payload []byte, opts webpush.Options, cfg webpush.FanOutConfig, report func(webpush.Delivery)) error
}

// Config holds the engine's dependencies.
type Config struct {
	Alerts  Alerts
	People  People
	Ledger  Ledger
	Bus     *natsbus.Bus
	Push    Pusher
	Live    *Live
	BaseURL string // public URL, for the page a notification opens
	Batch   int    // subscriptions per task; default 500
	Workers int    // batches sent at once by this instance; default 4
	Now     func() time.Time
	Log     *slog.Logger
}

// Engine runs the fan-out.
type Engine struct {
	Config
	limiter *webpush.Limiter

	mu     sync.Mutex
	alerts map[string]*alert.Alert // published content never changes
}

// flushEvery is how many outcomes are written to the ledger together.
const flushEvery = 16

// The bus subjects.
const (
	channelPush = "webpush"
	liveSubject = "vigie.live.alerts"
	durablePush = "webpush"
)

// New returns an engine; Run starts its workers.
func New(c Config) *Engine {
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	return &Engine{Config: c, limiter: webpush.NewLimiter(c.Now), alerts: map[string]*alert.Alert{}}
}

// task is one batch of subscribers for one alert.
type task struct {
	AlertID string    `json:"alert_id"`
	IDs     []uint32  `json:"ids"`
	Queued  time.Time `json:"queued"`
}

// Area is the geometry of an alert: its shapes and the outlines of its
// administrative codes.
func Area(al *alert.Alert) (geo.Area, error) {
	var a geo.Area
	for _, s := range al.Area.Polygons {
		p, err := geo.ParsePolygon(s)
		if err != nil {
			return a, err
		}
		a.Polygons = append(a.Polygons, p)
	}
	for _, s := range al.Area.Circles {
		c, err := geo.ParseCircle(s)
		if err != nil {
			return a, err
		}
		a.Circles = append(a.Circles, c)
	}
	for _, g := range al.Area.Geocodes {
		ar, ok := gazetteer.ByGeocode(g.ValueName, g.Value)
		if !ok {
			continue
		}
		for _, s := range ar.CAPPolygons() {
			p, err := geo.ParsePolygon(s)
			if err == nil {
				a.Polygons = append(a.Polygons, p)
			}
		}
	}
	return a, nil
}

// areaOf returns the area of a message, or for a Cancel (which has none)
// the area of the message it cancels.
func (e *Engine) areaOf(ctx context.Context, al *alert.Alert) (geo.Area, error) {
	for range 20 {
		if !al.Area.Empty() || al.Replaces == "" {
			return Area(al)
		}
		prev, err := e.alert(ctx, al.Replaces)
		if err != nil {
			return geo.Area{}, err
		}
		al = prev
	}
	return geo.Area{}, fmt.Errorf("fanout: chain of alert %s too long", al.ID)
}

func (e *Engine) alert(ctx context.Context, id string) (*alert.Alert, error) {
	e.mu.Lock()
	al, ok := e.alerts[id]
	e.mu.Unlock()
	if ok {
		return al, nil
	}
	al, err := e.Alerts.GetAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if len(e.alerts) > 1000 {
		clear(e.alerts)
	}
	e.alerts[id] = al
	e.mu.Unlock()
	return al, nil
}

// Start is the fan-out step of a published message: it queues the Web Push
// batches and broadcasts to the live streams. It may run more than once for
// one message (the job is retried when any of its steps fails): the batch
// ids make the second run queue nothing new.
func (e *Engine) Start(ctx context.Context, al *alert.Alert, _ alert.Fanout) error {
	area, err := e.areaOf(ctx, al)
	if err != nil {
		return err
	}
	now := e.Now()
	var ids []uint32
	if !area.IsEmpty() {
		if ids, err = e.People.Select(area); err != nil {
			return err
		}
	}
	slices.Sort(ids)
	if err := e.Ledger.RecordDeliveries(ctx, []Record{{AlertID: al.ID, Channel: channelPush, Target: "selected", Status: "selected",
		Detail: strconv.Itoa(len(ids)), SentAt: now, DoneAt: now}}); err != nil {
		return err
	}
	for n, lo := 0, 0; lo < len(ids); n, lo = n+1, lo+e.Batch {
		t := task{AlertID: al.ID, IDs: ids[lo:min(lo+e.Batch, len(ids))], Queued: now}
		data, _ := json.Marshal(t)
		subject, err := natsbus.FanoutSubject(channelPush, strconv.Itoa(n%16))
		if err != nil {
			return err
		}
		if _, err := e.Bus.Publish(ctx, subject, fmt.Sprintf("%s.%s.%d", al.ID, channelPush, n), data, nil); err != nil {
			return fmt.Errorf("fanout: queue batch %d of alert %s: %w", n, al.ID, err)
		}
	}
	return e.broadcast(ctx, al, area)
}

// Run consumes the Web Push batches and the live broadcasts until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	if e.Live != nil {
		sub, err := e.Bus.NATS().Subscribe(liveSubject, func(m *natsMsg) { e.Live.receive(m.Data) })
		if err != nil {
			return err
		}
		defer sub.Unsubscribe()
	}
	return e.Bus.Consume(ctx, natsbus.ConsumerOptions{Durable: durablePush, FilterSubject: natsbus.ChannelSubjects(channelPush),
		Workers: e.Workers, AckWait: 15 * time.Second, MaxDeliver: 20}, e.handle)
}

// handle sends one batch.
func (e *Engine) handle(ctx context.Context, m natsbus.Msg) error {
	var t task
	if err := json.Unmarshal(m.Data, &t); err != nil {
		return natsbus.Permanent{Err: err}
	}
	al, err := e.alert(ctx, t.AlertID)
	if vigie.ErrorCode(err) == vigie.ENotFound {
		return natsbus.Permanent{Err: err}
	}
	if err != nil {
		return err
	}
	targets := make([]string, len(t.IDs))
	for i, id := range t.IDs {
		targets[i] = strconv.FormatUint(uint64(id), 10)
	}
	done, err := e.Ledger.DeliveredTargets(ctx, al.ID, channelPush, targets)
	if err != nil {
		return err
	}
	var todo []uint32
	for i, id := range t.IDs {
		if !done[targets[i]] {
			todo = append(todo, id)
		}
	}
	subs, err := e.People.Subscriptions(ctx, todo)
	if err != nil {
		return err
	}
	byLang := map[string][]*push.Subscription{}
	for _, s := range subs {
		byLang[s.Lang] = append(byLang[s.Lang], s)
	}
	opts := e.options(al)
	// Outcomes are written as they come, a few dozen at a time, so that a
	// crash forgets as few sends as possible: a redelivered batch skips
	// whoever is in the ledger.
	var (
		recMu   sync.Mutex
		recs    []Record
		retry   time.Duration
		pending int
		flushMu sync.Mutex
		flushed error
	)
	flush := func(final bool) {
		recMu.Lock()
		if len(recs) < flushEvery && !final {
			recMu.Unlock()
			return
		}
		out := recs
		recs = nil
		recMu.Unlock()
		flushMu.Lock()
		defer flushMu.Unlock()
		if err := e.Ledger.RecordDeliveries(context.WithoutCancel(ctx), out); err != nil && flushed == nil {
			flushed = err
		}
	}
	for lang, group := range byLang {
		payload, err := Payload(al, lang, e.BaseURL)
		if err != nil {
			return natsbus.Permanent{Err: err}
		}
		wsubs := make([]webpush.Subscription, len(group))
		for i, s := range group {
			wsubs[i] = s.Push()
		}
		sent := e.Now()
		err = e.Push.FanOut(ctx, wsubs, payload, opts, webpush.FanOutConfig{Limiter: e.limiter, Concurrency: 64}, func(d webpush.Delivery) {
			s := group[d.Index]
			r := Record{AlertID: al.ID, Channel: channelPush, Target: strconv.FormatUint(uint64(s.ID), 10), SentAt: sent, DoneAt: e.Now()}
			switch d.Result.Outcome {
			case webpush.Delivered:
				r.Status = "delivered"
			case webpush.Gone:
				r.Status = "gone"
				if err := e.People.Remove(context.WithoutCancel(ctx), s.ID); err != nil {
					e.Log.Warn("fanout: remove a gone subscription", "subscription", s.ID, "err", err)
				}
			case webpush.Failed, webpush.TooLarge:
				r.Status, r.Detail = "failed", errText(d.Result.Err)
			default: // retryable: not recorded, the batch comes back
				recMu.Lock()
				pending++
				retry = max(retry, d.Result.RetryAfter)
				recMu.Unlock()
				return
			}
			recMu.Lock()
			recs = append(recs, r)
			recMu.Unlock()
			flush(false)
		})
		if err != nil && ctx.Err() == nil {
			e.Log.Warn("fanout: web push", "alert", al.ID, "err", err)
		}
	}
	flush(true)
	if flushed != nil {
		return flushed
	}
	if pending > 0 {
		return natsbus.Retry{After: max(retry, 5*time.Second), Err: fmt.Errorf("%d subscribers to try again", pending)}
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// options are the Web Push request parameters of an alert: kept by the
// push service until the alert expires (a day at most), urgent when the
// alert is, and one Topic per chain so that an Update or Cancel replaces a
// message the device has not fetched yet.
func (e *Engine) options(al *alert.Alert) webpush.Options {
	ttl := min(max(al.Expires.Sub(e.Now()), 0), 24*time.Hour).Truncate(time.Second)
	o := webpush.Options{TTL: ttl, Urgency: webpush.UrgencyNormal, Topic: Topic(al)}
	if al.Urgency == cap.UrgImmediate || al.Severity == cap.SevExtreme {
		o.Urgency = webpush.UrgencyHigh
	}
	return o
}

// Topic is the RFC 8030 topic of an alert's chain: 32 base64url characters.
func Topic(al *alert.Alert) string {
	chain := al.ChainID
	if chain == "" {
		chain = al.ID
	}
	sum := sha256.Sum256([]byte(chain))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// Message is what a device receives: the alert in one language and its
// exact area, which the device checks itself.
type Message struct {
	ID          string       `json:"id"`
	Identifier  string       `json:"identifier"`
	Chain       string       `json:"chain"`
	Status      cap.Status   `json:"status"`
	MsgType     cap.MsgType  `json:"msg_type"`
	Event       string       `json:"event"`
	Headline    string       `json:"headline,omitempty"`
	Description string       `json:"description,omitempty"`
	Instruction string       `json:"instruction,omitempty"`
	AreaDesc    string       `json:"area_desc,omitempty"`
	Severity    cap.Severity `json:"severity"`
	Urgency     cap.Urgency  `json:"urgency"`
	Expires     time.Time    `json:"expires"`
	URL         string       `json:"url"`
	Lang        string       `json:"lang"`
	Area        struct {
		Polygons []string `json:"polygons,omitempty"`
		Circles  []string `json:"circles,omitempty"`
	} `json:"area"`
}

// maxPayload is what fits in a Web Push message after encryption
// (RFC 8291: 4,096 bytes of record, minus the header and padding).
const maxPayload = 3800

// Payload renders an alert for a subscriber's language (else English,
// else the first), cut to fit one push message: the description goes
// first, then the area's vertices beyond a simplified outline.
func Payload(al *alert.Alert, lang, baseURL string) ([]byte, error) {
	m := message(al, lang, baseURL)
	b, err := json.Marshal(m)
	for err == nil && len(b) > maxPayload {
		switch {
		case len(m.Description) > 0:
			cut := max(0, len(m.Description)-(len(b)-maxPayload)-3)
			m.Description = truncateUTF8(m.Description, cut)
			if m.Description != "" {
				m.Description += "…"
			}
		case len(m.Area.Polygons) > 1:
			m.Area.Polygons = m.Area.Polygons[:len(m.Area.Polygons)-1]
		case len(m.Instruction) > 200:
			m.Instruction = truncateUTF8(m.Instruction, 200) + "…"
		default:
			// A single huge polygon: the device cannot check it, and it
			// shows the alert instead (it errs on the side of warning).
			m.Area.Polygons = nil
		}
		b, err = json.Marshal(m)
	}
	return b, err
}

func truncateUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func message(al *alert.Alert, lang, baseURL string) Message {
	m := Message{ID: al.ID, Identifier: al.Identifier, Chain: al.ChainID, Status: al.Status, MsgType: al.MsgType, Event: al.Event,
		Severity: al.Severity, Urgency: al.Urgency, Expires: al.Expires, URL: strings.TrimSuffix(baseURL, "/") + "/cap/" + al.ID + ".xml", Lang: lang}
	m.Area.Polygons, m.Area.Circles = al.Area.Polygons, al.Area.Circles
	var pick *alert.Info
	for i := range al.Infos {
		if strings.HasPrefix(strings.ToLower(al.Infos[i].Language), lang) {
			pick = &al.Infos[i]
			break
		}
	}
	for i := range al.Infos {
		if pick == nil && strings.HasPrefix(strings.ToLower(al.Infos[i].Language), "en") {
			pick = &al.Infos[i]
		}
	}
	if pick == nil && len(al.Infos) > 0 {
		pick = &al.Infos[0]
	}
	if pick != nil {
		m.Lang = pick.Language
		if pick.Event != "" {
			m.Event = pick.Event
		}
		m.Headline, m.Description, m.Instruction, m.AreaDesc = pick.Headline, pick.Description, pick.Instruction, pick.AreaDesc
	}
	return m
}

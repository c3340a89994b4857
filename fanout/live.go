package fanout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/geo"
)

type natsMsg = nats.Msg

// liveCellPrecision is the precision of the cells an alert is announced
// for on the live streams: about 39 × 20 km, coarse enough that even a
// region-wide alert is a few hundred cells.
const liveCellPrecision = 4

// broadcast is the live message every instance receives.
type broadcast struct {
	Cells    []string          `json:"cells"` // the alert's cover at liveCellPrecision; empty: everywhere
	Payloads map[string][]byte `json:"payloads"`
	AlertID  string            `json:"alert_id"`
	Sent     time.Time         `json:"sent"`
}

// broadcast sends the alert to every instance's live streams.
func (e *Engine) broadcast(ctx context.Context, al *alert.Alert, area geo.Area) error {
	if e.Live == nil {
		return nil
	}
	b := broadcast{Payloads: map[string][]byte{}, AlertID: al.ID, Sent: e.Now()}
	if !area.IsEmpty() {
		cells, err := geo.Cover(area, liveCellPrecision)
		if err != nil {
			return err
		}
		b.Cells = cells
	}
	for _, lang := range []string{"fr", "en", "ar"} {
		p, err := Payload(al, lang, e.BaseURL)
		if err != nil {
			return err
		}
		b.Payloads[lang] = p
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return e.Bus.NATS().Publish(liveSubject, data)
}

// Live is this instance's set of connected live streams.
type Live struct {
	ledger   Ledger
	now      func() time.Time
	instance string // tells this instance's streams from others' in the ledger

	mu      sync.Mutex
	next    int
	clients map[int]*client
}

type client struct {
	cells []string
	lang  string
	out   chan []byte
}

// NewLive returns an empty set; deliveries are recorded in the ledger.
func NewLive(ledger Ledger, now func() time.Time) *Live {
	var b [6]byte
	rand.Read(b[:])
	return &Live{ledger: ledger, now: now, instance: hex.EncodeToString(b[:]), clients: map[int]*client{}}
}

// Subscribe adds a stream for the alerts touching any of cells (all alerts
// when cells is empty) in lang, and returns its channel and the function
// that ends it. A stream that does not keep up loses messages rather than
// slowing the others.
func (l *Live) Subscribe(cells []string, lang string) (<-chan []byte, func()) {
	c := &client{cells: cells, lang: lang, out: make(chan []byte, 16)}
	l.mu.Lock()
	id := l.next
	l.next++
	l.clients[id] = c
	l.mu.Unlock()
	return c.out, func() {
		l.mu.Lock()
		delete(l.clients, id)
		l.mu.Unlock()
	}
}

// Len is the number of connected streams.
func (l *Live) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

func (c *client) wants(cover map[string]bool) bool { return Touches(c.cells, cover) }

// Touches reports whether any of cells (geohash cells of any precision)
// meets an area covered by cells of precision 4; no cells means
// everywhere, and so does an empty cover.
func Touches(cells []string, cover map[string]bool) bool {
	if len(cells) == 0 || len(cover) == 0 {
		return true
	}
	for _, cell := range cells {
		if len(cell) >= liveCellPrecision {
			if cover[cell[:liveCellPrecision]] {
				return true
			}
			continue
		}
		for k := range cover {
			if strings.HasPrefix(k, cell) {
				return true
			}
		}
	}
	return false
}

// receive hands a broadcast to the streams it concerns.
func (l *Live) receive(data []byte) {
	var b broadcast
	if json.Unmarshal(data, &b) != nil {
		return
	}
	cover := make(map[string]bool, len(b.Cells))
	for _, c := range b.Cells {
		cover[c] = true
	}
	now := l.now()
	var recs []Record
	l.mu.Lock()
	for id, c := range l.clients {
		if !c.wants(cover) {
			continue
		}
		p, ok := b.Payloads[c.lang]
		if !ok {
			p = b.Payloads["en"]
		}
		select {
		case c.out <- p:
			recs = append(recs, Record{AlertID: b.AlertID, Channel: alert.ChannelSSE, Target: l.instance + "/" + strconv.Itoa(id),
				Status: "delivered", SentAt: b.Sent, DoneAt: now})
		default:
		}
	}
	l.mu.Unlock()
	if len(recs) > 0 && l.ledger != nil {
		_ = l.ledger.RecordDeliveries(context.Background(), recs)
	}
}

// Package push keeps people's subscriptions to crisis alerts: a browser's
// Web Push subscription and the map cells (geohash cells of about 5 km, or
// wider) that its owner chose. Nothing finer than a cell is ever stored: the
// public page computes the cell of "my location" in the browser and sends
// only the cell; the alert's exact polygon travels in the push message and
// the device checks it.
//
// The in-memory areaindex answers "who is inside this alert's area" for
// millions of subscriptions in milliseconds; the store is the durable copy
// it is loaded from at start-up.
package push

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/areaindex"
	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/webpush"
)

// Limits on what one subscription may hold.
const (
	MaxCells     = 50 // cells per subscription: a few towns, not a country
	MinPrecision = 4  // about 39 km × 20 km
	MaxPrecision = 6  // about 1.2 km × 0.6 km: finer would locate a person
)

// Languages a subscriber may choose; the push message carries the alert's
// text in this language when the alert has it.
var Languages = []string{"fr", "en", "ar", "de", "es", "it", "nl", "pt"}

// Subscription is one browser subscribed to alerts for some cells.
type Subscription struct {
	ID        uint32
	Endpoint  string
	P256dh    []byte
	Auth      []byte
	Cells     []string
	Lang      string
	CreatedAt time.Time
	TokenHash string // SHA-256 of the secret that lets its owner unsubscribe
}

// Push returns the Web Push subscription.
func (s *Subscription) Push() webpush.Subscription {
	return webpush.Subscription{Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth}
}

// Browser is a PushSubscription as the browser's toJSON() gives it.
type Browser struct {
	Endpoint       string   `json:"endpoint" maxLength:"2000"`
	ExpirationTime *float64 `json:"expirationTime,omitempty"`
	Keys           struct {
		P256dh string `json:"p256dh" maxLength:"200" doc:"base64url"`
		Auth   string `json:"auth" maxLength:"100" doc:"base64url"`
	} `json:"keys"`
}

// Request is what the public page sends to subscribe.
type Request struct {
	Subscription Browser  `json:"subscription" doc:"The browser's PushSubscription, as PushSubscription.toJSON() gives it."`
	Cells        []string `json:"cells" minItems:"1" maxItems:"50" doc:"Geohash cells (precision 4 to 6) to be alerted for."`
	Lang         string   `json:"lang,omitempty" doc:"Preferred language of the alerts: fr, en, ar, …"`
}

// Store keeps subscriptions.
type Store interface {
	// SavePushSubscription stores s, giving it its ID; an existing subscription
	// of the same endpoint is replaced (a browser re-subscribing).
	SavePushSubscription(ctx context.Context, s *Subscription) error
	PushSubscription(ctx context.Context, id uint32) (*Subscription, error)
	PushSubscriptions(ctx context.Context, ids []uint32) ([]*Subscription, error)
	DeletePushSubscription(ctx context.Context, id uint32) (bool, error)
	// AllPushSubscriptionCells yields every subscription's id and cells, for the
	// start-up load.
	AllPushSubscriptionCells(ctx context.Context) iter.Seq2[uint32, []string]
}

// URLChecker refuses push endpoints that Vigie must not call.
type URLChecker func(raw string) error

// Service subscribes and unsubscribes people, and selects them by area.
type Service struct {
	store     Store
	index     *areaindex.Index
	check     URLChecker
	allowHTTP bool
	now       func() time.Time
}

// NewService returns a service; Load fills its index. allowHTTP accepts
// push endpoints without TLS, for push services on a test machine only.
func NewService(store Store, check URLChecker, allowHTTP bool, now func() time.Time) *Service {
	return &Service{store: store, index: areaindex.New(), check: check, allowHTTP: allowHTTP, now: now}
}

// Load reads every subscription's cells into the index.
func (s *Service) Load(ctx context.Context) (int, error) {
	n := 0
	err := s.index.Load(func(yield func(uint32, string) bool) {
		for id, cells := range s.store.AllPushSubscriptionCells(ctx) {
			n++
			for _, c := range cells {
				if !yield(id, c) {
					return
				}
			}
		}
	}, 0)
	return n, err
}

// Subscribe validates and stores a subscription, and returns the secret
// its owner needs to unsubscribe.
func (s *Service) Subscribe(ctx context.Context, r Request) (*Subscription, string, error) {
	raw, _ := json.Marshal(r.Subscription)
	ws, err := webpush.ParseSubscription(raw)
	if err != nil {
		return nil, "", vigie.Invalid("body.subscription", "%v", err)
	}
	if !strings.HasPrefix(ws.Endpoint, "https://") && !(s.allowHTTP && strings.HasPrefix(ws.Endpoint, "http://")) {
		return nil, "", vigie.Invalid("body.subscription.endpoint", "must be an https URL of a push service")
	}
	if s.check != nil {
		if err := s.check(ws.Endpoint); err != nil {
			return nil, "", vigie.Invalid("body.subscription.endpoint", "%v", err)
		}
	}
	if len(r.Cells) == 0 || len(r.Cells) > MaxCells {
		return nil, "", vigie.Invalid("body.cells", "choose 1 to %d cells", MaxCells)
	}
	cells := make([]string, 0, len(r.Cells))
	for i, c := range r.Cells {
		c = strings.ToLower(strings.TrimSpace(c))
		if _, err := geo.ParseCell(c); err != nil {
			return nil, "", vigie.Invalid(fmt.Sprintf("body.cells[%d]", i), "%v", err)
		}
		if len(c) < MinPrecision || len(c) > MaxPrecision {
			return nil, "", vigie.Invalid(fmt.Sprintf("body.cells[%d]", i), "must be a geohash of %d to %d characters: wider is not an area, finer would locate a person", MinPrecision, MaxPrecision)
		}
		cells = append(cells, c)
	}
	slices.Sort(cells)
	cells = slices.Compact(cells)
	lang := strings.ToLower(r.Lang)
	if lang == "" {
		lang = "fr"
	}
	if !slices.Contains(Languages, lang) {
		return nil, "", vigie.Invalid("body.lang", "must be one of %s", strings.Join(Languages, ", "))
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	token := base64.RawURLEncoding.EncodeToString(secret)
	sub := &Subscription{Endpoint: ws.Endpoint, P256dh: ws.P256dh, Auth: ws.Auth,
		Cells: cells, Lang: lang, CreatedAt: s.now().UTC(), TokenHash: hashToken(token)}
	if err := s.store.SavePushSubscription(ctx, sub); err != nil {
		return nil, "", err
	}
	if err := s.index.Set(sub.ID, cells...); err != nil {
		return nil, "", err
	}
	return sub, token, nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// Unsubscribe deletes a subscription for the holder of its secret.
func (s *Service) Unsubscribe(ctx context.Context, id uint32, token string) error {
	sub, err := s.store.PushSubscription(ctx, id)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(sub.TokenHash)) != 1 {
		// The same answer as for an unknown id: nobody learns which ids exist.
		return vigie.Errorf(vigie.ENotFound, "no such subscription")
	}
	return s.Remove(ctx, id)
}

// Remove deletes a subscription that its push service says is gone.
func (s *Service) Remove(ctx context.Context, id uint32) error {
	if _, err := s.store.DeletePushSubscription(ctx, id); err != nil {
		return err
	}
	s.index.Remove(id)
	return nil
}

// Count returns how many subscriptions an area reaches, for the reach
// preview.
func (s *Service) Count(a geo.Area) (int, error) {
	n, _, err := s.index.Count(a)
	return n, err
}

// Select returns the subscriptions whose cells touch the area.
func (s *Service) Select(a geo.Area) ([]uint32, error) {
	return s.index.Select(a, nil)
}

// Subscriptions reads subscriptions by id; deleted ones are left out.
func (s *Service) Subscriptions(ctx context.Context, ids []uint32) ([]*Subscription, error) {
	return s.store.PushSubscriptions(ctx, ids)
}

// Len is the number of subscriptions in the index.
func (s *Service) Len() int { return s.index.Len() }

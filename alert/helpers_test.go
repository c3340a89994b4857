package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

// t0 is the clock's start in every test: 21:30 UTC on a Friday evening.
var t0 = time.Date(2026, 11, 13, 21, 30, 0, 0, time.UTC)

// A small triangle over central Paris and a 2 km circle around the Bataclan.
const (
	parisPolygon = "48.8566,2.3522 48.8700,2.3700 48.8600,2.3800 48.8566,2.3522"
	bataclan     = "48.8631,2.3708 2"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// ids makes predictable ids: a-0001, a-0002, …
type ids struct {
	mu sync.Mutex
	n  int
}

func (g *ids) New() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	return fmt.Sprintf("a-%04d", g.n)
}

// memStore is the Store contract in memory: copies in and out, version
// checks, one pending message per chain, idempotency keys, and a record of
// every committed change.
type memStore struct {
	mu      sync.Mutex
	alerts  map[string][]byte
	order   []string
	idem    map[string]string // authority/key -> id
	digest  map[string]string // id -> request digest
	changes []alert.Change
	fail    error // returned by the next write, once
}

func newMemStore() *memStore {
	return &memStore{alerts: map[string][]byte{}, idem: map[string]string{}, digest: map[string]string{}}
}

func (m *memStore) load(id string) *alert.Alert {
	var a alert.Alert
	if err := json.Unmarshal(m.alerts[id], &a); err != nil {
		panic(err)
	}
	return &a
}

func (m *memStore) put(a *alert.Alert) {
	b, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	m.alerts[a.ID] = b
}

func (m *memStore) CreateAlert(_ context.Context, a *alert.Alert, idemKey, digest string, c alert.Change) (*alert.Alert, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail; err != nil {
		m.fail = nil
		return nil, "", err
	}
	if idemKey != "" {
		if id, ok := m.idem[a.AuthorityID+"/"+idemKey]; ok {
			return m.load(id), m.digest[id], nil
		}
	}
	if _, dup := m.alerts[a.ID]; dup {
		return nil, "", fmt.Errorf("duplicate id %s", a.ID)
	}
	for _, id := range m.order {
		o := m.load(id)
		if o.Identifier == a.Identifier {
			return nil, "", fmt.Errorf("duplicate identifier %s", a.Identifier)
		}
		if a.State == alert.StatePending && o.ChainID == a.ChainID && o.State == alert.StatePending {
			return nil, "", vigie.Errorf(vigie.EConflict, "pending")
		}
	}
	if err := m.checkSaves(c); err != nil {
		return nil, "", err
	}
	m.put(a)
	m.order = append(m.order, a.ID)
	if idemKey != "" {
		m.idem[a.AuthorityID+"/"+idemKey] = a.ID
	}
	m.digest[a.ID] = digest
	m.commit(c)
	return nil, "", nil
}

func (m *memStore) checkSaves(c alert.Change) error {
	for _, s := range c.Saves {
		b, ok := m.alerts[s.Alert.ID]
		if !ok {
			return vigie.Errorf(vigie.ENotFound, "no such alert")
		}
		var cur alert.Alert
		_ = json.Unmarshal(b, &cur)
		if cur.Version != s.PrevVersion {
			return vigie.Errorf(vigie.EConflict, "changed meanwhile")
		}
	}
	return nil
}

func (m *memStore) commit(c alert.Change) {
	for _, s := range c.Saves {
		m.put(s.Alert)
	}
	m.changes = append(m.changes, c)
}

func (m *memStore) GetAlert(_ context.Context, id string) (*alert.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.alerts[id]; !ok {
		return nil, vigie.Errorf(vigie.ENotFound, "no such alert")
	}
	return m.load(id), nil
}

func (m *memStore) ListAlerts(_ context.Context, f alert.Filter) ([]*alert.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*alert.Alert
	for i := len(m.order) - 1; i >= 0; i-- {
		a := m.load(m.order[i])
		switch {
		case f.AuthorityID != "" && a.AuthorityID != f.AuthorityID,
			f.ChainID != "" && a.ChainID != f.ChainID,
			len(f.States) > 0 && !slices.Contains(f.States, a.State),
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, a.Status),
			!f.ExpiresAfter.IsZero() && !a.Expires.After(f.ExpiresAfter),
			!f.ExpiresBy.IsZero() && a.Expires.After(f.ExpiresBy):
			continue
		}
		out = append(out, a)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

func (m *memStore) SaveAlerts(_ context.Context, c alert.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail; err != nil {
		m.fail = nil
		return err
	}
	if err := m.checkSaves(c); err != nil {
		return err
	}
	m.commit(c)
	return nil
}

// lastChange returns the last committed change.
func (m *memStore) lastChange(t testing.TB) alert.Change {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.changes) == 0 {
		t.Fatal("nothing was committed")
	}
	return m.changes[len(m.changes)-1]
}

func (m *memStore) changeCount() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.changes) }

// platforms routes every area to the same two platforms, in disorder.
type platforms struct{ err error }

func (p platforms) PlatformsFor(context.Context, alert.Area) ([]string, error) {
	return []string{"plat-2", "plat-1", "plat-2"}, p.err
}

// env is a service over a memory store with a test clock.
type env struct {
	store *memStore
	clock *clock
	svc   *alert.Service
}

func newEnv() *env {
	c := &clock{t: t0}
	st := newMemStore()
	g := &ids{}
	return &env{store: st, clock: c, svc: alert.NewService(st, platforms{}, alert.DefaultPolicy(), c.Now, g.New)}
}

// The people and organisations of the tests.
var (
	author   = org.Principal{OrgID: "auth-1", OrgName: "Préfecture de police", Kind: org.KindAuthority, UserID: "u-author"}
	approver = org.Principal{OrgID: "auth-1", OrgName: "Préfecture de police", Kind: org.KindAuthority, UserID: "u-approver"}
	robot    = org.Principal{OrgID: "auth-1", OrgName: "Préfecture de police", Kind: org.KindAuthority, KeyID: "k-robot"}
	stranger = org.Principal{OrgID: "auth-2", OrgName: "Préfecture du Nord", Kind: org.KindAuthority, UserID: "u-stranger"}
	platform = org.Principal{OrgID: "plat-1", OrgName: "ExampleTube", Kind: org.KindPlatform, KeyID: "k-plat"}
)

// draft is a valid Actual shelter-in-place alert in French, English and
// Arabic over central Paris, expiring in six hours.
func draft(status cap.Status) alert.Draft {
	d := alert.Draft{Status: status, Expires: t0.Add(6 * time.Hour), Web: "https://www.interieur.gouv.fr/alerte",
		Contact: "112", Area: alert.Area{Polygons: []string{parisPolygon}, Circles: []string{bataclan},
			Geocodes: []alert.Geocode{{ValueName: "INSEE", Value: "75111"}}},
		Infos: []alert.Info{
			{Language: "fr-FR", AreaDesc: "Paris, 11e arrondissement", Description: "Des tirs ont été signalés près du boulevard Voltaire."},
			{Language: "en-GB", AreaDesc: "Paris, 11th district", Description: "Shots have been reported near boulevard Voltaire."},
			{Language: "ar", AreaDesc: "باريس، الدائرة الحادية عشرة", Description: "أُبلغ عن إطلاق نار قرب جادة فولتير."},
		}}
	alert.Shelter.Prefill(&d)
	return d
}

// mustCode fails unless err has the code (and field, when given).
func mustCode(t testing.TB, err error, code vigie.Code, field string) {
	t.Helper()
	e := vigie.AsError(err)
	if vigie.ErrorCode(err) != code || (field != "" && (e == nil || e.Field != field)) {
		t.Fatalf("got %v, want %s on %q", err, code, field)
	}
}

// contains reports whether any of the strings contains sub.
func contains(ss []string, sub string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return strings.Contains(s, sub) })
}

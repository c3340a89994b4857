package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/jobs"
)

// memStore is a Store in memory.
type memStore struct {
	mu   sync.Mutex
	subs map[[2]string]*Subscription
	jobs []jobs.Job
}

func newMemStore() *memStore { return &memStore{subs: map[[2]string]*Subscription{}} }

func (m *memStore) SaveSubscription(_ context.Context, s *Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *s
	m.subs[[2]string{s.Topic, s.Callback}] = &c
	return nil
}

func (m *memStore) DeleteSubscription(_ context.Context, topic, callback string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.subs, [2]string{topic, callback})
	return nil
}

func (m *memStore) Subscription(_ context.Context, topic, callback string, now time.Time) (*Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.subs[[2]string{topic, callback}]; ok && s.ExpiresAt.After(now) {
		return s, nil
	}
	return nil, nil
}

func (m *memStore) Subscriptions(_ context.Context, topic string, now time.Time) ([]*Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Subscription
	for k, s := range m.subs {
		if k[0] == topic && s.ExpiresAt.After(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) CountSubscriptions(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.subs {
		if s.ExpiresAt.After(now) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) PurgeSubscriptions(_ context.Context, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for k, s := range m.subs {
		if !s.ExpiresAt.After(now) {
			delete(m.subs, k)
			n++
		}
	}
	return n, nil
}

func (m *memStore) Enqueue(_ context.Context, js ...jobs.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range js {
		js[i].Attempts = 1
	}
	m.jobs = append(m.jobs, js...)
	return nil
}

// take removes and returns the queued jobs.
func (m *memStore) take() []jobs.Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	js := m.jobs
	m.jobs = nil
	return js
}

const topic = "https://alerts.example/alerts/feed.atom"

var now = time.Date(2026, 11, 13, 21, 30, 0, 0, time.UTC)

func newTestHub(store *memStore, external ...string) *Hub {
	return New(Config{Store: store, Topics: []string{topic}, URL: "https://alerts.example/alerts/hub", External: external,
		Content: func(context.Context, string) (Content, error) {
			return Content{Type: "application/atom+xml", Body: []byte("<feed/>")}, nil
		},
		Client: http.DefaultClient, HubClient: http.DefaultClient,
		CheckCallback: func(raw string) error {
			if strings.Contains(raw, "10.0.0.1") {
				return errors.New("webhook URL: non-public address refused (SSRF guard)")
			}
			return nil
		},
		Now: func() time.Time { return now }, NewID: func() string { return "sub-1" }, MaxSubscriptions: 2})
}

func post(h http.Handler, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/alerts/hub", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestSubscriptionRequests(t *testing.T) {
	ok := func(extra ...string) url.Values {
		v := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"https://sub.example/cb"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		says   string
		lease  int64
	}{
		{"subscribe", ok(), 202, "", int64(DefaultLease / time.Second)},
		{"lease hint kept", ok("hub.lease_seconds", "86400"), 202, "", 86400},
		{"short lease raised", ok("hub.lease_seconds", "1"), 202, "", int64(MinLease / time.Second)},
		{"long lease bounded", ok("hub.lease_seconds", "999999999"), 202, "", int64(MaxLease / time.Second)},
		{"unsubscribe", ok("hub.mode", "unsubscribe"), 202, "", 0},
		{"bad lease", ok("hub.lease_seconds", "soon"), 400, "hub.lease_seconds", 0},
		{"no mode", ok("hub.mode", ""), 400, "hub.mode", 0},
		{"publish", ok("hub.mode", "publish"), 400, "own feeds", 0},
		{"other topic", ok("hub.topic", "https://elsewhere.example/feed"), 400, "hub.topic", 0},
		{"private callback", ok("hub.callback", "http://10.0.0.1/cb"), 400, "hub.callback: non-public", 0},
		{"no callback", ok("hub.callback", ""), 400, "hub.callback", 0},
		{"secret of 200 bytes", ok("hub.secret", strings.Repeat("x", 200)), 400, "hub.secret", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			w := post(newTestHub(store), tt.form)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.says) {
				t.Fatalf("%d %q, want %d saying %q", w.Code, w.Body, tt.status, tt.says)
			}
			js := store.take()
			if tt.status != 202 {
				if len(js) != 0 {
					t.Fatalf("refused, yet queued %v", js)
				}
				return
			}
			var in intent
			if len(js) != 1 || js[0].Kind != KindVerify || json.Unmarshal(js[0].Payload, &in) != nil || in.Lease != tt.lease {
				t.Fatalf("queued %+v, want one verification with lease %d", js, tt.lease)
			}
		})
	}
}

func TestHubIsFull(t *testing.T) {
	store := newMemStore()
	for _, cb := range []string{"https://a.example/", "https://b.example/"} {
		store.SaveSubscription(context.Background(), &Subscription{Topic: topic, Callback: cb, ExpiresAt: now.Add(time.Hour)})
	}
	h := newTestHub(store)
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"https://c.example/"}}
	if w := post(h, form); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("a third subscription: %d", w.Code)
	}
	form.Set("hub.callback", "https://a.example/") // renewing takes no room
	if w := post(h, form); w.Code != http.StatusAccepted {
		t.Fatalf("a renewal: %d", w.Code)
	}
}

// callback is a subscriber that echoes the challenge (or not) and keeps
// what it is sent.
type callback struct {
	srv    *httptest.Server
	echo   bool
	status int
	mu     sync.Mutex
	got    []*http.Request
	bodies []string
}

func newCallback(t *testing.T, echo bool, status int) *callback {
	c := &callback{echo: echo, status: status}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.got, c.bodies = append(c.got, r), append(c.bodies, string(b))
		c.mu.Unlock()
		if r.Method == http.MethodGet {
			if c.echo {
				io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			} else {
				io.WriteString(w, "no")
			}
			return
		}
		w.WriteHeader(c.status)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// run runs every queued job once with the hub's handlers.
func run(t *testing.T, h *Hub, store *memStore) []error {
	t.Helper()
	var errs []error
	for _, j := range store.take() {
		errs = append(errs, h.Handlers()[j.Kind](context.Background(), j))
	}
	return errs
}

func TestVerificationAndDistribution(t *testing.T) {
	tests := []struct {
		name       string
		echo       bool
		status     int
		subscribed bool
		deliverErr bool
		kept       bool
	}{
		{"confirmed and delivered", true, 200, true, false, true},
		{"not confirmed", false, 200, false, false, false},
		{"delivery fails: retried", true, 503, true, true, true},
		{"gone: unsubscribed", true, 410, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			h := newTestHub(store)
			cb := newCallback(t, tt.echo, tt.status)
			form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {cb.srv.URL + "/cb?k=v"}, "hub.secret": {"s3cret"}}
			if w := post(h, form); w.Code != 202 {
				t.Fatalf("subscribe: %d", w.Code)
			}
			if errs := run(t, h, store); errs[0] != nil {
				t.Fatalf("verify: %v", errs[0])
			}
			q := cb.got[0].URL.Query()
			if q.Get("hub.mode") != "subscribe" || q.Get("hub.topic") != topic || q.Get("k") != "v" || q.Get("hub.lease_seconds") == "" {
				t.Fatalf("verification query %v", q)
			}
			if n, _ := store.CountSubscriptions(context.Background(), now); (n == 1) != tt.subscribed {
				t.Fatalf("%d subscriptions, want subscribed=%v", n, tt.subscribed)
			}
			if err := h.Publish(context.Background(), topic); err != nil {
				t.Fatal(err)
			}
			errs := run(t, h, store)
			if !tt.subscribed {
				if len(errs) != 0 {
					t.Fatalf("delivered to an unconfirmed callback")
				}
				return
			}
			if len(errs) != 1 || (errs[0] != nil) != tt.deliverErr {
				t.Fatalf("deliver: %v, want error=%v", errs, tt.deliverErr)
			}
			r, body := cb.got[1], cb.bodies[1]
			mac := hmac.New(sha256.New, []byte("s3cret"))
			mac.Write([]byte(body))
			if r.Method != http.MethodPost || body != "<feed/>" || r.Header.Get("X-Hub-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) ||
				r.Header.Get("Content-Type") != "application/atom+xml" || !strings.Contains(r.Header.Get("Link"), `rel="hub"`) {
				t.Fatalf("delivery %s %q headers %v", r.Method, body, r.Header)
			}
			if n, _ := store.CountSubscriptions(context.Background(), now); (n == 1) != tt.kept {
				t.Fatalf("%d subscriptions after delivery, want kept=%v", n, tt.kept)
			}
		})
	}
}

func TestPingExternalHubs(t *testing.T) {
	var mu sync.Mutex
	var forms []url.Values
	status := http.StatusNoContent
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		forms = append(forms, r.PostForm)
		mu.Unlock()
		w.WriteHeader(status)
	}))
	defer ext.Close()
	store := newMemStore()
	h := newTestHub(store, ext.URL)
	if err := h.Publish(context.Background(), topic); err != nil {
		t.Fatal(err)
	}
	if errs := run(t, h, store); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("ping: %v", errs)
	}
	if len(forms) != 1 || forms[0].Get("hub.mode") != "publish" || forms[0].Get("hub.url") != topic {
		t.Fatalf("pings %v", forms)
	}
	status = http.StatusBadRequest
	h.Publish(context.Background(), topic)
	var pe *jobs.PermanentError
	if errs := run(t, h, store); !errors.As(errs[0], &pe) {
		t.Fatalf("a hub refusing the ping: %v, want a permanent error", errs[0])
	}
}

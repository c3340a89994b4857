package webpush

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pushService is a test push service on 127.0.0.1 that decrypts each message
// for the browser registered at its path and checks VAPID and headers.
type pushService struct {
	t        *testing.T
	srv      *httptest.Server
	now      func() time.Time
	mu       sync.Mutex
	browsers map[string]*browser
	got      []received
}

type received struct {
	plaintext string
	ttl       string
	urgency   string
	topic     string
	claims    vapidClaims
	err       error
}

func newPushService(t *testing.T, now func() time.Time) *pushService {
	ps := &pushService{t: t, now: now, browsers: map[string]*browser{}}
	ps.srv = httptest.NewServer(http.HandlerFunc(ps.handle))
	t.Cleanup(ps.srv.Close)
	return ps
}

func (ps *pushService) handle(w http.ResponseWriter, r *http.Request) {
	rec := received{ttl: r.Header.Get("TTL"), urgency: r.Header.Get("Urgency"), topic: r.Header.Get("Topic")}
	defer func() {
		ps.mu.Lock()
		ps.got = append(ps.got, rec)
		ps.mu.Unlock()
		if rec.err != nil {
			http.Error(w, rec.err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", ps.srv.URL+"/m/1")
		w.WriteHeader(http.StatusCreated)
	}()
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" || rec.ttl == "" {
		rec.err = errBad("method/encoding/TTL")
		return
	}
	rec.claims, rec.err = checkVAPID(r.Header.Get("Authorization"), ps.srv.URL, ps.now())
	if rec.err != nil {
		return
	}
	ps.mu.Lock()
	br := ps.browsers[r.URL.Path]
	ps.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	pt, err := br.decrypt(body)
	rec.plaintext, rec.err = string(pt), err
}

type errBad string

func (e errBad) Error() string { return string(e) }

func (ps *pushService) subscribe(path string) (Subscription, *browser) {
	br := newBrowser()
	ps.mu.Lock()
	ps.browsers[path] = br
	ps.mu.Unlock()
	return br.subscription(ps.srv.URL + path), br
}

func TestSendDecryptingPushService(t *testing.T) {
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	ps := newPushService(t, now)
	vapid, err := GenerateVAPID("mailto:alerts@vigie.example")
	if err != nil {
		t.Fatal(err)
	}
	pipelined := NewPipelinedSender(ClientConfig{}, vapid, now)
	defer pipelined.Close()
	for i, opts := range []Options{
		{TTL: time.Hour, Urgency: UrgencyHigh, Topic: "flood-A1"},
		{TTL: 90 * time.Second},
		{TTL: 0, Urgency: UrgencyVeryLow, EncryptOptions: EncryptOptions{Padding: 33}},
	} {
		// Alternate the two clients: the push service must see the same.
		s := NewSender(ps.srv.Client(), vapid, now)
		if i%2 == 1 {
			s = pipelined
		}
		sub, _ := ps.subscribe("/push/" + string(rune('a'+i)))
		msg := `{"alert":"Crue de la Seine","n":` + string(rune('0'+i)) + `}`
		res := s.Send(context.Background(), sub, []byte(msg), opts)
		if res.Outcome != Delivered || res.StatusCode != 201 || res.Err != nil {
			t.Fatalf("send %d: %+v", i, res)
		}
		if res.Location == "" {
			t.Errorf("no Location")
		}
		r := ps.got[len(ps.got)-1]
		if r.err != nil || r.plaintext != msg {
			t.Fatalf("service got %q, %v", r.plaintext, r.err)
		}
		wantTTL := map[int]string{0: "3600", 1: "90", 2: "0"}[i]
		if r.ttl != wantTTL || r.urgency != string(opts.Urgency) || r.topic != opts.Topic {
			t.Fatalf("headers: %+v", r)
		}
		if r.claims.Sub != "mailto:alerts@vigie.example" {
			t.Fatalf("sub %q", r.claims.Sub)
		}
	}
	// The JWT is cached per origin, and re-signed near expiry.
	h1, _ := vapid.Header(ps.srv.URL+"/push/x", now())
	h2, _ := vapid.Header(ps.srv.URL+"/push/y", now().Add(time.Hour))
	if h1 != h2 {
		t.Fatal("token not cached across endpoints of one origin")
	}
	h3, _ := vapid.Header(ps.srv.URL+"/push/x", now().Add(10*time.Hour))
	if h3 == h1 {
		t.Fatal("token not refreshed near expiry")
	}
	if _, err := checkVAPID(h3, ps.srv.URL, now().Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h4, _ := vapid.Header("https://updates.push.services.mozilla.com/wpush/v2/abc", now())
	if _, err := checkVAPID(h4, "https://updates.push.services.mozilla.com", now()); err != nil {
		t.Fatal(err)
	}
	// Clock moved: the token the service sees stays valid.
	mu.Lock()
	clock = clock.Add(20 * time.Hour)
	mu.Unlock()
	sub, _ := ps.subscribe("/push/late")
	if res := pipelined.Send(context.Background(), sub, []byte("late"), Options{TTL: time.Minute}); res.Outcome != Delivered {
		t.Fatalf("after 20h: %+v", res)
	}
}

func TestVAPIDKeys(t *testing.T) {
	v, err := GenerateVAPID("https://vigie.example/contact")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := v.PrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseVAPID(priv, "mailto:a@b.example")
	if err != nil || w.PublicKey() != v.PublicKey() {
		t.Fatalf("parse: %v", err)
	}
	if len(b64(t, v.PublicKey())) != 65 || b64(t, v.PublicKey())[0] != 4 {
		t.Fatal("public key not uncompressed")
	}
	if _, err := ParseVAPID(priv, "alerts@vigie.example"); err == nil {
		t.Fatal("subject without mailto:/https: accepted")
	}
	if _, err := ParseVAPID("!!", "mailto:a@b"); err == nil {
		t.Fatal("bad key accepted")
	}
	for i := 0; i < 2*maxVAPIDCache; i++ {
		if _, err := v.Header("https://p"+strconv.Itoa(i)+".example/x", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.cache) > maxVAPIDCache {
		t.Fatalf("cache grew to %d", len(v.cache))
	}
	v.Validity = 25 * time.Hour
	if _, err := v.Header("https://push.example/x", time.Now()); err == nil {
		t.Fatal("validity > 24h accepted")
	}
	for in, want := range map[string]string{
		"https://Push.Example:443/a?b": "https://push.example",
		"https://push.example:8443/a":  "https://push.example:8443",
		"http://127.0.0.1:80/a":        "http://127.0.0.1",
		"https://[::1]:9000/p":         "https://[::1]:9000",
	} {
		if got, err := origin(in); err != nil || got != want {
			t.Errorf("origin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSendOutcomes(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	vapid, _ := GenerateVAPID("mailto:ops@vigie.example")
	cases := []struct {
		name       string
		status     int
		retryAfter string
		want       Outcome
		wantWait   time.Duration
	}{
		{"201", 201, "", Delivered, 0},
		{"202", 202, "", Delivered, 0},
		{"404", 404, "", Gone, 0},
		{"410", 410, "", Gone, 0},
		{"413", 413, "", TooLarge, 0},
		{"400", 400, "", Failed, 0},
		{"429 seconds", 429, "120", RetryAfter, 120 * time.Second},
		{"429 date", 429, now.Add(90 * time.Second).Format(http.TimeFormat), RetryAfter, 90 * time.Second},
		{"429 past date", 429, now.Add(-time.Minute).Format(http.TimeFormat), RetryAfter, 0},
		{"429 none", 429, "", RetryAfter, 0},
		{"503 seconds", 503, "7", RetryAfter, 7 * time.Second},
		{"503 none", 503, "", Retry, 0},
		{"500", 500, "", Retry, 0},
		{"302", 302, "", Failed, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				if c.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(c.status)
				io.WriteString(w, "detail")
			}))
			defer srv.Close()
			pipelined := NewPipelinedSender(ClientConfig{}, vapid, clock)
			defer pipelined.Close()
			for name, s := range map[string]*Sender{"net/http": NewSender(srv.Client(), vapid, clock), "pipelined": pipelined} {
				sub := newBrowser().subscription(srv.URL + "/p")
				res := s.Send(context.Background(), sub, []byte("hello"), Options{TTL: time.Minute})
				if res.Outcome != c.want || res.StatusCode != c.status || res.RetryAfter != c.wantWait {
					t.Fatalf("%s: got %v status %d wait %v (%v); want %v wait %v", name, res.Outcome, res.StatusCode, res.RetryAfter, res.Err, c.want, c.wantWait)
				}
				if (c.want == Delivered) != (res.Err == nil) {
					t.Fatalf("%s: Err = %v", name, res.Err)
				}
				if c.want != Delivered && !strings.Contains(res.Err.Error(), "detail") {
					t.Fatalf("%s: error lacks body: %v", name, res.Err)
				}
				if c.want.Retryable() != (c.want == RetryAfter || c.want == Retry) {
					t.Fatalf("%v.Retryable() = %v", c.want, c.want.Retryable())
				}
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		pipelined := NewPipelinedSender(ClientConfig{Timeout: 2 * time.Second}, vapid, clock)
		defer pipelined.Close()
		for _, s := range []*Sender{NewSender(&http.Client{Timeout: 2 * time.Second}, vapid, clock), pipelined} {
			res := s.Send(context.Background(), newBrowser().subscription("http://"+addr+"/p"), []byte("x"), Options{})
			if res.Outcome != Retry || res.StatusCode != 0 || res.Err == nil {
				t.Fatalf("got %+v", res)
			}
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		pipelined := NewPipelinedSender(ClientConfig{}, vapid, clock)
		defer pipelined.Close()
		for _, s := range []*Sender{NewSender(nil, vapid, clock), pipelined} {
			sub := newBrowser().subscription("https://push.example/p")
			for _, o := range []Options{{TTL: -1}, {Urgency: "urgent"}, {Topic: "has space"}, {Topic: strings.Repeat("a", 33)}} {
				if res := s.Send(context.Background(), sub, []byte("x"), o); res.Outcome != Failed || res.Err == nil {
					t.Errorf("%+v: got %+v", o, res)
				}
			}
			if res := s.Send(context.Background(), sub, make([]byte, 5000), Options{}); res.Outcome != TooLarge || !errors.Is(res.Err, ErrPayloadTooLarge) {
				t.Errorf("oversize: %+v", res)
			}
		}
	})
}

package main

import (
	"bufio"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/fanout"
	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/org"
)

// device is a browser's side of a Web Push subscription.
type device struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newDevice(t *testing.T) *device {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &device{priv: priv, auth: auth}
}

// open decrypts an aes128gcm message as RFC 8291 says a user agent does.
func (d *device) open(body []byte) ([]byte, error) {
	const hdr = 16 + 4 + 1 + 65
	if len(body) < hdr+17 || body[20] != 65 {
		return nil, fmt.Errorf("bad header")
	}
	salt, keyid := body[:16], body[21:hdr]
	as, err := ecdh.P256().NewPublicKey(keyid)
	if err != nil {
		return nil, err
	}
	shared, err := d.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), d.priv.PublicKey().Bytes()...), keyid...)
	ikm, err := hkdf.Key(sha256.New, shared, d.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, nonce, body[hdr:], nil)
	if err != nil {
		return nil, err
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 || pt[i] != 2 {
		return nil, fmt.Errorf("bad padding")
	}
	return pt[:i], nil
}

// pushService is a fake push service: it keeps every message by path, and
// answers 410 for /gone/… and, once, 429 for /busy/….
type pushService struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  map[string][][]byte
	hdrs map[string]http.Header
	busy bool
}

func newPushService(t *testing.T) *pushService {
	ps := &pushService{got: map[string][][]byte{}, hdrs: map[string]http.Header{}}
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ps.mu.Lock()
		defer ps.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/gone/"):
			w.WriteHeader(http.StatusGone)
			return
		case strings.HasPrefix(r.URL.Path, "/busy/") && !ps.busy:
			ps.busy = true
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ps.got[r.URL.Path] = append(ps.got[r.URL.Path], body)
		ps.hdrs[r.URL.Path] = r.Header.Clone()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(ps.srv.Close)
	return ps
}

func (ps *pushService) messages(path string) [][]byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([][]byte(nil), ps.got[path]...)
}

func (s *testServer) subscribe(t *testing.T, d *device, endpoint string, cells []string, lang string) int {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	body := map[string]any{"subscription": map[string]any{"endpoint": endpoint, "keys": map[string]string{
		"p256dh": enc(d.priv.PublicKey().Bytes()), "auth": enc(d.auth)}}, "cells": cells, "lang": lang}
	var out struct {
		ID    uint32 `json:"id"`
		Token string `json:"token"`
	}
	if st := s.call("", "POST", "/push/subscriptions", body, &out); st != 201 || out.Token == "" {
		t.Fatalf("subscribe %s: %d %+v", endpoint, st, out)
	}
	return int(out.ID)
}

// TestAlertFanOut publishes an alert and follows it to people's browsers
// through a fake push service, and to a live stream: only the subscribers
// whose cells touch the area get it, once each, decryptable, in their
// language; a gone subscription is removed; a push service that answers
// 429 gets the message after its Retry-After; the delivery view counts it
// all.
func TestAlertFanOut(t *testing.T) {
	s := startServer(t, 1)
	ps := newPushService(t)
	busy := newPushService(t) // a second push service, busy at first
	paris, _ := geo.CellOf(geo.Point{Lat: 48.8631, Lon: 2.3708}, 5)
	marseille, _ := geo.CellOf(geo.Point{Lat: 43.2965, Lon: 5.3698}, 5)

	devices := map[string]*device{}
	for _, sub := range []struct{ path, cell, lang string }{
		{"/sub/fr", paris.String(), "fr"}, {"/sub/en", paris.String(), "en"}, {"/sub/south", marseille.String(), "fr"},
		{"/gone/1", paris.String(), "fr"},
	} {
		devices[sub.path] = newDevice(t)
		s.subscribe(t, devices[sub.path], ps.srv.URL+sub.path, []string{sub.cell}, sub.lang)
	}
	devices["/busy/ar"] = newDevice(t)
	s.subscribe(t, devices["/busy/ar"], busy.srv.URL+"/busy/ar", []string{paris.String()}, "ar")

	// Bad subscriptions are refused, naming the field.
	var p problemAnswer
	if st := s.call("", "POST", "/push/subscriptions", map[string]any{"subscription": map[string]any{"endpoint": ps.srv.URL + "/x",
		"keys": map[string]string{"p256dh": "AAAA", "auth": "AAAA"}}, "cells": []string{paris.String()}}, &p); st != 422 || !p.names("body.subscription") {
		t.Errorf("bad keys: %d %+v", st, p)
	}
	if st := s.call("", "POST", "/push/subscriptions", map[string]any{"subscription": map[string]any{"endpoint": ps.srv.URL + "/y",
		"keys": map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(devices["/sub/fr"].priv.PublicKey().Bytes()), "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
		"cells": []string{"u09tvqxyz"}}, &p); st != 422 || !p.names("body.cells[0]") {
		t.Errorf("a precise cell was accepted: %d %+v", st, p)
	}

	// A live screen for Paris.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/alerts/live?lang=en&cells="+paris.String()[:4], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	live := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				live <- d
			}
		}
	}()
	waitFor(t, "the live stream to be connected", 60*time.Second, func() bool { return s.app.delivery.live.Len() == 1 })

	// The reach before publication counts the four Paris subscriptions.
	// plat-a serves only the south: it does not get a Paris alert.
	if st := s.call("plat-a", "PUT", "/api/v1/alerts/service-area", map[string]any{"cells": []string{marseille.String()[:3]}}, nil); st != 200 {
		t.Fatalf("service area: %d", st)
	}
	if st := s.call("plat-a", "PUT", "/api/v1/alerts/service-area", map[string]any{"cells": []string{"not a cell"}}, &p); st != 422 || !p.names("body.cells[0]") {
		t.Errorf("bad service area: %d %+v", st, p)
	}
	var pre struct {
		Reach struct {
			People    int      `json:"people"`
			Platforms []string `json:"platforms"`
		} `json:"reach"`
	}
	s.call("auth", "POST", "/api/v1/alerts/preview", alertDraft(cap.StatusExercise), &pre)
	if pre.Reach.People != 4 || strings.Contains(strings.Join(pre.Reach.Platforms, ","), s.ids["plat-a"]) || !strings.Contains(strings.Join(pre.Reach.Platforms, ","), s.ids["plat-b"]) {
		t.Errorf("reach: %+v, want 4 people and plat-b but not plat-a", pre.Reach)
	}

	var al alert.Alert
	if st := s.call("auth", "POST", "/api/v1/alerts", alertDraft(cap.StatusExercise), &al); st != 201 {
		t.Fatalf("publish: %d", st)
	}
	waitFor(t, "every Paris subscriber to get the alert", 60*time.Second, func() bool {
		return len(ps.messages("/sub/fr")) == 1 && len(ps.messages("/sub/en")) == 1 && len(busy.messages("/busy/ar")) == 1
	})
	for path, lang := range map[string]string{"/sub/fr": "fr", "/sub/en": "en"} {
		pt, err := devices[path].open(ps.messages(path)[0])
		if err != nil {
			t.Fatalf("%s: decrypt: %v", path, err)
		}
		var m fanout.Message
		if err := json.Unmarshal(pt, &m); err != nil || m.ID != al.ID || !strings.HasPrefix(m.Lang, lang) || m.Headline == "" || len(m.Area.Circles) != 1 {
			t.Errorf("%s: message %+v, %v", path, m, err)
		}
		if h := ps.hdrs[path]; h.Get("Topic") != fanout.Topic(&al) || h.Get("TTL") == "" || !strings.HasPrefix(h.Get("Authorization"), "vapid ") {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	select {
	case d := <-live:
		if !strings.Contains(d, al.ID) {
			t.Errorf("live stream got %s", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the live stream got nothing")
	}
	if got := ps.messages("/sub/south"); len(got) != 0 {
		t.Errorf("a Marseille subscriber got a Paris alert")
	}
	// The gone subscription is deleted: the reach is three now.
	waitFor(t, "the gone subscription to be removed", 60*time.Second, func() bool {
		n, _ := s.app.delivery.people.Count(geo.Area{Circles: []geo.Circle{{Center: geo.Point{Lat: 48.8631, Lon: 2.3708}, RadiusKm: 2}}})
		return n == 3
	})
	auth := org.Principal{OrgID: s.ids["auth"], Kind: org.KindAuthority, KeyID: "k"}
	var rep *alert.DeliveryReport
	waitFor(t, "the delivery view to count the fan-out", 60*time.Second, func() bool {
		rep, err = s.app.alerts.DeliveryReport(context.Background(), auth, al.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range rep.Channels {
			if ch.Channel == alert.ChannelWebPush && ch.Delivered == 3 && ch.Failed == 1 && ch.Targets == 4 && ch.Pending == 0 && ch.P99 > 0 {
				return true
			}
		}
		return false
	})
	// Nothing was sent twice.
	for _, path := range []string{"/sub/fr", "/sub/en"} {
		if n := len(ps.messages(path)); n != 1 {
			t.Errorf("%s got %d messages", path, n)
		}
	}
	if n := len(busy.messages("/busy/ar")); n != 1 {
		t.Errorf("the busy service got %d messages", n)
	}
}

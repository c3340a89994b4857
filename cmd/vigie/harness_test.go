package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/org"
)

// testServer is a running, fully wired Vigie on loopback.
type testServer struct {
	t    *testing.T
	app  *app
	url  string
	keys map[string]string // org name → API key
	ids  map[string]string // org name → org id
}

// startServer runs the real server on a fresh database with one authority
// ("auth"), two platforms ("plat-a", "plat-b"), one NGO ("ngo") and a
// second authority ("auth-2").
func startServer(t *testing.T, speedup float64) *testServer {
	t.Helper()
	return startServerWith(t, func(c *serveConfig) { c.deadlineScale = speedup })
}

// startServerWith is startServer with a changed configuration.
func startServerWith(t *testing.T, configure func(*serveConfig)) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := serveConfig{dbFlags: dbFlags{db: testenv.DSN(t)}, allowPrivate: true, deadlineScale: 1, workers: 16}
	configure(&c)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := newApp(ctx, c, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	s := &testServer{t: t, app: a, url: "http://" + ln.Addr().String(), keys: map[string]string{}, ids: map[string]string{}}
	for _, o := range []struct {
		name string
		kind org.Kind
	}{{"auth", org.KindAuthority}, {"auth-2", org.KindAuthority}, {"plat-a", org.KindPlatform}, {"plat-b", org.KindPlatform}, {"ngo", org.KindNGO}} {
		created, err := a.orgs.CreateOrg(ctx, o.name, o.kind, "FR")
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := a.orgs.CreateKey(ctx, created.ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.keys[o.name], s.ids[o.name] = key, created.ID
	}
	return s
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// call makes an API request as org (or anonymously with ""), decoding the
// JSON answer into out when non-nil, and returns the status.
func (s *testServer) call(as, method, path string, body any, out any, headers ...string) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+s.keys[as])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		s.t.Errorf("%s %s: status %d with Content-Type %q, want problem+json", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// order returns a valid removal order for plat-a.
func (s *testServer) order(ref string) map[string]any {
	return map[string]any{
		"kind": "removal_order", "platform_id": s.ids["plat-a"], "reference": ref,
		"urls": []string{"https://plat-a.example/v/" + ref}, "content_types": []string{"a", "d"},
		"reasons": "Video glorifying the attack and explaining how to build the device.", "legal_basis": "Regulation (EU) 2021/784, Art. 3",
		"redress": "Administrative court of Paris, within 48 hours", "issuer_name": "Officer on duty, referral unit",
	}
}

// receiver is a platform's webhook endpoint that verifies every delivery
// with its own Standard Webhooks v1a check, written from the specification
// and independent of the sender's code.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	pub    ed25519.PublicKey
	byID   map[string]int       // webhook-id → deliveries seen
	events map[string][]string  // referral id → event types, first delivery of each message only
	at     map[string]time.Time // webhook-id → first received
	status func() int           // answer to give; 200 by default
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, byID: map[string]int{}, events: map[string][]string{}, at: map[string]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	pub := r.pub
	r.mu.Unlock()
	ok := false
	for _, sig := range strings.Fields(sigs) {
		raw, found := strings.CutPrefix(sig, "v1a,")
		b, err := base64.StdEncoding.DecodeString(raw)
		if found && err == nil && ed25519.Verify(pub, []byte(id+"."+ts+"."+string(body)), b) {
			ok = true
		}
	}
	if !ok || id == "" {
		r.t.Errorf("webhook %q: signature %q does not verify", id, sigs)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env struct {
		Type string `json:"type"`
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		r.t.Errorf("webhook body: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID[id] == 0 {
		r.events[env.Data.ID] = append(r.events[env.Data.ID], env.Type)
		r.at[id] = time.Now()
	}
	r.byID[id]++
	code := http.StatusOK
	if r.status != nil {
		code = r.status()
	}
	w.WriteHeader(code)
}

// register points org's endpoint at the receiver and learns the public key.
func (r *receiver) register(s *testServer, as string) {
	var out struct {
		URL       string `json:"url"`
		PublicKey string `json:"public_key"`
	}
	if code := s.call(as, "PUT", "/api/v1/webhook", map[string]string{"url": r.srv.URL}, &out); code != 200 {
		s.t.Fatalf("set webhook: %d", code)
	}
	b, err := decodeKey(strings.TrimPrefix(out.PublicKey, "whpk_"))
	if err != nil || len(b) != ed25519.PublicKeySize {
		s.t.Fatalf("public key %q: %v", out.PublicKey, err)
	}
	r.mu.Lock()
	r.pub = b
	r.mu.Unlock()
}

func (r *receiver) eventsOf(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events[id]...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decodeKey(b64 string) ([]byte, error) { return base64.StdEncoding.DecodeString(b64) }

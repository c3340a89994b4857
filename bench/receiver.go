package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-project/vigie/webhook"
)

// receiver is the platform's webhook endpoint: it verifies every delivery
// with the Standard Webhooks check a platform would use ([webhook.Verify])
// and records when each referral.created message first arrived. Messages
// are routed to their phase by the referral's reference, RUN-PHASE-SEQ.
type receiver struct {
	srv   *http.Server
	url   string
	run   string
	conns atomic.Int64 // TCP connections accepted

	mu     sync.Mutex
	phases []*phase
	seen   map[string]bool // webhook-id
	stray  int             // messages that belong to no phase
}

func startReceiver(run string) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{run: run, url: "http://" + ln.Addr().String() + "/webhook", seen: map[string]bool{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				r.conns.Add(1)
			}
		}}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}

// add makes the receiver route messages of p to it.
func (r *receiver) add(p *phase) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p.index = len(r.phases)
	r.phases = append(r.phases, p)
}

// reference is the reference of a phase's seq-th referral.
func (r *receiver) reference(p *phase, seq int) string {
	return r.run + "-" + strconv.Itoa(p.index) + "-" + strconv.Itoa(seq)
}

// route finds the phase and sequence number of a reference.
func (r *receiver) route(ref string) (*phase, int) {
	rest, ok := strings.CutPrefix(ref, r.run+"-")
	if !ok {
		return nil, 0
	}
	ps, ss, ok := strings.Cut(rest, "-")
	pi, err1 := strconv.Atoi(ps)
	seq, err2 := strconv.Atoi(ss)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok || err1 != nil || err2 != nil || pi < 0 || pi >= len(r.phases) {
		return nil, 0
	}
	return r.phases[pi], seq
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 4<<20))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	var env struct {
		Type string `json:"type"`
		Data struct {
			Reference string `json:"reference"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	p, seq := r.route(env.Data.Reference)
	if p == nil {
		r.mu.Lock()
		r.stray++
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent) // not ours: don't make the sender retry
		return
	}
	if err := webhook.Verify(p.pub, req.Header, body, time.Now()); err != nil {
		p.badSignature(err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := req.Header.Get(webhook.HeaderID)
	r.mu.Lock()
	dup := r.seen[id]
	r.seen[id] = true
	r.mu.Unlock()
	if env.Type == "referral.created" {
		p.delivered(seq, at, dup)
	}
	w.WriteHeader(http.StatusNoContent)
}

// echo is the baseline's stand-in for Vigie: it takes the same POST, answers
// 201 with a JSON body at once, and sends one signed webhook to the receiver
// with Vigie's own sender and HTTP client settings, but stores and queues
// nothing. What it costs is the network, HTTP, JSON and signing share of a
// delivery.
type echo struct {
	srv    *http.Server
	url    string
	target string
	sender *webhook.Sender
	pub    ed25519.PublicKey
	wg     sync.WaitGroup
	failed atomic.Int64
}

func startEcho(target string) (*echo, error) {
	pub, priv, err := webhook.GenerateKey()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &echo{url: "http://" + ln.Addr().String() + "/api/v1/referrals", target: target, pub: pub,
		sender: webhook.NewSender(webhook.NewHTTPClient(10*time.Second, true), webhook.NewSigner(priv), nil)}
	e.srv = &http.Server{Handler: http.HandlerFunc(e.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

func (e *echo) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	var d map[string]any
	if err == nil {
		err = json.Unmarshal(body, &d)
	}
	if err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	now := time.Now().UTC()
	d["id"], d["state"], d["issued_at"] = uuid.Must(uuid.NewV7()).String(), "pending", now
	msg, err := json.Marshal(map[string]any{"type": "referral.created", "timestamp": now, "data": d})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	m := webhook.Message{ID: "msg_" + uuid.Must(uuid.NewV7()).String(), Type: "referral.created", Body: msg}
	e.wg.Go(func() {
		if res := e.sender.Send(context.Background(), e.target, m); res.Outcome != webhook.Delivered {
			e.failed.Add(1)
		}
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(d)
}

func (e *echo) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
	e.wg.Wait()
}

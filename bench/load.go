package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Phase is the outcome of one open-loop run against one target.
type Phase struct {
	// Name is "baseline" or "vigie".
	Name string `json:"name"`
	// TargetRate is the rate the pacer aimed at, per second.
	TargetRate float64 `json:"target_rate"`
	// Seconds is the length of the measured window (the warm-up excluded).
	Seconds float64 `json:"seconds"`
	// Sent counts the requests started in the window; Missed, those the
	// pacer could not start because Concurrency requests were in flight
	// (an open-loop generator does not wait: a miss is the server being
	// too slow). OK and Errors split Sent by the answer.
	Sent   int `json:"sent"`
	Missed int `json:"missed"`
	OK     int `json:"ok"`
	Errors int `json:"errors"`
	// Undelivered counts accepted referrals whose webhook had not arrived
	// Drain after the last answer.
	Undelivered int `json:"undelivered"`
	// SubmitRate is OK per second of the window; DeliveredRate, webhooks
	// received per second during the window (whenever their referral was
	// sent): below the target rate, deliveries fall behind.
	SubmitRate    float64 `json:"submit_per_s"`
	DeliveredRate float64 `json:"delivered_per_s"`
	// Latency runs from the start of the submit to the arrival of its
	// webhook; Submit is the HTTP round trip of the submit alone.
	Latency Dist `json:"latency"`
	Submit  Dist `json:"submit"`
	// ServerCores is the CPU the server process used during the window, in
	// cores (0 when it is not a separate process), and ServerCPUPerOK the
	// same per accepted referral, in milliseconds. BenchCores is this
	// process's: load generator, receiver (and, for the baseline, the echo
	// server).
	ServerCores    float64 `json:"server_cores,omitempty"`
	ServerCPUPerOK float64 `json:"server_cpu_ms_per_referral,omitempty"`
	BenchCores     float64 `json:"bench_cores"`
	// ServerWritesPerOK and ServerKiBPerOK are the server's write system
	// calls and the bytes it had written to storage, per accepted referral.
	ServerWritesPerOK float64 `json:"server_write_calls_per_referral,omitempty"`
	ServerKiBPerOK    float64 `json:"server_written_kib_per_referral,omitempty"`
	// MachineBusy and MachineIOWait are the fractions of all the machine's
	// CPU time, anyone's, spent working and waiting for storage during the
	// window: on a shared machine, how much else was going on.
	MachineBusy   float64 `json:"machine_busy"`
	MachineIOWait float64 `json:"machine_iowait"`
	// OtherCores is the CPU the rest of the machine used meanwhile: a
	// database server on this machine, and everyone else's work.
	OtherCores float64 `json:"other_cores"`
	// WebhookConns counts the TCP connections the sender opened to the
	// receiver during the phase: many more than the requests in flight
	// means connections are not being reused.
	WebhookConns  int64    `json:"webhook_connections"`
	Duplicates    int      `json:"duplicate_webhooks,omitempty"`
	BadSignatures int      `json:"bad_signatures,omitempty"`
	ErrorSamples  []string `json:"error_samples,omitempty"`
}

// phase is a run in progress.
type phase struct {
	name        string
	index       int // in the receiver's list
	pub         ed25519.PublicKey
	url, apiKey string
	body        func(seq int) []byte
	rate        float64
	warmup      time.Duration
	duration    time.Duration
	concurrency int
	serverPID   int // 0: no separate server

	total, warm int
	t0, end     time.Time
	cpu         cpuWindow

	nSent, nDelivered, nMissed atomic.Int64 // for the progress line

	mu         sync.Mutex
	recs       []rec
	recent     []time.Duration // last latencies, a ring, for the progress line
	recentNext int
	dupes      int
	badSig     int
	errSamples []string
}

type recState uint8

const (
	unsent recState = iota
	inFlight
	accepted
	failed
	missed
)

type rec struct {
	state recState
	sent  time.Time // submit started
	done  time.Time // answer read
	recv  time.Time // webhook received
}

// cpuWindow samples, at the first and at the last measured send, the CPU
// used by the server and by this process, the server's writes, and the
// whole machine's CPU.
type cpuWindow struct {
	at     [2]sample
	filled [2]bool
}

type sample struct {
	wall                       time.Time
	server, self               time.Duration
	serverOK, selfOK           bool
	writeCalls, writeBytes     int64
	ioOK                       bool
	sysBusy, sysIOWait, sysAll int64
	sysOK                      bool
}

func (c *cpuWindow) sample(i int, serverPID int) {
	s := sample{wall: time.Now()}
	if serverPID > 0 {
		s.server, s.serverOK = cpuTime(serverPID)
		s.writeCalls, s.writeBytes, s.ioOK = ioCounters(serverPID)
	}
	s.self, s.selfOK = cpuTime(0)
	s.sysBusy, s.sysIOWait, s.sysAll, s.sysOK = systemCPU()
	c.at[i], c.filled[i] = s, true
}

// fill sets p's resource figures from the window.
func (c *cpuWindow) fill(p *Phase, secs float64) {
	a, b := c.at[0], c.at[1]
	if !c.filled[0] || !c.filled[1] || !b.wall.After(a.wall) {
		return
	}
	wall := b.wall.Sub(a.wall).Seconds()
	// Per-referral figures scale the window's rate to the measured window.
	perOK := func(delta float64) float64 {
		if p.OK == 0 {
			return 0
		}
		return delta / wall * secs / float64(p.OK)
	}
	if a.selfOK && b.selfOK {
		p.BenchCores = round2((b.self - a.self).Seconds() / wall)
	}
	if a.serverOK && b.serverOK {
		p.ServerCores = round2((b.server - a.server).Seconds() / wall)
		p.ServerCPUPerOK = round2(perOK((b.server - a.server).Seconds() * 1000))
	}
	if a.ioOK && b.ioOK {
		p.ServerWritesPerOK = round1(perOK(float64(b.writeCalls - a.writeCalls)))
		p.ServerKiBPerOK = round1(perOK(float64(b.writeBytes-a.writeBytes) / 1024))
	}
	if a.sysOK && b.sysOK && b.sysAll > a.sysAll {
		all := float64(b.sysAll - a.sysAll)
		p.MachineBusy = round2(float64(b.sysBusy-a.sysBusy) / all)
		p.MachineIOWait = round2(float64(b.sysIOWait-a.sysIOWait) / all)
		cores := float64(runtime.NumCPU())
		p.OtherCores = round2(max(0, float64(b.sysBusy-a.sysBusy)/all*cores-p.ServerCores-p.BenchCores))
	}
}

func newClient(concurrency int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// run paces the submits: request i is due at t0 + i/rate whatever happened
// to the earlier ones (open loop). A request that finds Concurrency others
// in flight is not sent and counts as missed.
func (p *phase) run(ctx context.Context, client *http.Client) error {
	p.total = max(1, int(math.Round(p.rate*(p.warmup+p.duration).Seconds())))
	p.warm = min(int(math.Round(p.rate*p.warmup.Seconds())), p.total-1)
	p.recs = make([]rec, p.total)
	p.recent = make([]time.Duration, 0, 1000)
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	interval := float64(time.Second) / p.rate
	p.t0 = time.Now()
	for i := range p.total {
		if d := time.Until(p.t0.Add(time.Duration(float64(i) * interval))); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
		if i == p.warm {
			p.cpu.sample(0, p.serverPID)
		}
		select {
		case sem <- struct{}{}:
		default:
			p.mu.Lock()
			p.recs[i].state = missed
			p.mu.Unlock()
			p.nMissed.Add(1)
			continue
		}
		p.nSent.Add(1)
		wg.Go(func() {
			defer func() { <-sem }()
			p.submit(ctx, client, i)
		})
	}
	p.cpu.sample(1, p.serverPID)
	wg.Wait()
	p.end = time.Now()
	return ctx.Err()
}

func (p *phase) submit(ctx context.Context, client *http.Client, seq int) {
	body := p.body(seq)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		p.fail(seq, err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.apiKey)
	p.mu.Lock()
	p.recs[seq].state = inFlight
	p.recs[seq].sent = time.Now()
	p.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			p.fail(seq, err.Error())
		}
		return
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	done := time.Now()
	if err != nil || resp.StatusCode != http.StatusCreated {
		msg := fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		p.fail(seq, msg)
		return
	}
	p.mu.Lock()
	p.recs[seq].state = accepted
	p.recs[seq].done = done
	p.mu.Unlock()
}

func (p *phase) fail(seq int, msg string) {
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recs[seq].state = failed
	if len(p.errSamples) < 5 && !slices.Contains(p.errSamples, msg) {
		p.errSamples = append(p.errSamples, msg)
	}
}

// delivered records the arrival of the webhook of referral seq.
func (p *phase) delivered(seq int, at time.Time, dupMessage bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq < 0 || seq >= len(p.recs) {
		return
	}
	r := &p.recs[seq]
	if dupMessage || !r.recv.IsZero() {
		p.dupes++
		return
	}
	r.recv = at
	p.nDelivered.Add(1)
	if !r.sent.IsZero() {
		if len(p.recent) < cap(p.recent) {
			p.recent = append(p.recent, at.Sub(r.sent))
		} else {
			p.recent[p.recentNext] = at.Sub(r.sent)
			p.recentNext = (p.recentNext + 1) % len(p.recent)
		}
	}
}

func (p *phase) badSignature(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.badSig++
	if msg := "webhook signature: " + err.Error(); len(p.errSamples) < 5 && !slices.Contains(p.errSamples, msg) {
		p.errSamples = append(p.errSamples, msg)
	}
}

// recentP99 is the 99th percentile of the last thousand latencies.
func (p *phase) recentP99() time.Duration {
	p.mu.Lock()
	ds := slices.Clone(p.recent)
	p.mu.Unlock()
	slices.Sort(ds)
	return Percentile(ds, 99)
}

// pending counts the accepted referrals, measured or not, still waiting
// for their webhook.
func (p *phase) pending(measuredOnly bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for i, r := range p.recs {
		if r.state == accepted && r.recv.IsZero() && (!measuredOnly || i >= p.warm) {
			n++
		}
	}
	return n
}

// drain waits until every accepted referral (measured ones only, or all)
// has its webhook, or until the deadline.
func (p *phase) drain(ctx context.Context, deadline time.Time, measuredOnly bool) {
	for p.pending(measuredOnly) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// result summarises the measured window.
func (p *phase) result(name string, conns int64) Phase {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := Phase{Name: name, TargetRate: p.rate, Seconds: p.duration.Seconds(), Duplicates: p.dupes, BadSignatures: p.badSig,
		ErrorSamples: p.errSamples, WebhookConns: conns}
	winStart := p.t0.Add(p.warmup)
	winEnd := winStart.Add(p.duration)
	var lat, sub []time.Duration
	deliveredInWindow := 0
	for i, r := range p.recs {
		if !r.recv.IsZero() && !r.recv.Before(winStart) && r.recv.Before(winEnd) {
			deliveredInWindow++
		}
		if i < p.warm {
			continue
		}
		switch r.state {
		case missed:
			out.Missed++
			continue
		case failed:
			out.Errors++
		case accepted:
			out.OK++
			sub = append(sub, r.done.Sub(r.sent))
			if r.recv.IsZero() {
				out.Undelivered++
			} else {
				lat = append(lat, r.recv.Sub(r.sent))
			}
		}
		out.Sent++
	}
	secs := p.duration.Seconds()
	out.SubmitRate = round1(float64(out.OK) / secs)
	out.DeliveredRate = round1(float64(deliveredInWindow) / secs)
	out.Latency, out.Submit = summarise(lat), summarise(sub)
	p.cpu.fill(&out, secs)
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// draft is the body of a submitted referral.
type draft struct {
	Kind         string   `json:"kind"`
	PlatformID   string   `json:"platform_id"`
	Reference    string   `json:"reference"`
	URLs         []string `json:"urls"`
	ContentTypes []string `json:"content_types"`
	Reasons      string   `json:"reasons"`
	IssuerName   string   `json:"issuer_name"`
}

// referralBody returns the JSON of a referral with the given reference.
func referralBody(platformID, ref string) []byte {
	b, _ := json.Marshal(draft{Kind: "referral", PlatformID: platformID, Reference: ref,
		URLs:         []string{"https://video.platform.example/watch/" + ref},
		ContentTypes: []string{"a", "d"},
		Reasons:      "Video glorifying a terrorist attack and explaining how to build the device used; benchmark traffic.",
		IssuerName:   "Referral unit, benchmark"})
	return b
}

package bench

// The Web Push benchmark: Vigie's sender, and beside it in the same run the
// same messages through github.com/SherClockHolmes/webpush-go, posted to a
// push service on loopback that runs as a child process, so that its CPU is
// not charged to the sender. The push service generates the subscriptions
// itself, as browsers do (real P-256 key pairs and auth secrets, of which
// only the public halves leave it), accepts every message, checks the
// headers of all, and decrypts and checks the VAPID token of one in
// SampleEvery with the subscriber's private key: a run in which one sample
// fails is an error, not a figure.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	baseline "github.com/SherClockHolmes/webpush-go"

	"github.com/vigie-project/vigie/webpush"
)

// Senders the Web Push benchmark knows.
const (
	// SenderVigie is webpush.NewPipelinedSender through Sender.FanOut.
	SenderVigie = "vigie"
	// SenderVigieNetHTTP is webpush.NewSender (net/http, HTTP/1.1
	// keep-alive) through Sender.FanOut.
	SenderVigieNetHTTP = "vigie-nethttp"
	// SenderVigieH2C is webpush.NewSender over net/http's HTTP/2 without
	// TLS (prior knowledge), the protocol real push services prefer.
	SenderVigieH2C = "vigie-nethttp-h2"
	// SenderBaseline is webpush-go v1.4.0 with a keep-alive net/http client.
	SenderBaseline = "webpush-go"
)

// DefaultWebPushSenders are the senders run when WebPushConfig.Senders is
// empty.
var DefaultWebPushSenders = []string{SenderVigie, SenderVigieNetHTTP, SenderBaseline}

// WebPushConfig is what a Web Push run is told.
type WebPushConfig struct {
	// ServiceCommand starts the push service: a program that calls
	// ServePushService, such as {vigie, "bench", "webpush", "--push-service"}.
	ServiceCommand []string
	// ServiceEnv is added to the push service's environment.
	ServiceEnv []string
	// Messages is the number of messages per sender and run (default 20,000).
	Messages int
	// Runs is how often each sender is run (default 3); the report gives
	// medians. Senders take turns within a run, in an order that rotates.
	Runs int
	// Concurrency is the number of messages being encrypted or in flight at
	// once, for every sender (default 64).
	Concurrency int
	// Subscribers is the number of distinct subscriptions (default the
	// smaller of Messages and 10,000); messages go to them in turn.
	Subscribers int
	// Origins is the number of push services (loopback ports) the
	// subscriptions are spread over (default 2).
	Origins int
	// SampleEvery: the push service decrypts one message in SampleEvery
	// (default 100, 1 %).
	SampleEvery int
	// Senders lists what to measure (default DefaultWebPushSenders); the
	// first is compared with the baseline, which is always run.
	Senders []string
	// Progress, when not nil, receives a progress line: redrawn in place
	// with \r when Redraw (a terminal), else a new line every 5 s.
	Progress io.Writer
	Redraw   bool
}

func (c *WebPushConfig) defaults() {
	if c.Messages <= 0 {
		c.Messages = 20000
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.Subscribers <= 0 {
		c.Subscribers = min(c.Messages, 10000)
	}
	if c.Origins <= 0 {
		c.Origins = 2
	}
	if c.SampleEvery <= 0 {
		c.SampleEvery = 100
	}
	if len(c.Senders) == 0 {
		c.Senders = DefaultWebPushSenders
	}
	if !slices.Contains(c.Senders, SenderBaseline) {
		c.Senders = append(slices.Clone(c.Senders), SenderBaseline)
	}
}

// WebPushResult is a Web Push run's report.
type WebPushResult struct {
	Machine     Machine   `json:"machine"`
	Started     time.Time `json:"started"`
	Messages    int       `json:"messages_per_run"`
	Runs        int       `json:"runs"`
	Concurrency int       `json:"concurrency"`
	Subscribers int       `json:"subscribers"`
	Origins     int       `json:"origins"`
	SampleEvery int       `json:"sample_every"`
	// PayloadBytes is the plaintext size of every message.
	PayloadBytes int `json:"payload_bytes"`
	// CPUResolution is the resolution of the CPU times (utime + stime of
	// /proc/PID/stat: the counters getrusage reports, in clock ticks).
	CPUResolution float64 `json:"cpu_resolution_seconds"`

	// FloorMicros is the median CPU time of the two P-256 operations no
	// message can do without (a fresh key pair, then ECDH with the
	// subscriber's key), measured in this process before each run on one
	// goroutine: FloorPerCore = 1e6 / FloorMicros is the most messages/s
	// per core any sender can reach here, whatever its HTTP.
	FloorMicros  float64   `json:"floor_cpu_us_per_msg"`
	FloorPerCore float64   `json:"floor_msgs_per_s_per_core"`
	FloorRuns    []float64 `json:"floor_runs_us"`

	Senders []*WebPushSender `json:"senders"`
	// Ratio is the first sender's median messages/s per core over the
	// baseline's; RunRatios the same ratio within each run, whose median is
	// RatioOfRuns.
	Ratio       float64   `json:"ratio_per_core"`
	RunRatios   []float64 `json:"run_ratios"`
	RatioOfRuns float64   `json:"ratio_per_core_median_of_runs"`

	// Estimates are for the first sender and the baseline.
	Estimates []Estimate `json:"estimates"`
	// Target is 12,000 messages/s per core of sending CPU.
	Target       float64 `json:"target_per_core"`
	TargetMet    bool    `json:"target_met"`
	ScaleOutNote string  `json:"scale_out"`
}

// WebPushSender is one sender's figures: its runs and their medians.
type WebPushSender struct {
	Name string       `json:"name"`
	Runs []WebPushRun `json:"runs"`
	// Medians over the runs.
	PerSecond      float64 `json:"msgs_per_s"`
	PerCore        float64 `json:"msgs_per_s_per_core"`
	CPUMicros      float64 `json:"sender_cpu_us_per_msg"`
	ServiceMicros  float64 `json:"service_cpu_us_per_msg"`
	WireBytes      float64 `json:"request_bytes_per_msg"`
	ConnectionsMax int64   `json:"connections_max"`
}

// WebPushRun is one run of one sender.
type WebPushRun struct {
	Messages  int     `json:"messages"`
	Delivered int     `json:"delivered"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"msgs_per_s"`
	// SenderCPU is this process's CPU time during the run (user + system);
	// PerCore is Messages / SenderCPU, the rate one core of sending CPU
	// sustains.
	SenderCPU float64 `json:"sender_cpu_seconds"`
	CPUMicros float64 `json:"sender_cpu_us_per_msg"`
	PerCore   float64 `json:"msgs_per_s_per_core"`
	// ServiceCPU is the push service's CPU time during the run.
	ServiceCPU    float64 `json:"service_cpu_seconds"`
	ServiceMicros float64 `json:"service_cpu_us_per_msg"`
	// WireBytes is the request bytes per message the push service read
	// (request line, headers and body; no TCP/IP or TLS framing).
	WireBytes float64 `json:"request_bytes_per_msg"`
	// Connections counts the connections the push service accepted during
	// the run, after the warm-up: more than a few means connections are
	// not being reused.
	Connections int64    `json:"connections"`
	Sampled     int64    `json:"sampled"`
	SampleFails int64    `json:"sample_failures"`
	ErrSamples  []string `json:"error_samples,omitempty"`
}

// Estimate extrapolates a sender's medians to a number of subscribers.
type Estimate struct {
	Sender      string `json:"sender"`
	Subscribers int    `json:"subscribers"`
	// CPUBound is the time with all of this machine's cores sending
	// (the push service elsewhere): Subscribers / (PerCore * cores).
	CPUBound float64 `json:"cpu_bound_seconds"`
	// Measured is the time at the measured wall-clock rate, with the push
	// service sharing this machine.
	Measured float64 `json:"measured_rate_seconds"`
	// EgressMbps is the request bandwidth the CPU-bound rate needs.
	EgressMbps float64 `json:"egress_mbit_per_s"`
}

// TargetPerCore is the goal: messages per second per core of
// sending CPU.
const TargetPerCore = 12000

// WebPush runs the Web Push benchmark.
func WebPush(ctx context.Context, cfg WebPushConfig) (*WebPushResult, error) {
	cfg.defaults()
	if len(cfg.ServiceCommand) == 0 {
		return nil, errors.New("bench: WebPushConfig.ServiceCommand, the push service's command, is required")
	}
	for _, s := range cfg.Senders {
		if !slices.Contains([]string{SenderVigie, SenderVigieNetHTTP, SenderVigieH2C, SenderBaseline}, s) {
			return nil, fmt.Errorf("bench: unknown Web Push sender %q", s)
		}
	}
	payload := alertPayload()
	vapid, err := webpush.GenerateVAPID("mailto:bench@vigie.example")
	if err != nil {
		return nil, err
	}
	svc, err := startPushService(ctx, cfg, payload, vapid.PublicKey())
	if err != nil {
		return nil, err
	}
	defer svc.stop()

	res := &WebPushResult{Machine: describeMachine(), Started: time.Now().UTC().Truncate(time.Second),
		Messages: cfg.Messages, Runs: cfg.Runs, Concurrency: cfg.Concurrency, Subscribers: len(svc.subs),
		Origins: cfg.Origins, SampleEvery: cfg.SampleEvery, PayloadBytes: len(payload),
		CPUResolution: 1.0 / clockTick, Target: TargetPerCore}
	msgs := make([]webpush.Subscription, cfg.Messages)
	for i := range msgs {
		msgs[i] = svc.subs[i%len(svc.subs)]
	}
	b := &webPushBench{cfg: cfg, svc: svc, msgs: msgs, payload: payload, vapid: vapid}
	for _, name := range cfg.Senders {
		res.Senders = append(res.Senders, &WebPushSender{Name: name})
	}
	for r := range cfg.Runs {
		floor, err := cryptoFloor(floorOps)
		if err != nil {
			return nil, err
		}
		res.FloorRuns = append(res.FloorRuns, floor)
		for k := range res.Senders {
			// Rotate the order so that no sender always runs first or
			// right after another's garbage collection.
			s := res.Senders[(k+r)%len(res.Senders)]
			run, err := b.run(ctx, s.Name, r)
			if err != nil {
				return nil, err
			}
			s.Runs = append(s.Runs, run)
		}
	}
	res.Machine.LoadAfter = loadAverage()
	res.summarise()
	return res, nil
}

// floorOps is the number of key pairs and ECDHs timed by cryptoFloor:
// about 0.3 s of CPU, so the 10 ms resolution of the CPU time is 3 %.
const floorOps = 5000

// cryptoFloor returns the CPU time in µs of generating a P-256 key pair and
// doing ECDH with another public key, on one goroutine.
func cryptoFloor(n int) (float64, error) {
	peer, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return 0, err
	}
	pub := peer.PublicKey()
	runtime.GC()
	c0, _ := cpuTime(0)
	for range n {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return 0, err
		}
		if _, err := k.ECDH(pub); err != nil {
			return 0, err
		}
	}
	c1, _ := cpuTime(0)
	return round2((c1 - c0).Seconds() * 1e6 / float64(n)), nil
}

// alertPayload is a CAP alert summary of about 1.5 KB, as Vigie would push it.
func alertPayload() []byte {
	type area struct {
		Desc    string `json:"areaDesc"`
		Polygon string `json:"polygon"`
	}
	a := struct {
		Identifier  string `json:"identifier"`
		Sender      string `json:"sender"`
		Sent        string `json:"sent"`
		Status      string `json:"status"`
		MsgType     string `json:"msgType"`
		Language    string `json:"language"`
		Category    string `json:"category"`
		Event       string `json:"event"`
		Urgency     string `json:"urgency"`
		Severity    string `json:"severity"`
		Certainty   string `json:"certainty"`
		Headline    string `json:"headline"`
		Description string `json:"description"`
		Instruction string `json:"instruction"`
		Web         string `json:"web"`
		Area        area   `json:"area"`
	}{
		Identifier: "urn:oid:2.49.0.0.250.0.2026.11.23.09.00.17", Sender: "cic@interieur.gouv.fr",
		Sent: "2026-11-23T09:00:17+01:00", Status: "Actual", MsgType: "Alert", Language: "fr-FR",
		Category: "Security", Event: "Attaque en cours", Urgency: "Immediate", Severity: "Extreme", Certainty: "Observed",
		Headline: "Attaque en cours - Paris 10e et 11e arrondissements : mettez-vous a l'abri",
		Description: "Des tirs ont ete signales rue de Charonne, rue Bichat et boulevard Voltaire. " +
			"Les forces de l'ordre sont intervenues et l'operation est toujours en cours. " +
			"Plusieurs personnes sont blessees. Les auteurs n'ont pas ete interpelles et pourraient se deplacer. " +
			"Les stations de metro Voltaire, Charonne, Oberkampf et Republique sont fermees ; les lignes 5, 8, 9 et 11 " +
			"ne marquent pas l'arret dans le secteur. Un perimetre de securite est en place autour de la place de la Republique.",
		Instruction: "Restez a l'interieur, eloignez-vous des portes et des fenetres, eteignez la lumiere et mettez votre telephone en silencieux. " +
			"N'allez pas sur place et laissez les secours circuler. N'appelez le 17 ou le 112 qu'en cas d'urgence. " +
			"Ne diffusez ni rumeurs ni images des forces de l'ordre. Consultez les informations officielles et signalez-vous en securite sur Vigie.",
		Web: "https://alertes.vigie.example/a/2026-11-23-0900-paris-10-11",
		Area: area{Desc: "Paris 10e et 11e arrondissements",
			Polygon: "48.8721,2.3562 48.8764,2.3700 48.8650,2.3920 48.8530,2.3890 48.8520,2.3700 48.8600,2.3560 48.8721,2.3562"},
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	return b
}

// webPushBench holds a run's moving parts.
type webPushBench struct {
	cfg     WebPushConfig
	svc     *pushService
	msgs    []webpush.Subscription
	payload []byte
	vapid   *webpush.VAPID
}

// run sends every message once with one sender and measures it.
func (b *webPushBench) run(ctx context.Context, name string, r int) (WebPushRun, error) {
	send, closeSender, err := b.sender(name)
	if err != nil {
		return WebPushRun{}, err
	}
	defer closeSender()
	var done, failed atomic.Int64
	var errMu sync.Mutex
	var errSamples []string
	record := func(err error) {
		failed.Add(1)
		errMu.Lock()
		if len(errSamples) < 5 {
			errSamples = append(errSamples, err.Error())
		}
		errMu.Unlock()
	}
	// Unmeasured warm-up: connections and the VAPID cache, as in a
	// long-running server.
	warm := min(len(b.msgs), 2*b.cfg.Concurrency)
	if err := send(ctx, b.msgs[:warm], &done, func(error) {}); err != nil {
		return WebPushRun{}, err
	}
	done.Store(0)
	runtime.GC() // each sender starts without the previous one's garbage

	label := fmt.Sprintf("%s run %d/%d", name, r+1, b.cfg.Runs)
	pr := startWebPushProgress(b.cfg.Progress, b.cfg.Redraw, label, len(b.msgs), &done)
	s0, err := b.svc.stats(ctx)
	if err != nil {
		pr.end()
		return WebPushRun{}, err
	}
	cpu0, _ := cpuTime(0)
	svc0, _ := cpuTime(b.svc.pid())
	t0 := time.Now()
	err = send(ctx, b.msgs, &done, record)
	wall := time.Since(t0)
	cpu1, _ := cpuTime(0)
	svc1, _ := cpuTime(b.svc.pid())
	pr.end()
	if err != nil {
		return WebPushRun{}, err
	}
	s1, err := b.svc.stats(ctx)
	if err != nil {
		return WebPushRun{}, err
	}
	n := len(b.msgs)
	run := WebPushRun{Messages: n, Delivered: int(done.Load()) - int(failed.Load()), Errors: int(failed.Load()),
		Seconds: round2(wall.Seconds()), SenderCPU: (cpu1 - cpu0).Seconds(), ServiceCPU: (svc1 - svc0).Seconds(),
		Connections: s1.Conns - s0.Conns, Sampled: s1.Sampled - s0.Sampled, SampleFails: s1.Failed - s0.Failed,
		ErrSamples: errSamples}
	run.PerSecond = math.Round(float64(n) / wall.Seconds())
	if run.SenderCPU > 0 {
		run.PerCore = math.Round(float64(n) / run.SenderCPU)
		run.CPUMicros = round2(run.SenderCPU * 1e6 / float64(n))
	}
	run.ServiceMicros = round2(run.ServiceCPU * 1e6 / float64(n))
	if got := s1.Received - s0.Received; got > 0 {
		run.WireBytes = math.Round(float64(s1.Bytes-s0.Bytes) / float64(got))
	}
	switch {
	case run.SampleFails > 0:
		return run, fmt.Errorf("bench: %s: %d of %d sampled messages failed at the push service: %v", name, run.SampleFails, run.Sampled, s1.Failures)
	case run.Errors > 0:
		return run, fmt.Errorf("bench: %s: %d of %d messages not delivered: %v", name, run.Errors, n, errSamples)
	case s1.Received-s0.Received != int64(n):
		return run, fmt.Errorf("bench: %s: the push service received %d messages, %d were sent", name, s1.Received-s0.Received, n)
	}
	return run, nil
}

// sendFunc sends one message to each subscription of msgs, counting each
// in done and calling fail for those not delivered.
type sendFunc func(ctx context.Context, msgs []webpush.Subscription, done *atomic.Int64, fail func(error)) error

// sender returns the send function of a sender and what closes it.
func (b *webPushBench) sender(name string) (sendFunc, func(), error) {
	opts := webpush.Options{TTL: time.Hour, Urgency: webpush.UrgencyHigh, Topic: "alert-paris-10-11"}
	fan := webpush.FanOutConfig{Concurrency: b.cfg.Concurrency}
	vigie := func(s *webpush.Sender) sendFunc {
		return func(ctx context.Context, msgs []webpush.Subscription, done *atomic.Int64, fail func(error)) error {
			return s.FanOut(ctx, msgs, b.payload, opts, fan, func(d webpush.Delivery) {
				if d.Result.Outcome != webpush.Delivered {
					fail(fmt.Errorf("%v: %v", d.Result.Outcome, d.Result.Err))
				}
				done.Add(1)
			})
		}
	}
	switch name {
	case SenderVigie:
		s := webpush.NewPipelinedSender(webpush.ClientConfig{}, b.vapid, nil)
		return vigie(s), func() { s.Close() }, nil
	case SenderVigieNetHTTP, SenderVigieH2C:
		c := keepAliveClient(b.cfg.Concurrency, name == SenderVigieH2C)
		s := webpush.NewSender(c, b.vapid, nil)
		return vigie(s), func() { s.Close() }, nil
	case SenderBaseline:
		c := keepAliveClient(b.cfg.Concurrency, false)
		priv, err := b.vapid.PrivateKey()
		if err != nil {
			return nil, nil, err
		}
		bo := &baseline.Options{HTTPClient: c, Subscriber: "bench@vigie.example", // it adds mailto:
			VAPIDPublicKey: b.vapid.PublicKey(), VAPIDPrivateKey: priv, TTL: 3600, Urgency: baseline.UrgencyHigh,
			Topic: opts.Topic}
		bl := make([]baseline.Subscription, len(b.svc.subs))
		for i, s := range b.svc.subs {
			bl[i] = baseline.Subscription{Endpoint: s.Endpoint, Keys: baseline.Keys{
				P256dh: base64.RawURLEncoding.EncodeToString(s.P256dh), Auth: base64.RawURLEncoding.EncodeToString(s.Auth)}}
		}
		// webpush-go appends the padding to the message slice it is given:
		// with spare capacity, concurrent sends would write into one array.
		payload := b.payload[:len(b.payload):len(b.payload)]
		return func(ctx context.Context, msgs []webpush.Subscription, done *atomic.Int64, fail func(error)) error {
			var next atomic.Int64
			var wg sync.WaitGroup
			for range b.cfg.Concurrency {
				wg.Go(func() {
					for {
						i := int(next.Add(1) - 1)
						if i >= len(msgs) || ctx.Err() != nil {
							return
						}
						// msgs[i] is subscription i mod the number of subscribers.
						resp, err := baseline.SendNotificationWithContext(ctx, payload, &bl[i%len(bl)], bo)
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != http.StatusCreated {
								err = fmt.Errorf("push service answered %s", resp.Status)
							}
						}
						if err != nil {
							fail(err)
						}
						done.Add(1)
					}
				})
			}
			wg.Wait()
			return ctx.Err()
		}, c.CloseIdleConnections, nil
	}
	return nil, nil, fmt.Errorf("bench: unknown Web Push sender %q", name)
}

// keepAliveClient is the net/http client of the net/http senders: enough
// idle connections for every message in flight, so that none is reopened.
func keepAliveClient(conns int, h2c bool) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute} // no cap across origins
	if h2c {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func (r *WebPushResult) summarise() {
	r.FloorMicros = round2(median(slices.Clone(r.FloorRuns)))
	if r.FloorMicros > 0 {
		r.FloorPerCore = math.Round(1e6 / r.FloorMicros)
	}
	for _, s := range r.Senders {
		pick := func(f func(WebPushRun) float64) float64 {
			v := make([]float64, len(s.Runs))
			for i, run := range s.Runs {
				v[i] = f(run)
			}
			return median(v)
		}
		s.PerSecond = math.Round(pick(func(x WebPushRun) float64 { return x.PerSecond }))
		s.PerCore = math.Round(pick(func(x WebPushRun) float64 { return x.PerCore }))
		s.CPUMicros = round2(pick(func(x WebPushRun) float64 { return x.CPUMicros }))
		s.ServiceMicros = round2(pick(func(x WebPushRun) float64 { return x.ServiceMicros }))
		s.WireBytes = math.Round(pick(func(x WebPushRun) float64 { return x.WireBytes }))
		for _, run := range s.Runs {
			s.ConnectionsMax = max(s.ConnectionsMax, run.Connections)
		}
	}
	first, base := r.Senders[0], r.sender(SenderBaseline)
	if base.PerCore > 0 {
		r.Ratio = round2(first.PerCore / base.PerCore)
	}
	for i := range first.Runs {
		if i < len(base.Runs) && base.Runs[i].PerCore > 0 {
			r.RunRatios = append(r.RunRatios, round2(first.Runs[i].PerCore/base.Runs[i].PerCore))
		}
	}
	r.RatioOfRuns = round2(median(slices.Clone(r.RunRatios)))
	r.TargetMet = first.PerCore >= TargetPerCore
	for _, s := range []*WebPushSender{first, base} {
		for _, n := range []int{1_000_000, 12_000_000} {
			e := Estimate{Sender: s.Name, Subscribers: n}
			if s.PerCore > 0 {
				rate := s.PerCore * float64(r.Machine.Cores)
				e.CPUBound = math.Round(float64(n) / rate)
				e.EgressMbps = math.Round(rate * s.WireBytes * 8 / 1e6)
			}
			if s.PerSecond > 0 {
				e.Measured = math.Round(float64(n) / s.PerSecond)
			}
			r.Estimates = append(r.Estimates, e)
		}
		if first == base {
			break
		}
	}
	r.ScaleOutNote = "Sending is CPU-bound (the two P-256 operations of each message), so instances that split the " +
		"subscriptions divide the time by their number until another limit is reached: egress bandwidth (the figure " +
		"above per instance, plus TLS and TCP/IP framing, about 3 %), and the push services' own rate limits, which " +
		"answer 429 whatever the number of instances (FCM documents 600,000 messages a minute per project, 10,000/s); " +
		"a pause must then be shared by all instances (one webpush.Limiter per process today)."
}

func (r *WebPushResult) sender(name string) *WebPushSender {
	for _, s := range r.Senders {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// median returns the median of v (reordered), 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// WriteText writes the report for people.
func (r *WebPushResult) WriteText(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Vigie Web Push: encrypt (RFC 8291 aes128gcm, fresh P-256 key and salt per message) + VAPID + POST to a loopback push service\n\n")
	fmt.Fprintf(&b, "machine   %s, %d cores", m.CPU, m.Cores)
	if m.MemoryGiB != "" {
		fmt.Fprintf(&b, ", %s GiB", m.MemoryGiB)
	}
	fmt.Fprintf(&b, ", %s %s\n", m.GoVersion, m.OS)
	if m.LoadBefore != "" {
		fmt.Fprintf(&b, "load avg  %s before, %s after (1, 5, 15 min; other work on the machine shows here)\n", m.LoadBefore, m.LoadAfter)
	}
	fmt.Fprintf(&b, "started   %s\n", r.Started.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(&b, "load      %d messages per sender and run, %d runs, %d in flight; %d subscribers on %d push-service origins;\n"+
		"          %d-byte JSON alert; the push service (a child process) decrypted 1 message in %d\n\n",
		r.Messages, r.Runs, r.Concurrency, r.Subscribers, r.Origins, r.PayloadBytes, r.SampleEvery)
	b.WriteString("medians of the runs; per core = messages / sender CPU seconds (user + system of this process)\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sender\tmsgs/s\tsender CPU µs/msg\tmsgs/s per core\tpush service CPU µs/msg\trequest bytes/msg\tnew connections\t")
	for _, s := range r.Senders {
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.0f\t%.1f\t%.0f\t%d\t\n", s.Name, s.PerSecond, s.CPUMicros, s.PerCore, s.ServiceMicros, s.WireBytes, s.ConnectionsMax)
	}
	tw.Flush()
	first := r.Senders[0]
	fmt.Fprintf(&b, "\ncrypto floor: a fresh P-256 key pair + ECDH take %.1f µs of CPU (median of %v), at most %.0f msgs/s per core for any sender\n",
		r.FloorMicros, r.FloorRuns, r.FloorPerCore)
	fmt.Fprintf(&b, "%s / %s per core: %.2fx (per run: %v, median %.2fx)\n", first.Name, SenderBaseline, r.Ratio, r.RunRatios, r.RatioOfRuns)
	b.WriteString("per run, msgs/s per core:\n")
	for _, s := range r.Senders {
		fmt.Fprintf(&b, "  %-18s", s.Name)
		for _, run := range s.Runs {
			fmt.Fprintf(&b, " %6.0f", run.PerCore)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nextrapolated on this machine (CPU-bound: all cores sending, push service elsewhere; measured: at this run's rate):\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sender\tsubscribers\tCPU-bound\tmeasured\tegress needed\t")
	for _, e := range r.Estimates {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.0f Mbit/s\t\n", e.Sender, e.Subscribers, seconds(e.CPUBound), seconds(e.Measured), e.EgressMbps)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nscaling out: %s\n", r.ScaleOutNote)
	verdict := "NOT MET"
	if r.TargetMet {
		verdict = "MET"
	}
	fmt.Fprintf(&b, "\ntarget    %d msgs/s per core of sending CPU: %s (%s: %.0f)\n", TargetPerCore, verdict, first.Name, first.PerCore)
	_, err := io.WriteString(w, b.String())
	return err
}

// seconds formats a duration in seconds for people: "50 s", "12.5 min".
func seconds(s float64) string {
	switch {
	case s <= 0:
		return "-"
	case s < 120:
		return fmt.Sprintf("%.0f s", s)
	case s < 7200:
		return fmt.Sprintf("%.1f min", s/60)
	}
	return fmt.Sprintf("%.1f h", s/3600)
}

// webPushProgress shows a run's advance on one line, like the referrals
// benchmark's: redrawn in place on a terminal, else a line every 5 s.
type webPushProgress struct {
	stop, done chan struct{}
}

func startWebPushProgress(w io.Writer, redraw bool, label string, total int, done *atomic.Int64) *webPushProgress {
	if w == nil {
		return nil
	}
	pr := &webPushProgress{stop: make(chan struct{}), done: make(chan struct{})}
	every := 5 * time.Second
	if redraw {
		every = 250 * time.Millisecond
	}
	start := time.Now()
	go func() {
		defer close(pr.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-pr.stop:
				if redraw {
					fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", 79))
				}
				return
			case <-t.C:
			}
			n := done.Load()
			const width = 20
			k := int(float64(n) / float64(total) * width)
			k = min(max(k, 0), width)
			line := fmt.Sprintf("%s [%s%s] %d/%d msgs %.0f/s", label, strings.Repeat("#", k), strings.Repeat("-", width-k),
				n, total, float64(n)/time.Since(start).Seconds())
			if redraw {
				fmt.Fprintf(w, "\r%-79s", line)
			} else {
				fmt.Fprintln(w, line)
			}
		}
	}()
	return pr
}

func (pr *webPushProgress) end() {
	if pr == nil {
		return
	}
	close(pr.stop)
	<-pr.done
}

// The push service.

// pushServiceConfig is the first line the push service reads.
type pushServiceConfig struct {
	Subscribers int    `json:"subscribers"`
	Origins     int    `json:"origins"`
	SampleEvery int    `json:"sample_every"`
	Payload     []byte `json:"payload"`
	VAPIDKey    string `json:"vapid_public_key"`
}

// pushServiceReady is the line it writes once it listens.
type pushServiceReady struct {
	Origins []string `json:"origins"`
}

// pushServiceStats is what GET /stats answers.
type pushServiceStats struct {
	Received int64    `json:"received"`
	Bytes    int64    `json:"bytes"`
	Conns    int64    `json:"conns"`
	Sampled  int64    `json:"sampled"`
	Failed   int64    `json:"failed"`
	Failures []string `json:"failures,omitempty"`
}

// pushService is the child process, seen from the benchmark.
type pushService struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	base   string
	client *http.Client
	subs   []webpush.Subscription
	exited chan struct{}
	stderr *bytes.Buffer
}

func startPushService(ctx context.Context, cfg WebPushConfig, payload []byte, vapidKey string) (*pushService, error) {
	cmd := exec.Command(cfg.ServiceCommand[0], cfg.ServiceCommand[1:]...)
	cmd.Env = childEnv(cfg.ServiceEnv)
	setParentDeathSignal(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the push service: %w", err)
	}
	svc := &pushService{cmd: cmd, stdin: stdin, exited: make(chan struct{}), stderr: &stderr,
		client: &http.Client{Timeout: time.Minute}}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(svc.exited)
	}()
	c, _ := json.Marshal(pushServiceConfig{Subscribers: cfg.Subscribers, Origins: cfg.Origins, SampleEvery: cfg.SampleEvery,
		Payload: payload, VAPIDKey: vapidKey})
	if _, err := fmt.Fprintf(stdin, "%s\n", c); err != nil {
		svc.stop()
		return nil, fmt.Errorf("bench: configure the push service: %w", err)
	}
	var ready pushServiceReady
	select {
	case l, ok := <-lines:
		if !ok || json.Unmarshal([]byte(l), &ready) != nil || len(ready.Origins) == 0 {
			svc.stop()
			return nil, fmt.Errorf("bench: the push service did not start: %q %s", l, strings.TrimSpace(stderr.String()))
		}
	case <-time.After(2 * time.Minute):
		svc.stop()
		return nil, errors.New("bench: the push service did not start within 2 minutes")
	case <-ctx.Done():
		svc.stop()
		return nil, ctx.Err()
	}
	svc.base = ready.Origins[0]
	var raw []json.RawMessage
	if err := svc.get(ctx, "/subscriptions", &raw); err != nil {
		svc.stop()
		return nil, err
	}
	for _, j := range raw {
		s, err := webpush.ParseSubscription(j)
		if err != nil {
			svc.stop()
			return nil, fmt.Errorf("bench: a subscription from the push service: %w", err)
		}
		svc.subs = append(svc.subs, s)
	}
	if len(svc.subs) == 0 {
		svc.stop()
		return nil, errors.New("bench: the push service made no subscriptions")
	}
	return svc, nil
}

func (s *pushService) pid() int { return s.cmd.Process.Pid }

func (s *pushService) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("bench: push service %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: push service %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (s *pushService) stats(ctx context.Context) (pushServiceStats, error) {
	var st pushServiceStats
	err := s.get(ctx, "/stats", &st)
	return st, err
}

// stop closes the push service's standard input, which ends it, and kills
// it if it has not ended within 10 seconds.
func (s *pushService) stop() {
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// ServePushService is the push service of the Web Push benchmark, run in a
// child process: it reads its configuration as one JSON line from in,
// generates the subscribers, listens on loopback (one port per origin),
// writes one JSON line with its origins to out and serves until in is
// closed. GET /subscriptions lists the subscriptions in the browsers'
// PushSubscription JSON; GET /stats counts what arrived.
func ServePushService(in io.Reader, out io.Writer) error {
	br := bufio.NewReader(in)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("push service: read configuration: %w", err)
	}
	var cfg pushServiceConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fmt.Errorf("push service: configuration: %w", err)
	}
	if cfg.Subscribers <= 0 || cfg.Origins <= 0 || cfg.SampleEvery <= 0 {
		return errors.New("push service: subscribers, origins and sample_every must be positive")
	}
	ps := &pushServer{cfg: cfg}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ready pushServiceReady
	for range cfg.Origins {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		ready.Origins = append(ready.Origins, "http://"+ln.Addr().String())
	}
	if err := ps.subscribe(ready.Origins); err != nil {
		return err
	}
	for i, ln := range lns {
		origin := ready.Origins[i]
		mux := http.NewServeMux()
		mux.HandleFunc("POST /wpush/v2/{token}", func(w http.ResponseWriter, r *http.Request) { ps.push(w, r, origin) })
		mux.HandleFunc("GET /subscriptions", ps.list)
		mux.HandleFunc("GET /stats", ps.stats)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, Protocols: new(http.Protocols)}
		// HTTP/1.1, and HTTP/2 with prior knowledge for the h2 sender.
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
		go func() { _ = srv.Serve(countingListener{ln, ps}) }()
	}
	j, _ := json.Marshal(ready)
	if _, err := fmt.Fprintf(out, "%s\n", j); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, br) // until the benchmark closes our standard input
	return nil
}

// browser is a subscriber as the push service knows it: its key pair and
// auth secret, of which the benchmark only sees the public parts.
type browser struct {
	priv     *ecdh.PrivateKey
	pub      []byte
	auth     []byte
	endpoint string
	token    string
}

type pushServer struct {
	cfg      pushServiceConfig
	browsers []browser
	byToken  map[string]int

	received, bytes, conns, sampled, failed atomic.Int64
	mu                                      sync.Mutex
	failures                                []string
}

// subscribe makes the subscribers: real P-256 key pairs, random auth
// secrets, and endpoints as long as real ones (a random token of 160
// characters), spread over the origins.
func (ps *pushServer) subscribe(origins []string) error {
	ps.byToken = make(map[string]int, ps.cfg.Subscribers)
	ps.browsers = make([]browser, ps.cfg.Subscribers)
	for i := range ps.browsers {
		priv, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		auth := make([]byte, 16)
		tok := make([]byte, 120)
		if _, err := rand.Read(auth); err != nil {
			return err
		}
		if _, err := rand.Read(tok); err != nil {
			return err
		}
		token := strconv.Itoa(i) + "." + base64.RawURLEncoding.EncodeToString(tok)
		ps.browsers[i] = browser{priv: priv, pub: priv.PublicKey().Bytes(), auth: auth, token: token,
			endpoint: origins[i%len(origins)] + "/wpush/v2/" + token}
		ps.byToken[token] = i
	}
	return nil
}

func (ps *pushServer) list(w http.ResponseWriter, _ *http.Request) {
	type keys struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	}
	type sub struct {
		Endpoint string `json:"endpoint"`
		Keys     keys   `json:"keys"`
	}
	subs := make([]sub, len(ps.browsers))
	for i, b := range ps.browsers {
		subs[i] = sub{Endpoint: b.endpoint, Keys: keys{P256dh: base64.RawURLEncoding.EncodeToString(b.pub),
			Auth: base64.RawURLEncoding.EncodeToString(b.auth)}}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(subs)
}

func (ps *pushServer) stats(w http.ResponseWriter, _ *http.Request) {
	ps.mu.Lock()
	st := pushServiceStats{Received: ps.received.Load(), Bytes: ps.bytes.Load(), Conns: ps.conns.Load(),
		Sampled: ps.sampled.Load(), Failed: ps.failed.Load(), Failures: slices.Clone(ps.failures)}
	ps.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

var bodyBufs = sync.Pool{New: func() any { b := make([]byte, webpush.MaxBodyLen+1); return &b }}

// push accepts one message: RFC 8030 headers on every message, decryption
// and VAPID on a sample.
func (ps *pushServer) push(w http.ResponseWriter, r *http.Request, origin string) {
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	n, err := io.ReadFull(r.Body, *bp)
	switch {
	case err == nil: // filled the buffer: more than MaxBodyLen
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	case !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
		http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
		return
	}
	body := (*bp)[:n]
	i, ok := ps.byToken[r.PathValue("token")]
	if !ok {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "vapid t=") {
		ps.fail(fmt.Errorf("headers: Content-Encoding %q, TTL %q, Authorization %.20q", r.Header.Get("Content-Encoding"),
			r.Header.Get("TTL"), r.Header.Get("Authorization")))
		http.Error(w, "bad headers", http.StatusBadRequest)
		return
	}
	if ps.received.Add(1)%int64(ps.cfg.SampleEvery) == 0 {
		ps.sampled.Add(1)
		if err := ps.check(&ps.browsers[i], body, r.Header.Get("Authorization"), origin); err != nil {
			ps.fail(fmt.Errorf("subscription %d: %w", i, err))
		}
	}
	w.Header()["Location"] = []string{origin + "/m/" + strconv.Itoa(i)}
	w.WriteHeader(http.StatusCreated)
}

func (ps *pushServer) fail(err error) {
	ps.failed.Add(1)
	ps.mu.Lock()
	if len(ps.failures) < 5 {
		ps.failures = append(ps.failures, err.Error())
	}
	ps.mu.Unlock()
}

// check decrypts a message as the browser would and checks its VAPID
// token as a push service would.
func (ps *pushServer) check(b *browser, body []byte, authz, origin string) error {
	pt, err := b.open(body)
	if err != nil {
		return err
	}
	if !bytes.Equal(pt, ps.cfg.Payload) {
		return fmt.Errorf("decrypted %d bytes that are not the alert sent", len(pt))
	}
	return verifyVAPID(authz, ps.cfg.VAPIDKey, origin, time.Now())
}

// open is the user agent's side of RFC 8291: ECDH with the sender's
// ephemeral key, the two HKDF steps, AES-128-GCM, then the padding.
func (b *browser) open(body []byte) ([]byte, error) {
	const hdr = 16 + 4 + 1 + 65
	if len(body) < hdr+17 {
		return nil, fmt.Errorf("body of %d bytes is too short", len(body))
	}
	salt, rs, idlen, keyid := body[:16], binary.BigEndian.Uint32(body[16:20]), body[20], body[21:hdr]
	if idlen != 65 || rs < 18 || len(body)-hdr > int(rs) {
		return nil, fmt.Errorf("header: idlen %d, rs %d, record %d", idlen, rs, len(body)-hdr)
	}
	asPub, err := ecdh.P256().NewPublicKey(keyid)
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	shared, err := b.priv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	info := slices.Concat([]byte("WebPush: info\x00"), b.pub, keyid)
	ikm, err := hkdf.Key(sha256.New, shared, b.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	rec, err := aead.Open(nil, nonce, body[hdr:], nil)
	if err != nil {
		return nil, fmt.Errorf("AES-GCM: %w", err)
	}
	end := bytes.LastIndexFunc(rec, func(r rune) bool { return r != 0 })
	if end < 0 || rec[end] != 2 {
		return nil, errors.New("no 0x02 delimiter: not the last record")
	}
	return rec[:end], nil
}

// verifyVAPID checks "vapid t=JWT, k=KEY" (RFC 8292): the key is the
// benchmark's, the ES256 signature verifies, aud is this origin, exp is
// within 24 hours and sub a mailto: or https: contact.
func verifyVAPID(authz, wantKey, origin string, now time.Time) error {
	var tok, key string
	for part := range strings.SplitSeq(strings.TrimPrefix(authz, "vapid "), ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			tok = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			key = v
		}
	}
	if key != wantKey {
		return errors.New("VAPID: k is not the benchmark's public key")
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("VAPID k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return fmt.Errorf("VAPID k: %w", err)
	}
	signed, sigB64, ok := cutLast(tok, ".")
	hdrB64, claimsB64, ok2 := strings.Cut(signed, ".")
	if !ok || !ok2 {
		return errors.New("VAPID t: not a compact JWS")
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != 64 {
		return errors.New("VAPID t: ES256 signature is not 64 bytes of base64url")
	}
	digest := sha256.Sum256([]byte(signed))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("VAPID t: bad signature")
	}
	var h struct {
		Alg string `json:"alg"`
	}
	var c struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(hdrB64)
	cb, err2 := base64.RawURLEncoding.DecodeString(claimsB64)
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		return errors.New("VAPID t: header or claims are not base64url JSON")
	}
	exp := time.Unix(c.Exp, 0)
	switch {
	case h.Alg != "ES256":
		return fmt.Errorf("VAPID t: alg %q", h.Alg)
	case c.Aud != origin:
		return fmt.Errorf("VAPID t: aud %q, this push service is %q", c.Aud, origin)
	case !exp.After(now) || exp.Sub(now) > 24*time.Hour+time.Minute:
		return fmt.Errorf("VAPID t: exp %v is not within 24 h of %v", exp, now)
	case !strings.HasPrefix(c.Sub, "mailto:") && !strings.HasPrefix(c.Sub, "https:"):
		return fmt.Errorf("VAPID t: sub %q", c.Sub)
	}
	return nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// countingListener counts connections and the bytes read from them: the
// request bytes each sender puts on the wire.
type countingListener struct {
	net.Listener
	ps *pushServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.ps.conns.Add(1)
	return countingConn{c, l.ps}, nil
}

type countingConn struct {
	net.Conn
	ps *pushServer
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.ps.bytes.Add(int64(n))
	return n, err
}

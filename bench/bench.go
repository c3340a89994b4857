// Package bench measures Vigie end to end, the way a platform sees it: an
// authority submits referrals over HTTP to a server on loopback, and a
// webhook receiver on loopback verifies each signed referral.created
// delivery and notes when it arrived. [Referrals] reports the throughput
// and the submit-to-webhook latency, beside a BASELINE measured in the same
// run with the same load generator: an echo server that answers the submit
// at once and sends one signed webhook with Vigie's own sender, storing
// nothing. The ratio of the two is what Vigie's storage and queue cost, and
// stays meaningful on a noisy shared machine where absolute figures do not.
//
// The server runs as a child process (`vigie serve`), so that its CPU is
// accounted apart from the load generator's; its organisations and API key
// are created beforehand with `vigie admin`. The load is open loop: the
// pacer sends at the set rate whatever the answers, and a send that finds
// Concurrency requests still in flight is counted as missed, not delayed.
//
// `vigie bench referrals` is the command line; BENCHMARKS.md at the root of
// the repository has figures and how to read them.
package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigie-project/vigie/webhook"
)

// Config is what a run is told.
type Config struct {
	// Binary is the vigie executable run as the server and for setup.
	Binary string
	// DB is the database: a postgres:// URL, or a SQLite file path; empty
	// means SQLite in a fresh temporary folder, removed afterwards. In a
	// shared database the run creates organisations named bench-….
	DB string
	// Rate is the submit rate aimed at, per second (default 200).
	Rate float64
	// Warmup runs before the measured Duration (defaults 3 s and 20 s).
	Warmup, Duration time.Duration
	// Concurrency caps the submits in flight (default 32).
	Concurrency int
	// Drain is how long after the last answer webhooks may still arrive
	// and count (default 5 s); later ones count as undelivered.
	Drain time.Duration
	// BaselineDuration is the baseline's measured window (default
	// Duration); it has the same warm-up.
	BaselineDuration time.Duration
	// TargetRate and TargetP99 are the goals the report judges against
	// (defaults 200/s and 250 ms).
	TargetRate float64
	TargetP99  time.Duration

	// FindMax steps the rate up from StartRate (default 100), doubling
	// while a step passes (no errors, misses or undelivered referrals,
	// delivered throughput at least 95 % of the rate, p99 under
	// TargetP99), then halves the gap to the first failing rate twice.
	// Each step runs StepWarmup + StepDuration (defaults 1 s and 5 s), on
	// the baseline first. It stops at MaxRate (default 6400).
	FindMax                  bool
	StartRate, MaxRate       float64
	StepWarmup, StepDuration time.Duration

	// Progress, when not nil, receives a progress line: redrawn in place
	// with \r when Redraw (a terminal), else a new line every 5 s.
	Progress io.Writer
	Redraw   bool
	// ServerEnv is added to the server's environment. VIGIE_* variables of
	// this process are not passed on.
	ServerEnv []string
}

func (c *Config) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Warmup, 3*time.Second)
	def(&c.Duration, 20*time.Second)
	def(&c.Drain, 5*time.Second)
	def(&c.BaselineDuration, c.Duration)
	def(&c.TargetP99, 250*time.Millisecond)
	def(&c.StepWarmup, time.Second)
	def(&c.StepDuration, 5*time.Second)
	if c.Rate <= 0 {
		c.Rate = 200
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 32
	}
	if c.TargetRate <= 0 {
		c.TargetRate = 200
	}
	if c.StartRate <= 0 {
		c.StartRate = 100
	}
	if c.MaxRate <= 0 {
		c.MaxRate = 6400
	}
}

// Result is a run's report.
type Result struct {
	Machine     Machine   `json:"machine"`
	Started     time.Time `json:"started"`
	Engine      string    `json:"engine"`
	Database    string    `json:"database"`
	Rate        float64   `json:"rate"`
	Warmup      float64   `json:"warmup_seconds"`
	Duration    float64   `json:"duration_seconds"`
	Concurrency int       `json:"concurrency"`
	Drain       float64   `json:"drain_seconds"`
	// Fsync is the latency of a 4 KiB write and fsync in the SQLite
	// database's folder, measured just before the first Vigie phase: the
	// storage's share of every commit. Absent on PostgreSQL.
	Fsync *Dist `json:"fsync,omitempty"`

	Baseline *Phase `json:"baseline,omitempty"`
	Vigie    *Phase `json:"vigie,omitempty"`
	// Ratio is Vigie's latencies over the baseline's.
	Ratio *Ratio `json:"ratio,omitempty"`

	// Steps and MaxRate are find-max's: the highest step rate that passed.
	Steps   []Step  `json:"steps,omitempty"`
	MaxRate float64 `json:"max_rate,omitempty"`

	Target Verdict `json:"target"`
}

// Ratio compares Vigie with the baseline: each field is Vigie's figure
// divided by the baseline's.
type Ratio struct {
	LatencyP50 float64 `json:"latency_p50"`
	LatencyP99 float64 `json:"latency_p99"`
	SubmitP50  float64 `json:"submit_p50"`
	SubmitP99  float64 `json:"submit_p99"`
}

// Step is one rate of find-max.
type Step struct {
	Rate     float64 `json:"rate"`
	Baseline Phase   `json:"baseline"`
	Vigie    Phase   `json:"vigie"`
	Ratio    *Ratio  `json:"ratio,omitempty"`
	Pass     bool    `json:"pass"`
	Why      string  `json:"why,omitempty"`
}

// Verdict judges a run against the targets.
type Verdict struct {
	Rate   float64 `json:"rate"`
	P99    float64 `json:"p99_ms"`
	Judged bool    `json:"judged"`
	Met    bool    `json:"met"`
	Why    string  `json:"why,omitempty"`
}

// Referrals runs the benchmark.
func Referrals(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	if cfg.Binary == "" {
		return nil, errors.New("bench: Config.Binary, the vigie executable, is required")
	}
	res := &Result{Machine: describeMachine(), Started: time.Now().UTC().Truncate(time.Second), Rate: cfg.Rate,
		Warmup: cfg.Warmup.Seconds(), Duration: cfg.Duration.Seconds(), Concurrency: cfg.Concurrency, Drain: cfg.Drain.Seconds(),
		Target: Verdict{Rate: cfg.TargetRate, P99: ms(cfg.TargetP99)}}
	tmp, err := os.MkdirTemp("", "vigie-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dsn := cfg.DB
	if dsn == "" {
		dsn = filepath.Join(tmp, "data", "vigie.db")
	}
	res.Engine, res.Database = "sqlite", describeDSN(dsn)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		res.Engine = "postgres"
	}

	b := &bencher{cfg: cfg, client: newClient(cfg.Concurrency), res: res}
	if res.Engine == "sqlite" {
		b.sqliteDir = filepath.Dir(dsn)
	}
	defer b.client.CloseIdleConnections()
	if err := b.setup(ctx, dsn, tmp); err != nil {
		b.close()
		return nil, err
	}
	err = b.measure(ctx, res)
	if e := b.close(); e != nil && err == nil {
		err = fmt.Errorf("bench: %w", e)
	}
	res.Machine.LoadAfter = loadAverage()
	if err != nil {
		return nil, err
	}
	return res, nil
}

// bencher holds a run's moving parts.
type bencher struct {
	cfg        Config
	client     *http.Client
	srv        *server
	rcv        *receiver
	echo       *echo
	authKey    string
	platformID string
	vigiePub   ed25519.PublicKey
	vigieRuns  []*phase
	res        *Result
	sqliteDir  string
}

func (b *bencher) setup(ctx context.Context, dsn, tmp string) error {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	run := hex.EncodeToString(suffix)
	stamp := time.Now().UTC().Format("20060102T150405") + "-" + run
	authName, platName := "bench-authority-"+stamp, "bench-platform-"+stamp
	env := childEnv(b.cfg.ServerEnv)
	for _, o := range [][2]string{{authName, "authority"}, {platName, "platform"}} {
		if _, err := admin(ctx, b.cfg.Binary, dsn, env, "org", "create", "--name", o[0], "--kind", o[1], "--country", "FR"); err != nil {
			return err
		}
	}
	out, err := admin(ctx, b.cfg.Binary, dsn, env, "key", "create", "--org", authName, "--name", "bench")
	if err != nil {
		return err
	}
	b.authKey = lastLine(out)
	out, err = admin(ctx, b.cfg.Binary, dsn, env, "key", "create", "--org", platName, "--name", "bench")
	if err != nil {
		return err
	}
	platKey := lastLine(out)

	if b.srv, err = startServer(ctx, b.cfg.Binary, dsn, filepath.Join(tmp, "server.log"), env); err != nil {
		return err
	}
	if b.rcv, err = startReceiver(run); err != nil {
		return err
	}
	if b.echo, err = startEcho(b.rcv.url); err != nil {
		return err
	}
	var orgs struct {
		Orgs []struct{ ID, Name string }
	}
	if err := b.call(ctx, "GET", "/api/v1/orgs", b.authKey, nil, &orgs); err != nil {
		return err
	}
	for _, o := range orgs.Orgs {
		if o.Name == platName {
			b.platformID = o.ID
		}
	}
	if b.platformID == "" {
		return fmt.Errorf("bench: platform %q not in GET /api/v1/orgs", platName)
	}
	var hook struct {
		PublicKey string `json:"public_key"`
	}
	if err := b.call(ctx, "PUT", "/api/v1/webhook", platKey, map[string]string{"url": b.rcv.url}, &hook); err != nil {
		return err
	}
	if b.vigiePub, err = webhook.ParsePublicKey(hook.PublicKey); err != nil {
		return fmt.Errorf("bench: the server's webhook key: %w", err)
	}
	return nil
}

// call makes one API request to the server.
func (b *bencher) call(ctx context.Context, method, path, key string, in, out any) error {
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.srv.url+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	j, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(j)))
	}
	return json.Unmarshal(j, out)
}

func (b *bencher) close() error {
	var err error
	if b.echo != nil {
		b.echo.close()
	}
	if b.srv != nil {
		err = b.srv.stop()
	}
	if b.rcv != nil {
		b.rcv.close()
	}
	return err
}

func (b *bencher) measure(ctx context.Context, res *Result) error {
	if b.cfg.FindMax {
		return b.findMax(ctx, res)
	}
	base, err := b.phase(ctx, "baseline", b.cfg.Rate, b.cfg.Warmup, b.cfg.BaselineDuration)
	if err != nil {
		return err
	}
	vig, err := b.phase(ctx, "vigie", b.cfg.Rate, b.cfg.Warmup, b.cfg.Duration)
	if err != nil {
		return err
	}
	res.Baseline, res.Vigie, res.Ratio = &base, &vig, ratio(vig, base)
	t := &res.Target
	if b.cfg.Rate < b.cfg.TargetRate {
		t.Why = fmt.Sprintf("the run aimed at %g/s, below the target rate", b.cfg.Rate)
		return nil
	}
	t.Judged = true
	t.Met, t.Why = passes(vig, b.cfg.TargetRate, ms(b.cfg.TargetP99))
	return nil
}

func (b *bencher) findMax(ctx context.Context, res *Result) error {
	res.Rate, res.Warmup, res.Duration = 0, b.cfg.StepWarmup.Seconds(), b.cfg.StepDuration.Seconds()
	for {
		rate := nextStep(b.cfg.StartRate, b.cfg.MaxRate, 2, res.Steps)
		if rate == 0 {
			break
		}
		base, err := b.phase(ctx, "baseline", rate, b.cfg.StepWarmup, b.cfg.StepDuration)
		if err != nil {
			return err
		}
		vig, err := b.phase(ctx, "vigie", rate, b.cfg.StepWarmup, b.cfg.StepDuration)
		if err != nil {
			return err
		}
		s := Step{Rate: rate, Baseline: base, Vigie: vig, Ratio: ratio(vig, base)}
		s.Pass, s.Why = passes(vig, rate, ms(b.cfg.TargetP99))
		if ok, why := passes(base, rate, ms(b.cfg.TargetP99)); !s.Pass && !ok {
			s.Why += "; the baseline failed too (" + why + "): the load generator or the machine is the limit"
		}
		res.Steps = append(res.Steps, s)
		if s.Pass {
			res.MaxRate = max(res.MaxRate, rate)
		}
	}
	t := &res.Target
	t.Judged, t.Met = true, res.MaxRate >= b.cfg.TargetRate
	t.Why = fmt.Sprintf("highest passing rate %g/s", res.MaxRate)
	return nil
}

// phase runs the load against Vigie ("vigie") or the echo ("baseline").
func (b *bencher) phase(ctx context.Context, name string, rate float64, warmup, duration time.Duration) (Phase, error) {
	p := &phase{name: name, rate: rate, warmup: warmup, duration: duration, concurrency: b.cfg.Concurrency, apiKey: b.authKey}
	if name == "vigie" {
		// A backlog left by an earlier step would inflate this one.
		for _, prev := range b.vigieRuns {
			prev.drain(ctx, time.Now().Add(30*time.Second), false)
		}
		if b.sqliteDir != "" && b.res.Fsync == nil {
			if d, err := probeFsync(b.sqliteDir, 100); err == nil {
				b.res.Fsync = &d
			}
		}
		b.vigieRuns = append(b.vigieRuns, p)
		p.url, p.pub, p.serverPID = b.srv.url+"/api/v1/referrals", b.vigiePub, b.srv.pid()
	} else {
		p.url, p.pub = b.echo.url, b.echo.pub
	}
	b.rcv.add(p)
	p.body = func(seq int) []byte { return referralBody(b.platformID, b.rcv.reference(p, seq)) }
	conns := b.rcv.conns.Load()
	pr := startProgress(b.cfg.Progress, b.cfg.Redraw, fmt.Sprintf("%s %g/s", name, rate), p)
	err := p.run(ctx, b.client)
	if err == nil {
		p.drain(ctx, p.end.Add(b.cfg.Drain), true)
	}
	pr.end()
	if err == nil && name == "vigie" && !b.srv.alive() {
		err = fmt.Errorf("bench: the server stopped during the run: %s", b.srv.logTail())
	}
	return p.result(name, b.rcv.conns.Load()-conns), err
}

// passes judges a phase against a rate and a p99 in milliseconds.
func passes(p Phase, rate, p99 float64) (bool, string) {
	switch {
	case p.Errors > 0:
		return false, fmt.Sprintf("%d submits failed", p.Errors)
	case p.Missed > 0:
		return false, fmt.Sprintf("%d submits missed (concurrency cap reached)", p.Missed)
	case p.Undelivered > 0:
		return false, fmt.Sprintf("%d webhooks not received within the drain time", p.Undelivered)
	case p.DeliveredRate < 0.95*rate:
		return false, fmt.Sprintf("delivered %.1f/s, under 95 %% of %g/s", p.DeliveredRate, rate)
	case p.Latency.P99 >= p99:
		return false, fmt.Sprintf("p99 %.1f ms, not under %g ms", p.Latency.P99, p99)
	}
	return true, fmt.Sprintf("%.1f/s delivered, p99 %.1f ms", p.DeliveredRate, p.Latency.P99)
}

// nextStep returns find-max's next rate given the steps run so far, or 0
// when the search is over: start, doubling while steps pass (up to limit),
// then up to refine midpoints between the highest pass and the lowest
// failure, rounded to tens.
func nextStep(start, limit float64, refine int, steps []Step) float64 {
	if len(steps) == 0 {
		return start
	}
	pass, fail, firstFail := 0.0, math.Inf(1), -1
	for i, s := range steps {
		if s.Pass {
			pass = max(pass, s.Rate)
		} else {
			fail = min(fail, s.Rate)
			if firstFail < 0 {
				firstFail = i
			}
		}
	}
	if firstFail < 0 {
		if next := 2 * steps[len(steps)-1].Rate; next <= limit {
			return next
		}
		return 0
	}
	if len(steps)-1-firstFail >= refine || fail <= pass {
		return 0
	}
	mid := math.Round((pass+fail)/2/10) * 10
	if mid <= pass || mid >= fail {
		return 0
	}
	return mid
}

func ratio(v, b Phase) *Ratio {
	div := func(x, y float64) float64 {
		if y <= 0 {
			return 0
		}
		return round2(x / y)
	}
	return &Ratio{LatencyP50: div(v.Latency.P50, b.Latency.P50), LatencyP99: div(v.Latency.P99, b.Latency.P99),
		SubmitP50: div(v.Submit.P50, b.Submit.P50), SubmitP99: div(v.Submit.P99, b.Submit.P99)}
}

// describeDSN names a database without its password.
func describeDSN(s string) string {
	if i := strings.Index(s, "@"); i > 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "…" + s[i:]
	}
	return s
}

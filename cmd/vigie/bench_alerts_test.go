package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/bench"
	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/org"
)

// benchPlatforms is how many platforms receive each alert.
const benchPlatforms = 20

// benchTarget is the target: from approval to the last platform's
// webhook.
const benchTarget = time.Second

// TestBenchAlertApproval measures, on the real server on loopback, the time
// from the start of an Actual alert's approval by a second person to the
// arrival of its alert.published webhook at the 20th platform, beside a
// baseline measured in the same run: the same 20 receivers sent a payload of
// the same size, signed the same way, by 20 concurrent POSTs from the test
// process, with no database and no queue.
//
// It runs only when VIGIE_BENCH_ALERTS=N (N alerts, e.g. 20); on PostgreSQL
// when VIGIE_TEST_POSTGRES is set, as every server test. It prints a report
// for BENCHMARKS.md and fails only on wrong deliveries (a missing, duplicate
// or badly signed webhook), never on a time: the machine is shared.
//
//	VIGIE_BENCH_ALERTS=20 go test -count=1 -run TestBenchAlertApproval -v -timeout 20m ./cmd/vigie
//
// VIGIE_BENCH_ALERTS_WORKERS sets the job runner's workers (default 32, the
// default of `vigie serve`; the other server tests use 16).
func TestBenchAlertApproval(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VIGIE_BENCH_ALERTS"))
	if n <= 0 {
		t.Skip("set VIGIE_BENCH_ALERTS=N to measure N alert approvals")
	}
	workers := 32
	if w, err := strconv.Atoi(os.Getenv("VIGIE_BENCH_ALERTS_WORKERS")); err == nil && w > 0 {
		workers = w
	}
	ctx := context.Background()
	loadBefore := benchLoadAvg()
	started := time.Now()

	s := startServerWith(t, func(c *serveConfig) { c.workers = workers })
	basePub, basePriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	arr := newBenchArrivals()
	var recvs []*benchReceiver
	for i := range benchPlatforms {
		name := fmt.Sprintf("bench-platform-%02d", i+1)
		o, err := s.app.orgs.CreateOrg(ctx, name, org.KindPlatform, "FR")
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := s.app.orgs.CreateKey(ctx, o.ID, "bench", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.keys[name], s.ids[name] = key, o.ID
		r := newBenchReceiver(t, name, arr, basePub)
		r.register(s, name)
		recvs = append(recvs, r)
	}
	duty := s.person("auth", "duty@prefecture.example")

	// One alert and one baseline round first, with cold connections:
	// reported apart, not in the statistics. The alert's webhook body is
	// the baseline's payload.
	cold := benchAlert(t, s, arr, duty, recvs)
	template, templateID := recvs[0].bodyOf(cold.alertID), cold.alertID
	if template == nil {
		t.Fatal("no body kept for the first alert")
	}
	coldBase := benchBaseline(t, arr, recvs, template, templateID, basePriv)

	var vig []vigieRun
	var base []baseRun
	for i := range n {
		base = append(base, benchBaseline(t, arr, recvs, template, templateID, basePriv))
		vig = append(vig, benchAlert(t, s, arr, duty, recvs))
		t.Logf("run %2d: vigie %8s (approve %7s, to first %7s, first to last %7s), baseline %7s",
			i+1, benchMS(vig[i].total()), benchMS(vig[i].approve()), benchMS(vig[i].toFirst()), benchMS(vig[i].spread()), benchMS(base[i].total()))
	}

	// Every platform got exactly one request per alert, and the server
	// recorded one delivery, delivered at the first attempt.
	alerts := []string{cold.alertID}
	for _, v := range vig {
		alerts = append(alerts, v.alertID)
	}
	for _, r := range recvs {
		for _, id := range alerts {
			if got := r.requests(id); got != 1 {
				t.Errorf("%s received alert %s %d times, want once", r.name, id, got)
			}
		}
		ds, err := s.app.store.Deliveries(ctx, s.ids[r.name], 1000)
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, d := range ds {
			if d.Type != alert.NoticePublished {
				t.Errorf("%s: unexpected delivery %s %s", r.name, d.Type, d.Subject)
				continue
			}
			per[strings.TrimPrefix(d.Subject, "alert/")]++
			if d.Status != "delivered" || d.Attempts != 1 {
				t.Errorf("%s: delivery %s of %s: %s after %d attempts", r.name, d.ID, d.Subject, d.Status, d.Attempts)
			}
		}
		for _, id := range alerts {
			if per[id] != 1 {
				t.Errorf("%s: %d deliveries recorded for alert %s, want 1", r.name, per[id], id)
			}
		}
	}
	counts, err := s.app.store.JobCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Errorf("jobs left in the queue: %v", counts)
	}

	fmt.Print(benchReport(s, workers, len(template), loadBefore, started, cold, coldBase, vig, base))
}

// vigieRun is one alert's timeline, in the test process's clock (the
// server runs in the same process).
type vigieRun struct {
	alertID  string
	start    time.Time // the approve call starts
	returned time.Time // it returned: the transaction committed and the runner was woken
	first    time.Time // the first platform's webhook arrived
	last     time.Time // the 20th platform's webhook arrived
	drained  time.Time // the queue was empty again: every outcome committed (polled every 2 ms)
}

func (v vigieRun) total() time.Duration   { return v.last.Sub(v.start) }
func (v vigieRun) approve() time.Duration { return v.returned.Sub(v.start) }
func (v vigieRun) toFirst() time.Duration { return v.first.Sub(v.returned) }
func (v vigieRun) spread() time.Duration  { return v.last.Sub(v.first) }
func (v vigieRun) drain() time.Duration   { return v.drained.Sub(v.last) }

// baseRun is one baseline round.
type baseRun struct {
	start, first, last time.Time
}

func (b baseRun) total() time.Duration   { return b.last.Sub(b.start) }
func (b baseRun) toFirst() time.Duration { return b.first.Sub(b.start) }

// benchAlert has the authority write an Actual alert over Paris in French,
// English and Arabic with its API key, waits until the server is idle,
// has a second person approve it, and waits for the 20 webhooks.
func benchAlert(t *testing.T, s *testServer, arr *benchArrivals, duty org.Principal, recvs []*benchReceiver) vigieRun {
	t.Helper()
	ctx := context.Background()
	var a alert.Alert
	if code := s.call("auth", "POST", "/api/v1/alerts", parisDraft(), &a); code != http.StatusCreated || a.State != alert.StatePending {
		t.Fatalf("create: %d %s", code, a.State)
	}
	waitDrained(t, s)
	time.Sleep(50 * time.Millisecond) // let the creation's own work settle
	done := arr.expect(a.ID, len(recvs))
	v := vigieRun{alertID: a.ID, start: time.Now()}
	approved, err := s.app.alerts.Approve(ctx, duty, a.ID)
	v.returned = time.Now()
	if err != nil || approved.State != alert.StatePublished {
		t.Fatalf("approve: %+v %v", approved, err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("alert %s: %d of %d platforms received it within 30 s", a.ID, arr.count(a.ID), len(recvs))
	}
	v.first, v.last = arr.span(a.ID)
	waitDrained(t, s)
	v.drained = time.Now()
	return v
}

// benchBaseline sends the template, with a fresh id in place of the
// alert's, to every receiver at once: signed with the baseline's key and
// posted by 20 goroutines, one plain request each.
func benchBaseline(t *testing.T, arr *benchArrivals, recvs []*benchReceiver, template []byte, templateID string, priv ed25519.PrivateKey) baseRun {
	t.Helper()
	id := newID() // the same length as an alert id: the same body size
	body := bytes.ReplaceAll(template, []byte(templateID), []byte(id))
	done := arr.expect(id, len(recvs))
	b := baseRun{start: time.Now()}
	var wg sync.WaitGroup
	errs := make(chan error, len(recvs))
	for _, r := range recvs {
		wg.Go(func() {
			msgID := "base_" + newID()
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			sig := ed25519.Sign(priv, []byte(msgID+"."+ts+"."+string(body)))
			req, err := http.NewRequest(http.MethodPost, r.srv.URL, bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("webhook-id", msgID)
			req.Header.Set("webhook-timestamp", ts)
			req.Header.Set("webhook-signature", "v1a,"+base64.StdEncoding.EncodeToString(sig))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("baseline POST to %s: %s", r.name, resp.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("baseline %s: %d of %d arrived", id, arr.count(id), len(recvs))
	}
	b.first, b.last = arr.span(id)
	return b
}

// parisDraft is an Actual shelter alert in French, English and Arabic over
// a polygon around central Paris.
func parisDraft() alert.Draft {
	d := alertDraft(cap.StatusActual)
	d.Area = alert.Area{Polygons: []string{"48.9022,2.2242 48.9022,2.4699 48.8156,2.4699 48.8156,2.2242 48.9022,2.2242"}}
	d.Infos[0].AreaDesc, d.Infos[1].AreaDesc, d.Infos[2].AreaDesc = "Paris", "Paris", "باريس"
	return d
}

// waitDrained waits until no job is ready or running.
func waitDrained(t *testing.T, s *testServer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := s.app.store.JobCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c["ready"] == 0 && c["running"] == 0 {
			if c["dead"] > 0 {
				t.Fatalf("failed jobs: %v", c)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue is not empty after 30 s: %v", c)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// benchArrivals collects, across the receivers, the arrival time of the first
// delivery of each message at each platform.
type benchArrivals struct {
	mu    sync.Mutex
	times map[string][]time.Time // alert id → first arrival at each platform
	want  map[string]int
	done  map[string]chan struct{}
}

func newBenchArrivals() *benchArrivals {
	return &benchArrivals{times: map[string][]time.Time{}, want: map[string]int{}, done: map[string]chan struct{}{}}
}

// expect returns a channel closed when n platforms have received id.
func (a *benchArrivals) expect(id string, n int) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	ch := make(chan struct{})
	a.want[id], a.done[id] = n, ch
	return ch
}

func (a *benchArrivals) add(id string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.times[id] = append(a.times[id], at)
	if len(a.times[id]) == a.want[id] {
		close(a.done[id])
	}
}

func (a *benchArrivals) count(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times[id])
}

func (a *benchArrivals) span(id string) (first, last time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ts := a.times[id]
	return slices.MinFunc(ts, time.Time.Compare), slices.MaxFunc(ts, time.Time.Compare)
}

// benchReceiver is one platform's endpoint. It notes the arrival time
// before anything else, then checks the Standard Webhooks v1a signature
// (written from the specification, like the harness's receiver): with
// Vigie's public key, or with the baseline's for the baseline's messages.
type benchReceiver struct {
	t       *testing.T
	name    string
	srv     *httptest.Server
	arr     *benchArrivals
	basePub ed25519.PublicKey
	mu      sync.Mutex
	pub     ed25519.PublicKey
	seen    map[string]bool   // webhook-id → seen
	reqs    map[string]int    // alert id → requests
	bodies  map[string][]byte // alert id → first body
}

func newBenchReceiver(t *testing.T, name string, arr *benchArrivals, basePub ed25519.PublicKey) *benchReceiver {
	r := &benchReceiver{t: t, name: name, arr: arr, basePub: basePub, seen: map[string]bool{}, reqs: map[string]int{}, bodies: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *benchReceiver) serve(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(req.Body)
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	pub := r.pub
	r.mu.Unlock()
	if strings.HasPrefix(id, "base_") {
		pub = r.basePub
	}
	ok := false
	for _, sig := range strings.Fields(sigs) {
		raw, found := strings.CutPrefix(sig, "v1a,")
		b, err := base64.StdEncoding.DecodeString(raw)
		if found && err == nil && len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, []byte(id+"."+ts+"."+string(body)), b) {
			ok = true
		}
	}
	if !ok || id == "" {
		r.t.Errorf("%s: webhook %q: signature %q does not verify", r.name, id, sigs)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env struct {
		Type string `json:"type"`
		Data struct {
			Alert struct {
				ID string `json:"id"`
			} `json:"alert"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Type != alert.NoticePublished || env.Data.Alert.ID == "" {
		r.t.Errorf("%s: webhook %s: type %q alert %q: %v", r.name, id, env.Type, env.Data.Alert.ID, err)
	}
	alertID := env.Data.Alert.ID
	r.mu.Lock()
	first := !r.seen[id] && r.reqs[alertID] == 0
	r.seen[id] = true
	r.reqs[alertID]++
	if first {
		r.bodies[alertID] = body
	}
	r.mu.Unlock()
	if first {
		r.arr.add(alertID, at)
	}
	w.WriteHeader(http.StatusOK)
}

// register points the platform's endpoint at the receiver and learns
// Vigie's public key.
func (r *benchReceiver) register(s *testServer, as string) {
	var out struct {
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

func (r *benchReceiver) requests(alertID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[alertID]
}

func (r *benchReceiver) bodyOf(alertID string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[alertID]
}

// benchDist is the median, p90 and maximum (nearest rank) of ds.
type benchDist struct{ p50, p90, max time.Duration }

func benchDistOf[T any](runs []T, f func(T) time.Duration) benchDist {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = f(r)
	}
	slices.Sort(ds)
	return benchDist{bench.Percentile(ds, 50), bench.Percentile(ds, 90), bench.Percentile(ds, 100)}
}

func (d benchDist) String() string {
	return benchMS(d.p50) + " / " + benchMS(d.p90) + " / " + benchMS(d.max)
}

func benchMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func benchLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func benchCPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// benchReport renders the figures as a BENCHMARKS.md section.
func benchReport(s *testServer, workers, size int, loadBefore string, started time.Time, cold vigieRun, coldBase baseRun, vig []vigieRun, base []baseRun) string {
	var b strings.Builder
	engine := string(s.app.store.Dialect())
	fmt.Fprintf(&b, "\n### Alert approval to %d platform webhooks (%s)\n\n", benchPlatforms, engine)
	fmt.Fprintf(&b, "```sh\nVIGIE_BENCH_ALERTS=%d go test -count=1 -run TestBenchAlertApproval -v -timeout 20m ./cmd/vigie", len(vig))
	if engine == "postgres" {
		b.WriteString("   # VIGIE_TEST_POSTGRES set")
	}
	b.WriteString("\n```\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| machine | %s, runtime.NumCPU %d, %s/%s |\n", benchCPUModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "| Go | %s |\n", runtime.Version())
	fmt.Fprintf(&b, "| /proc/loadavg (1, 5, 15 min) | %s before, %s after |\n", loadBefore, benchLoadAvg())
	fmt.Fprintf(&b, "| date, duration | %s, %s |\n", started.UTC().Format("2006-01-02 15:04 UTC"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&b, "| server | in the test process, %s, %d job workers, %d platforms with an endpoint, webhook body %d bytes |\n", engine, workers, benchPlatforms, size)
	fmt.Fprintf(&b, "| runs | %d alerts and %d baseline rounds, alternating, after one cold round of each |\n\n", len(vig), len(base))

	b.WriteString("| from the approve call's start to … | median / p90 / max |\n|---|---|\n")
	vt, bt := benchDistOf(vig, vigieRun.total), benchDistOf(base, baseRun.total)
	fmt.Fprintf(&b, "| **the 20th platform's webhook (Vigie)** | **%s** |\n", vt)
	fmt.Fprintf(&b, "| the 20th receiver's POST (baseline: 20 concurrent signed POSTs) | %s |\n", bt)
	fmt.Fprintf(&b, "| the first platform's webhook (Vigie) | %s |\n", benchDistOf(vig, func(v vigieRun) time.Duration { return v.first.Sub(v.start) }))
	fmt.Fprintf(&b, "| the first receiver's POST (baseline) | %s |\n\n", benchDistOf(base, baseRun.toFirst))

	b.WriteString("| Vigie, split | median / p90 / max |\n|---|---|\n")
	fmt.Fprintf(&b, "| approve call (load, apply, one transaction with 20 deliveries and 21 jobs, commit, wake the runner) | %s |\n", benchDistOf(vig, vigieRun.approve))
	fmt.Fprintf(&b, "| approve returned → first webhook arrived (wake-up, claim, endpoint read, sign, POST) | %s |\n", benchDistOf(vig, vigieRun.toFirst))
	fmt.Fprintf(&b, "| first → 20th webhook arrived | %s |\n", benchDistOf(vig, vigieRun.spread))
	fmt.Fprintf(&b, "| 20th webhook → queue empty (outcomes committed; polled every 2 ms) | %s |\n\n", benchDistOf(vig, vigieRun.drain))

	within := 0
	for _, v := range vig {
		if v.total() <= benchTarget {
			within++
		}
	}
	fmt.Fprintf(&b, "Target ≤ %s: %d of %d alerts. Ratio median(Vigie) / median(baseline): **%.1f×**.\n",
		benchTarget, within, len(vig), float64(vt.p50)/float64(max(bt.p50, time.Microsecond)))
	fmt.Fprintf(&b, "Cold round (new connections, not in the figures above): Vigie %s (approve %s), baseline %s.\n\n",
		benchMS(cold.total()), benchMS(cold.approve()), benchMS(coldBase.total()))

	b.WriteString("| run | approve | → first | first → 20th | **total** | baseline |\n|---|---|---|---|---|---|\n")
	for i, v := range vig {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | **%s** | %s |\n", i+1, benchMS(v.approve()), benchMS(v.toFirst()), benchMS(v.spread()), benchMS(v.total()), benchMS(base[i].total()))
	}
	b.WriteString("\n")
	return b.String()
}

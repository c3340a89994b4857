package bench

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/testenv"
)

// TestReferralsEndToEnd builds vigie from this source tree and runs the
// whole benchmark briefly at a low rate, on SQLite or, when
// VIGIE_TEST_POSTGRES is set, on PostgreSQL. It checks that every accepted
// referral's webhook arrived and verified and that the report has its
// figures; it asserts nothing about how fast.
func TestReferralsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vigie and runs it: not in -short mode")
	}
	bin := buildVigie(t)
	cfg := Config{Binary: bin, Rate: 20, Warmup: 500 * time.Millisecond, Duration: time.Second,
		Concurrency: 32, Drain: 30 * time.Second}
	if os.Getenv("VIGIE_TEST_POSTGRES") != "" {
		cfg.DB = testenv.DSN(t) // a schema of its own, dropped afterwards
	}
	if testing.Verbose() {
		cfg.Progress = testLog{t}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Referrals(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := testenv.Engine(); res.Engine != want {
		t.Errorf("engine %q, want %q", res.Engine, want)
	}
	for _, p := range []*Phase{res.Baseline, res.Vigie} {
		if p == nil {
			t.Fatal("a phase is missing from the result")
		}
		// 20/s for 1 s: 20 measured sends, each sent or missed (the
		// split depends on the machine's speed).
		if p.Sent+p.Missed != 20 || p.Sent == 0 {
			t.Errorf("%s: sent %d + missed %d, want 20 with at least one sent", p.Name, p.Sent, p.Missed)
		}
		if p.Errors != 0 || p.OK != p.Sent {
			t.Errorf("%s: %d errors, %d ok of %d sent: %v", p.Name, p.Errors, p.OK, p.Sent, p.ErrorSamples)
		}
		if p.Undelivered != 0 || p.Latency.N != p.OK || p.Submit.N != p.OK {
			t.Errorf("%s: %d undelivered, %d latencies and %d submit times for %d accepted", p.Name, p.Undelivered, p.Latency.N, p.Submit.N, p.OK)
		}
		if p.BadSignatures != 0 || p.Duplicates != 0 {
			t.Errorf("%s: %d bad signatures, %d duplicates: %v", p.Name, p.BadSignatures, p.Duplicates, p.ErrorSamples)
		}
		if p.Latency.P50 <= 0 || p.Latency.P99 < p.Latency.P50 || p.Latency.Max < p.Latency.P99 || p.Submit.P50 <= 0 {
			t.Errorf("%s: implausible figures: latency %+v, submit %+v", p.Name, p.Latency, p.Submit)
		}
		if p.WebhookConns == 0 {
			t.Errorf("%s: no webhook connection counted", p.Name)
		}
	}
	if (res.Engine == "sqlite") != (res.Fsync != nil) {
		t.Errorf("engine %s with fsync probe %+v: want one on SQLite only", res.Engine, res.Fsync)
	}
	if res.Ratio == nil || res.Ratio.LatencyP50 <= 0 {
		t.Errorf("ratio %+v, want one", res.Ratio)
	}
	if res.Target.Judged {
		t.Errorf("a 20/s run was judged against the 200/s target: %+v", res.Target)
	}
	if res.Machine.Cores == 0 || res.Machine.GoVersion == "" {
		t.Errorf("machine %+v", res.Machine)
	}

	var text strings.Builder
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"machine", "baseline", "vigie / baseline", "p50", "p99", "NOT JUDGED"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, text.String())
		}
	}
	t.Log("\n" + text.String())
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.Vigie == nil || back.Vigie.Latency.N != res.Vigie.Latency.N {
		t.Errorf("JSON round trip: %v, %s", err, b)
	}
}

// buildVigie compiles ./cmd/vigie of the module this test runs in.
func buildVigie(t *testing.T) string {
	t.Helper()
	dir := testenv.RepoRoot(t)
	goBin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("the go command is needed to build vigie: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "vigie")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/vigie")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/vigie: %v\n%s", err, out)
	}
	return bin
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

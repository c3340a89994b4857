package sqlstore_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/pdqindex"
)

// TestBenchHashDB measures the hash database through its real store:
// importing N hashes, loading them into the index at start-up (beside the
// baseline of building the same index from memory, in the same run), and
// how long a contributed hash takes to match, on this instance and on a
// second one following the store.
//
//	VIGIE_BENCH_HASHDB=1000000 go test -run TestBenchHashDB -v -timeout 1h ./sqlstore
func TestBenchHashDB(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VIGIE_BENCH_HASHDB"))
	if n <= 0 {
		t.Skip("set VIGIE_BENCH_HASHDB=N to run the hash database benchmark with N hashes")
	}
	ctx := context.Background()
	f := newFixture(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The import path: a service without an index, as `vigie hash import`.
	importer := media.NewService(f.db, nil, media.DefaultPolicy(), f.clock.Now, log)
	p := org.Principal{OrgID: f.plat.OrgID, Kind: org.KindPlatform, KeyID: "bench"}
	if _, err := importer.CreateBank(ctx, p, media.BankDraft{Name: "BENCH"}); err != nil {
		t.Fatal(err)
	}
	// Synthetic hashes: random, and clusters of near-duplicates (a few bits
	// apart), as shared lists hold re-encoded copies of the same media.
	r := rand.New(rand.NewPCG(1, 1))
	hashes := make([]pdq.Hash, 0, n)
	for len(hashes) < n {
		var h pdq.Hash
		for i := range h {
			h[i] = byte(r.UintN(256))
		}
		hashes = append(hashes, h)
		for k := 0; k < 4 && len(hashes) < n && r.IntN(10) == 0; k++ {
			c := h
			for range 1 + r.IntN(8) {
				b := r.IntN(256)
				c[b/8] ^= 1 << (b % 8)
			}
			hashes = append(hashes, c)
		}
	}
	t.Logf("machine: %s, %d CPUs, %s; store: %s", runtime.GOARCH, runtime.NumCPU(), runtime.Version(), f.db.Dialect())

	// Import in the import's batches.
	start := time.Now()
	q := 90
	const batch = 2000
	for i := 0; i < n; i += batch {
		drafts := make([]media.SignalDraft, 0, batch)
		for _, h := range hashes[i:min(i+batch, n)] {
			drafts = append(drafts, media.SignalDraft{Type: media.PDQ, Value: h.String(), Quality: &q})
		}
		if _, err := importer.Contribute(ctx, p, "BENCH", drafts, "bench"); err != nil {
			t.Fatal(err)
		}
		if i%(100*batch) == 0 && i > 0 {
			t.Logf("stored %d (%.0f/s)", i, float64(i)/time.Since(start).Seconds())
		}
	}
	stored := time.Since(start)
	t.Logf("stored %d hashes in %s: %.0f hashes/s", n, stored.Round(time.Millisecond), float64(n)/stored.Seconds())

	// Start-up: load from the store, against the baseline of building the
	// same index from hashes already in memory.
	runtime.GC()
	start = time.Now()
	svc := media.NewService(f.db, media.NewIndex(n), media.DefaultPolicy(), f.clock.Now, log)
	if err := svc.Load(ctx, nil); err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	second := media.NewService(f.db, media.NewIndex(n), media.DefaultPolicy(), f.clock.Now, log)
	if err := second.Load(ctx, nil); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	base := pdqindex.New(pdqindex.Options{ExpectedSize: n})
	if err := base.Load(func(yield func(uint64, pdq.Hash) bool) {
		for i, h := range hashes {
			if !yield(uint64(i+1), h) {
				return
			}
		}
	}, n); err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	base.Close()
	t.Logf("start-up load from the store: %s; baseline index build from memory: %s; ratio %.1f×; RSS %s",
		load.Round(time.Millisecond), build.Round(time.Millisecond), load.Seconds()/build.Seconds(), rss())

	// A new hash: time until it matches, here and on the second instance.
	var here, there []time.Duration
	for range 50 {
		var h pdq.Hash
		for i := range h {
			h[i] = byte(r.UintN(256))
		}
		t0 := time.Now()
		if _, err := svc.Contribute(ctx, p, "BENCH", []media.SignalDraft{{Type: media.PDQ, Value: h.String(), Quality: &q}}, "bench"); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Match(ctx, p, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{h}, Quality: -1}})
		if err != nil || len(res.Matches) != 1 {
			t.Fatalf("new hash not matched at once: %+v %v", res, err)
		}
		here = append(here, time.Since(t0))
		// The second instance polls the store; here it refreshes at once,
		// so the figure is the cost of one poll (Follow polls every second).
		t1 := time.Now()
		if err := second.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		res, err = second.Match(ctx, p, media.MatchQuery{Query: media.Query{PDQ: []pdq.Hash{h}, Quality: -1}})
		if err != nil || len(res.Matches) != 1 {
			t.Fatalf("second instance: %+v %v", res, err)
		}
		there = append(there, time.Since(t1))
	}
	t.Logf("new hash to match, same instance (commit + index + lookup): p50 %s p99 %s", pct(here, 50), pct(here, 99))
	t.Logf("new hash on a second instance: one poll of the store p50 %s p99 %s, plus up to the 1 s polling interval", pct(there, 50), pct(there, 99))
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(10 * time.Microsecond)
}

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "?"
}

package pdqindex

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/pdq"
)

// procStatus returns a field of /proc/self/status in MiB (0 if absent).
func procStatus(field string) float64 { return procField("/proc/self/status", field) }

func procField(file, field string) float64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuTime returns the CPU time (user + system) of the process so far, from
// /proc/self/stat (clock ticks of 10 ms), or 0.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	k, _ := strconv.Atoi(f[12])
	return time.Duration(u+k) * 10 * time.Millisecond
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

// TestBench10M is the index benchmark. It runs only when
// VIGIE_BENCH_PDQINDEX is set to the number of hashes (e.g. 10000000):
//
//	VIGIE_BENCH_PDQINDEX=10000000 go test -run TestBench10M -v -timeout 1h ./pdqindex
//
// VIGIE_BENCH_PDQINDEX_M sets Options.Substrings. It loads synthetic
// hashes (random, plus 1 % cluster centres with 10 near-duplicates each),
// then times 8-variant lookups at radius 31 (half with a near-duplicate of
// an indexed hash, half random), first on one goroutine, then on two, and
// a flat scan of the same data on a subset of the queries as the baseline,
// checking that both return the same matches. It asserts no timing.
func TestBench10M(t *testing.T) {
	env := os.Getenv("VIGIE_BENCH_PDQINDEX")
	if env == "" {
		t.Skip("set VIGIE_BENCH_PDQINDEX=<number of hashes> to run")
	}
	n, err := strconv.Atoi(env)
	if err != nil || n <= 0 {
		t.Fatalf("VIGIE_BENCH_PDQINDEX=%q", env)
	}
	subs, _ := strconv.Atoi(os.Getenv("VIGIE_BENCH_PDQINDEX_M"))
	const (
		seed     = 42
		radius   = 31
		nLookups = 2000
		nFlat    = 50
	)
	row := func(k, v string) { fmt.Printf("| %-44s | %s |\n", k, v) }
	fmt.Printf("| %-44s | %s |\n|---|---|\n", "item", "value")
	row("hashes", fmt.Sprint(n))
	row("GOMAXPROCS", fmt.Sprint(runtime.GOMAXPROCS(0)))
	row("load average at start (machine is shared)", loadavg())

	start := time.Now()
	var sink byte
	for _, h := range synthSeq(seed, n) {
		sink ^= h[0]
	}
	gen := time.Since(start)
	row("generate synthetic hashes (not indexed)", gen.Round(time.Millisecond).String())

	rss0 := procStatus("VmRSS")
	x := New(Options{Substrings: subs, ExpectedSize: n})
	start = time.Now()
	if err := x.Load(synthSeq(seed, n), n); err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	row(fmt.Sprintf("substrings m (chunk widths %d–%d bits)", x.width[0], x.width[x.m-1]), fmt.Sprint(x.m))
	row("Load (generation included)", load.Round(time.Millisecond).String())
	row("Load minus generation", (load - gen).Round(time.Millisecond).String())
	rss := procStatus("VmRSS")
	row("VmRSS after load (whole test process)", fmt.Sprintf("%.0f MiB (%.0f before)", rss, rss0))
	row("VmHWM (peak RSS)", fmt.Sprintf("%.0f MiB", procStatus("VmHWM")))
	row("AnonHugePages (transparent huge pages)", fmt.Sprintf("%.0f MiB", procField("/proc/self/smaps_rollup", "AnonHugePages")))

	// Queries: 8 random hashes, and in half of them a near-duplicate
	// (0–31 bits) of an indexed hash in a random position.
	r := rand.New(rand.NewPCG(seed, 1))
	queries := make([][]pdq.Hash, nLookups)
	for i := range queries {
		qs := make([]pdq.Hash, 8)
		for j := range qs {
			qs[j] = randomHash(r)
		}
		if i%2 == 0 {
			qs[r.IntN(8)] = flipBits(r, synthHash(seed, r.IntN(n)), r.IntN(32))
		}
		queries[i] = qs
	}

	// One goroutine: latency.
	lat := make([]time.Duration, nLookups)
	matches := 0
	var buf []Match
	cpu0 := cpuTime()
	start = time.Now()
	for i, qs := range queries {
		t0 := time.Now()
		buf = x.Lookup(qs, radius, buf[:0])
		lat[i] = time.Since(t0)
		matches += len(buf)
	}
	wall1 := time.Since(start)
	cpu1 := cpuTime() - cpu0
	row("lookup p50, 1 goroutine", ms(pct(lat, 0.50)))
	row("lookup p99, 1 goroutine", ms(pct(lat, 0.99)))
	row("lookups/s, 1 goroutine", fmt.Sprintf("%.0f", float64(nLookups)/wall1.Seconds()))
	row("CPU time per lookup, 1 goroutine", ms(cpu1/nLookups))
	row("matches per lookup (mean)", fmt.Sprintf("%.2f", float64(matches)/nLookups))

	// Two goroutines: throughput, each running all the queries.
	lat2 := make([][]time.Duration, 2)
	var wg sync.WaitGroup
	cpu0 = cpuTime()
	start = time.Now()
	for g := range 2 {
		wg.Go(func() {
			var buf []Match
			l := make([]time.Duration, len(queries))
			for i := range queries {
				qs := queries[(i+g*len(queries)/2)%len(queries)]
				t0 := time.Now()
				buf = x.Lookup(qs, radius, buf[:0])
				l[i] = time.Since(t0)
			}
			lat2[g] = l
		})
	}
	wg.Wait()
	wall2 := time.Since(start)
	cpu2 := cpuTime() - cpu0
	all := append(lat2[0], lat2[1]...)
	row("lookup p50, 2 goroutines", ms(pct(all, 0.50)))
	row("lookup p99, 2 goroutines", ms(pct(all, 0.99)))
	row("lookups/s, 2 goroutines", fmt.Sprintf("%.0f", float64(len(all))/wall2.Seconds()))
	row("CPU time per lookup, 2 goroutines", ms(cpu2/time.Duration(len(all))))

	// Baseline: flat scan of the same index on a subset of the queries.
	flat := make([]time.Duration, nFlat)
	var fl []time.Duration
	agree := 0
	for i := range nFlat {
		qs := queries[i*len(queries)/nFlat+i%2] // odd: random, even: near-duplicate
		t0 := time.Now()
		want := x.FlatScan(qs, radius, nil)
		flat[i] = time.Since(t0)
		t0 = time.Now()
		got := x.Lookup(qs, radius, nil)
		fl = append(fl, time.Since(t0))
		if sameMatches(got, want) {
			agree++
		} else {
			t.Errorf("query %d: Lookup %v, FlatScan %v", i, got, want)
		}
	}
	row("flat scan p50 (baseline, 1 goroutine)", ms(pct(flat, 0.50)))
	row("flat scan p99", ms(pct(flat, 0.99)))
	row("index p50 on the same queries, each after its flat scan", ms(pct(fl, 0.50)))
	row("flat p50 / index p50 (same queries)", fmt.Sprintf("%.0f×", float64(pct(flat, 0.5))/float64(pct(fl, 0.5))))
	row("flat p50 / index p50 (1 goroutine, all queries)", fmt.Sprintf("%.0f×", float64(pct(flat, 0.5))/float64(pct(lat, 0.5))))
	row("agreement with the flat scan", fmt.Sprintf("%d/%d lookups identical", agree, nFlat))

	// Incremental updates on the loaded index.
	var addLat []time.Duration
	added := make([]pdq.Hash, 1000)
	for i := range added {
		added[i] = randomHash(r)
		t0 := time.Now()
		if err := x.Add(uint64(n+i), added[i]); err != nil {
			t.Fatal(err)
		}
		addLat = append(addLat, time.Since(t0))
	}
	found := 0
	for i, h := range added {
		for _, m := range x.Lookup([]pdq.Hash{h}, radius, nil) {
			if m.ID == uint64(n+i) {
				found++
			}
		}
	}
	t0 := time.Now()
	x.Remove(uint64(n))
	rm := time.Since(t0)
	gone := true
	for _, m := range x.Lookup([]pdq.Hash{added[0]}, radius, nil) {
		gone = gone && m.ID != uint64(n)
	}
	row("Add p50 / max (1,000 adds to the loaded index)", ms(pct(addLat, 0.5))+" / "+ms(slices.Max(addLat)))
	row("added hashes found by the next lookup", fmt.Sprintf("%d/%d", found, len(added)))
	row("Remove, then gone from the next lookup", fmt.Sprintf("%s, %v", ms(rm), gone))
	t0 = time.Now()
	x.Compact()
	row("Compact (rebuild all tables, 2 CPUs)", time.Since(t0).Round(time.Millisecond).String())
	row("VmRSS at end / VmHWM", fmt.Sprintf("%.0f / %.0f MiB", procStatus("VmRSS"), procStatus("VmHWM")))
	row("load average at end", loadavg())
	_ = sink
}

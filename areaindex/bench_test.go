package areaindex

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie/geo"
)

// procStatus returns a field of /proc/self/status in MiB (0 if absent).
func procStatus(field string) float64 {
	f, err := os.Open("/proc/self/status")
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

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuTime returns the CPU time (user + system) of the process so far, to
// the microsecond: on a shared machine wall time includes waiting for a
// core, CPU time does not (it does include the GC's share).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

// TestBench12M is the index benchmark. It runs only when
// VIGIE_BENCH_AREAINDEX is set to the number of subscribers:
//
//	VIGIE_BENCH_AREAINDEX=12000000 go test -run TestBench12M -v -timeout 30m ./areaindex
//
// It generates the synthetic subscribers (synth: 20 French city clusters,
// Paris 18 %, 25 % rural, 10 % with a second or third cell, fixed seed),
// loads them, and for each query area times Select and Count on the index
// (VIGIE_BENCH_AREAINDEX_RUNS runs, 31 by default) and the baseline, a
// plain scan of every (subscription, cell) row with the same predicate
// (3 runs), and a second baseline that looks every row up in the area's
// cover (no geometry per row), checking that all return the same set of
// ids. It asserts no timing.
func TestBench12M(t *testing.T) {
	env := os.Getenv("VIGIE_BENCH_AREAINDEX")
	if env == "" {
		t.Skip("set VIGIE_BENCH_AREAINDEX=<number of subscribers> to run")
	}
	n, err := strconv.Atoi(env)
	if err != nil || n <= 0 {
		t.Fatalf("VIGIE_BENCH_AREAINDEX=%q", env)
	}
	runs := 31
	if v, err := strconv.Atoi(os.Getenv("VIGIE_BENCH_AREAINDEX_RUNS")); err == nil && v > 0 {
		runs = v
	}
	const (
		seed     = 42
		scanRuns = 3
	)
	row := func(k, v string) { fmt.Printf("| %-58s | %s |\n", k, v) }
	fmt.Printf("| %-58s | %s |\n|---|---|\n", "item", "value")
	row("subscribers", fmt.Sprint(n))
	row("GOMAXPROCS / Go", fmt.Sprintf("%d / %s", runtime.GOMAXPROCS(0), runtime.Version()))
	row("load average at start (machine is shared)", loadavg())

	start := time.Now()
	tab := makeTable(seed, n)
	row("generate the subscription table (not indexed)", time.Since(start).Round(time.Millisecond).String())
	row("rows (subscription, cell)", fmt.Sprint(len(tab.ids)))

	heap0 := heapAfterGC()
	rss0 := procStatus("VmRSS")
	x := New()
	start, cpu0 := time.Now(), cpuTime()
	if err := x.Load(tab.pairs, len(tab.ids)); err != nil {
		t.Fatal(err)
	}
	row("Load wall / CPU (formatting and parsing the cells included)", time.Since(start).Round(time.Millisecond).String()+" / "+(cpuTime()-cpu0).Round(time.Millisecond).String())
	heap1 := heapAfterGC()
	st := x.Stats()
	row("subscriptions / with several cells / postings / cells", fmt.Sprintf("%d / %d / %d / %d", st.Subscriptions, st.MultiCell, st.Postings, st.Cells))
	row("index heap (HeapAlloc after GC, minus before Load)", fmt.Sprintf("%.1f MiB, %.2f bytes a subscription", float64(heap1-heap0)/(1<<20), float64(heap1-heap0)/float64(st.Subscriptions)))
	row("Stats().Bytes (estimate)", fmt.Sprintf("%.1f MiB", float64(st.Bytes)/(1<<20)))
	row("VmRSS before Load / after (whole test process)", fmt.Sprintf("%.0f / %.0f MiB", rss0, procStatus("VmRSS")))
	row("VmHWM (peak RSS, table and Load temporaries included)", fmt.Sprintf("%.0f MiB", procStatus("VmHWM")))

	maxID := n
	var buf []uint32
	type result struct {
		name                       string
		cells5, cells4, withSubs   int
		selected                   int
		sel50, sel99, cnt50, cnt99 time.Duration
		selCPU, cntCPU, scanCPU    time.Duration
		selCPU99, cntCPU99         time.Duration
		cscanCPU                   time.Duration
		alertKm2, coverKm2         float64
		scan50, cscan50            time.Duration
		same, csame                bool
	}
	var results []result
	for _, q := range queries() {
		r, err := geo.Prepare(q.area)
		if err != nil {
			t.Fatal(err)
		}
		res := result{name: q.name}
		c5, _ := r.AppendCover(nil, 5)
		c4, _ := r.AppendCover(nil, 4)
		res.cells5, res.cells4 = len(c5), len(c4)
		res.alertKm2 = q.area.AreaKm2()
		for _, c := range c5 {
			rc := c.Rect()
			res.coverKm2 += geo.Polygon{{Lat: rc.MinLat, Lon: rc.MinLon}, {Lat: rc.MinLat, Lon: rc.MaxLon}, {Lat: rc.MaxLat, Lon: rc.MaxLon}, {Lat: rc.MaxLat, Lon: rc.MinLon}}.AreaKm2()
		}
		sel := make([]time.Duration, runs)
		cnt := make([]time.Duration, runs)
		selCPU := make([]time.Duration, runs)
		cntCPU := make([]time.Duration, runs)
		for i := range runs {
			c0 := cpuTime()
			t0 := time.Now()
			buf, err = x.Select(q.area, buf[:0])
			sel[i] = time.Since(t0)
			c1 := cpuTime()
			selCPU[i] = c1 - c0
			res.selCPU += c1 - c0
			if err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			c, cells, err := x.Count(q.area)
			cnt[i] = time.Since(t0)
			cntCPU[i] = cpuTime() - c1
			res.cntCPU += cntCPU[i]
			if err != nil || c != len(buf) {
				t.Fatalf("%s: Count %d, Select %d, %v", q.name, c, len(buf), err)
			}
			res.withSubs = cells
		}
		res.selCPU /= time.Duration(runs)
		res.cntCPU /= time.Duration(runs)
		res.selCPU99, res.cntCPU99 = pct(selCPU, 0.99), pct(cntCPU, 0.99)
		res.selected = len(buf)
		res.sel50, res.sel99, res.cnt50, res.cnt99 = pct(sel, 0.5), pct(sel, 0.99), pct(cnt, 0.5), pct(cnt, 0.99)
		got := slices.Clone(buf)
		slices.Sort(got)
		scan := make([]time.Duration, scanRuns)
		var want []uint32
		c0 := cpuTime()
		for i := range scanRuns {
			t0 := time.Now()
			want = tab.scan(r, maxID)
			scan[i] = time.Since(t0)
		}
		res.scanCPU = (cpuTime() - c0) / scanRuns
		res.scan50 = pct(scan, 0.5)
		res.same = slices.Equal(got, want)
		if !res.same {
			t.Errorf("%s: index %d ids, scan %d ids", q.name, len(got), len(want))
		}
		cscan := make([]time.Duration, runs)
		c0 = cpuTime()
		for i := range runs {
			t0 := time.Now()
			want = tab.scanCover(r, maxID)
			cscan[i] = time.Since(t0)
		}
		res.cscanCPU = (cpuTime() - c0) / time.Duration(runs)
		res.cscan50 = pct(cscan, 0.5)
		res.csame = slices.Equal(got, want)
		if !res.csame {
			t.Errorf("%s: index %d ids, cover scan %d ids", q.name, len(got), len(want))
		}
		results = append(results, res)
	}
	for _, r := range results {
		row(r.name+": cells covered p5 / p4 / holding subscribers", fmt.Sprintf("%d / %d / %d", r.cells5, r.cells4, r.withSubs))
		row(r.name+": alert area / area of its p5 cells", fmt.Sprintf("%.0f / %.0f km² (%.2f×)", r.alertKm2, r.coverKm2, r.coverKm2/r.alertKm2))
		row(r.name+": subscriptions selected", fmt.Sprint(r.selected))
		row(r.name+": Select p50 / p99 wall; mean / p99 CPU", ms(r.sel50)+" / "+ms(r.sel99)+"; "+ms(r.selCPU)+" / "+ms(r.selCPU99))
		row(r.name+": Count p50 / p99 wall; mean / p99 CPU", ms(r.cnt50)+" / "+ms(r.cnt99)+"; "+ms(r.cntCPU)+" / "+ms(r.cntCPU99))
		row(r.name+": plain scan p50 wall, mean CPU (baseline)", ms(r.scan50)+", "+ms(r.scanCPU))
		row(r.name+": scan / Select, scan / Count (p50 wall; CPU)", fmt.Sprintf("%.0f× / %.0f×; %.0f× / %.0f×", float64(r.scan50)/float64(r.sel50), float64(r.scan50)/float64(r.cnt50), float64(r.scanCPU)/float64(r.selCPU), float64(r.scanCPU)/float64(r.cntCPU)))
		row(r.name+": scan of the rows against the cover p50, CPU (2nd baseline)", fmt.Sprintf("%s, %s; %.1f× Select", ms(r.cscan50), ms(r.cscanCPU), float64(r.cscan50)/float64(r.sel50)))
		row(r.name+": index and both scans return the same ids", fmt.Sprint(r.same && r.csame))
	}

	// Updates on the loaded index, then selections while a writer runs.
	const nUpd = 10_000
	addLat := make([]time.Duration, nUpd)
	for i := range nUpd {
		c := geo.Encode(geo.Point{Lat: 48.8566 + float64(i%100)*0.003, Lon: 2.3522 + float64(i/100)*0.003}, 5)
		t0 := time.Now()
		if err := x.Add(uint32(n+i), c); err != nil {
			t.Fatal(err)
		}
		addLat[i] = time.Since(t0)
	}
	rmLat := make([]time.Duration, nUpd)
	for i := range nUpd {
		id := uint32(i * (n / nUpd)) // existing subscribers all over France
		t0 := time.Now()
		x.Remove(id)
		rmLat[i] = time.Since(t0)
	}
	row("Add p50 / p99 / max (10,000 new ids near Paris)", ms(pct(addLat, 0.5))+" / "+ms(pct(addLat, 0.99))+" / "+ms(slices.Max(addLat)))
	row("Remove p50 / p99 / max (10,000 existing ids)", ms(pct(rmLat, 0.5))+" / "+ms(pct(rmLat, 0.99))+" / "+ms(slices.Max(rmLat)))
	paris := queries()[2]
	// pace: 0 writes as fast as it can (a stress, far above any real
	// rate), otherwise one write per pace (2,000/s: a surge of people
	// subscribing during a crisis).
	for _, pace := range []time.Duration{0, 500 * time.Microsecond} {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		writes := 0
		wg.Go(func() {
			next := time.Now()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if pace > 0 {
					next = next.Add(pace)
					time.Sleep(time.Until(next))
				}
				id := uint32(n + nUpd + i%50_000)
				if i%2 == 0 {
					_ = x.Add(id, geo.Encode(geo.Point{Lat: 48.8 + float64(i%97)*0.002, Lon: 2.3 + float64(i%89)*0.002}, 5))
				} else {
					x.Remove(id)
				}
				writes++
			}
		})
		under := make([]time.Duration, runs)
		t1 := time.Now()
		for i := range runs {
			t0 := time.Now()
			buf, _ = x.Select(paris.area, buf[:0])
			under[i] = time.Since(t0)
		}
		el := time.Since(t1)
		close(stop)
		wg.Wait()
		what := "a goroutine writing flat out"
		if pace > 0 {
			what = "a goroutine writing 2,000/s"
		}
		row(paris.name+": Select p50 / p99 beside "+what, ms(pct(under, 0.5))+" / "+ms(pct(under, 0.99))+fmt.Sprintf(" (%.0f writes/s)", float64(writes)/el.Seconds()))
	}
	row("VmRSS at end / VmHWM", fmt.Sprintf("%.0f / %.0f MiB", procStatus("VmRSS"), procStatus("VmHWM")))
	row("load average at end", loadavg())
}

// small is the data set of the ordinary benchmarks.
var small = sync.OnceValues(func() (*table, *Index) {
	tab := makeTable(1, 200_000)
	x := New()
	if err := x.Load(tab.pairs, len(tab.ids)); err != nil {
		panic(err)
	}
	return tab, x
})

func BenchmarkSelect(b *testing.B) {
	_, x := small()
	for _, q := range queries() {
		b.Run(strings.ReplaceAll(q.name, " ", "_"), func(b *testing.B) {
			var buf []uint32
			for b.Loop() {
				buf, _ = x.Select(q.area, buf[:0])
			}
			b.ReportMetric(float64(len(buf)), "ids")
		})
	}
}

func BenchmarkCount(b *testing.B) {
	_, x := small()
	for _, q := range queries() {
		b.Run(strings.ReplaceAll(q.name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				_, _, _ = x.Count(q.area)
			}
		})
	}
}

// BenchmarkScan is the baseline: every row tested with the same predicate
// ("predicate"), or looked up in the precomputed cover ("cover").
func BenchmarkScan(b *testing.B) {
	tab, _ := small()
	for _, q := range queries() {
		r, _ := geo.Prepare(q.area)
		name := strings.ReplaceAll(q.name, " ", "_")
		for kind, scan := range map[string]func(*geo.Region, int) []uint32{"predicate": tab.scan, "cover": tab.scanCover} {
			b.Run(name+"/"+kind, func(b *testing.B) {
				for b.Loop() {
					_ = scan(r, 200_000)
				}
			})
		}
	}
}

func BenchmarkAddRemove(b *testing.B) {
	_, x := small()
	c := geo.Encode(geo.Point{Lat: 48.8566, Lon: 2.3522}, 5)
	id := uint32(300_000)
	for b.Loop() {
		_ = x.Add(id, c)
		x.Remove(id)
	}
}

func BenchmarkLoad(b *testing.B) {
	tab, _ := small()
	for b.Loop() {
		x := New()
		if err := x.Load(tab.pairs, len(tab.ids)); err != nil {
			b.Fatal(err)
		}
	}
}

package bench

import (
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		in   []time.Duration
		p    float64
		want int
	}{
		{nil, 50, 0},
		{ms(7), 1, 7},
		{ms(7), 100, 7},
		{ms(1, 2, 3, 4), 50, 2}, // rank ceil(2) = 2
		{ms(1, 2, 3, 4), 51, 3}, // rank ceil(2.04) = 3
		{ms(1, 2, 3, 4), 100, 4},
		{ms(15, 20, 35, 40, 50), 30, 20}, // the textbook example: rank ceil(1.5) = 2
		{ms(15, 20, 35, 40, 50), 40, 20},
		{ms(15, 20, 35, 40, 50), 50, 35},
		{ms(15, 20, 35, 40, 50), 100, 50},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9},
		{ms(1, 2, 3), 0, 1}, // clamped to the first rank
	} {
		if got := Percentile(c.in, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("Percentile(%v, %g) = %v, want %d ms", c.in, c.p, got, c.want)
		}
	}
}

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarise(ds)
	want := Dist{N: 100, Mean: 50.5, P50: 50, P90: 90, P99: 99, Max: 100}
	if got != want {
		t.Fatalf("summarise = %+v, want %+v", got, want)
	}
	if (summarise(nil) != Dist{}) {
		t.Fatal("summarise(nil) is not zero")
	}
}

func TestNextStepDoublesThenBisects(t *testing.T) {
	var steps []Step
	run := func(pass func(rate float64) bool) []float64 {
		steps = nil
		var rates []float64
		for {
			r := nextStep(100, 6400, 2, steps)
			if r == 0 {
				return rates
			}
			rates = append(rates, r)
			steps = append(steps, Step{Rate: r, Pass: pass(r)})
			if len(rates) > 20 {
				t.Fatal("find-max does not end")
			}
		}
	}
	// Passes up to 500/s: 100 200 400 pass, 800 fails, then 600 (fails) and 500 (passes).
	got := run(func(r float64) bool { return r <= 500 })
	if want := []float64{100, 200, 400, 800, 600, 500}; !equal(got, want) {
		t.Errorf("rates %v, want %v", got, want)
	}
	// Always passes: stops at the limit.
	if got, want := run(func(float64) bool { return true }), []float64{100, 200, 400, 800, 1600, 3200, 6400}; !equal(got, want) {
		t.Errorf("rates %v, want %v", got, want)
	}
	// Never passes: 100, then 50, then 30 (25 rounded to tens).
	if got, want := run(func(float64) bool { return false }), []float64{100, 50, 30}; !equal(got, want) {
		t.Errorf("rates %v, want %v", got, want)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPasses(t *testing.T) {
	good := Phase{Sent: 100, OK: 100, DeliveredRate: 199, Latency: Dist{P99: 40}}
	if ok, why := passes(good, 200, 250); !ok {
		t.Errorf("good phase fails: %s", why)
	}
	for name, p := range map[string]Phase{
		"errors":      {Errors: 1, DeliveredRate: 200},
		"missed":      {Missed: 1, DeliveredRate: 200},
		"undelivered": {Undelivered: 1, DeliveredRate: 200},
		"slow":        {DeliveredRate: 150},
		"p99":         {DeliveredRate: 200, Latency: Dist{P99: 250}},
	} {
		if ok, _ := passes(p, 200, 250); ok {
			t.Errorf("%s: passes", name)
		}
	}
}

func TestProgressLineIsPlainASCII(t *testing.T) {
	for _, el := range []time.Duration{0, 5 * time.Second, 30 * time.Second} {
		l := progressLine("vigie 200/s", el, 23*time.Second, 4000, 3990, 120, 41*time.Millisecond)
		for _, r := range l {
			if r > 126 || r < 32 {
				t.Fatalf("%q has a non-printable or non-ASCII character", l)
			}
		}
		if len(l) > 79 {
			t.Errorf("%q is longer than 79 characters", l)
		}
	}
	if l := progressLine("x", 30*time.Second, 23*time.Second, 1, 1, 0, 0); !strings.Contains(l, "draining") {
		t.Errorf("%q: want draining after the end", l)
	}
}

func TestCPUTimeOfSelf(t *testing.T) {
	start, ok := cpuTime(0)
	if !ok {
		t.Skip("no /proc/self/stat here")
	}
	// Burn CPU until the clock (in 10 ms ticks) moves; bounded, not timed.
	x := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for i := range 1_000_000 {
			x += i
		}
		if d, _ := cpuTime(0); d > start {
			return
		}
	}
	t.Errorf("cpuTime(0) still %v after 10 s of work (%d)", start, x)
}

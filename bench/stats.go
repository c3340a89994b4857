package bench

import (
	"math"
	"slices"
	"time"
)

// Dist summarises a set of durations, in milliseconds.
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted, which must be in ascending order: the smallest value such that at
// least p % of the values are less than or equal to it. It returns 0 for an
// empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// summarise sorts ds in place and summarises it.
func summarise(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Dist{
		N:    len(ds),
		Mean: ms(sum / time.Duration(len(ds))),
		P50:  ms(Percentile(ds, 50)),
		P90:  ms(Percentile(ds, 90)),
		P99:  ms(Percentile(ds, 99)),
		Max:  ms(ds[len(ds)-1]),
	}
}

// ms converts to milliseconds, rounded to microseconds.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

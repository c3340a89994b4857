package referral_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/vigie-project/vigie/referral"
)

func TestQuantile(t *testing.T) {
	oneToTen := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		{"median of 1..10", oneToTen, 0.5, 5.5},
		{"p95 of 1..10", oneToTen, 0.95, 9.55}, // R: quantile(1:10, 0.95) = 9.55
		{"p90 of 1..10", oneToTen, 0.9, 9.1},
		{"min of 1..10", oneToTen, 0, 1},
		{"max of 1..10", oneToTen, 1, 10},
		{"median of odd count", []float64{1, 3, 8}, 0.5, 3},
		{"median of two", []float64{10, 20}, 0.5, 15},
		{"p95 of two", []float64{10, 20}, 0.95, 19.5},
		{"single", []float64{42}, 0.95, 42},
		{"empty", nil, 0.5, 0},
		{"ties", []float64{5, 5, 5, 5}, 0.95, 5},
		{"p95 of 600,900,1800,7200", []float64{600, 900, 1800, 7200}, 0.95, 6390},
	}
	for _, tt := range tests {
		if got := referral.Quantile(tt.sorted, tt.q); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: Quantile(%v, %v) = %v, want %v", tt.name, tt.sorted, tt.q, got, tt.want)
		}
	}
}

// TestPropertyQuantile: the quantile lies between the extremes, equals them
// at 0 and 1, and grows with q.
func TestPropertyQuantile(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 1, 50).Draw(t, "xs")
		slices.Sort(xs)
		q1 := rapid.Float64Range(0, 1).Draw(t, "q1")
		q2 := rapid.Float64Range(q1, 1).Draw(t, "q2")
		a, b := referral.Quantile(xs, q1), referral.Quantile(xs, q2)
		if a < xs[0] || b > xs[len(xs)-1] || a > b+1e-6 {
			t.Fatalf("Quantile(%v) = %v, Quantile(%v) = %v on %v", q1, a, q2, b, xs)
		}
		if referral.Quantile(xs, 0) != xs[0] || referral.Quantile(xs, 1) != xs[len(xs)-1] {
			t.Fatalf("extremes wrong on %v", xs)
		}
	})
}

// rec builds a referral as the store would return it.
func rec(platformID, platformName string, kind referral.Kind, state referral.State, receivedAt *time.Time, actedAfter time.Duration, onTime bool) *referral.Referral {
	r := &referral.Referral{ID: "r", Kind: kind, State: state, PlatformID: platformID, Platform: platformName,
		IssuedAt: t0, ReceivedAt: receivedAt, OnTime: onTime}
	if actedAfter > 0 {
		acted := receivedAt.Add(actedAfter)
		r.ActedAt, r.Action = &acted, referral.ActionRemoved
	}
	return r
}

func TestCompute(t *testing.T) {
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	in := func(day int) *time.Time { return ptr(time.Date(2025, 3, day, 10, 0, 0, 0, time.UTC)) }
	const (
		tube, alpha = "plat-1", "plat-2"
		ref, order  = referral.KindReferral, referral.KindRemovalOrder
	)
	rs := []*referral.Referral{
		// ExampleTube, referrals.
		rec(tube, "ExampleTube", ref, actioned, in(5), 1800*time.Second, true),
		rec(tube, "ExampleTube", ref, actioned, in(6), 7200*time.Second, false),
		rec(tube, "ExampleTube", ref, rejected, in(7), 0, false),
		rec(tube, "ExampleTube", ref, impossible, in(7), 0, false),
		rec(tube, "ExampleTube", ref, overdue, in(8), 0, false),
		rec(tube, "ExampleTube", ref, received, in(8), 0, false),
		rec(tube, "ExampleTube", ref, acknowledged, in(9), 0, false),
		rec(tube, "ExampleTube", ref, withdrawn, in(9), 0, false), // excluded: withdrawn
		rec(tube, "ExampleTube", ref, reinstated, in(10), 600*time.Second, true),
		rec(tube, "ExampleTube", ref, complaint, in(11), 900*time.Second, true),
		rec(tube, "ExampleTube", ref, pending, nil, 0, false),                            // excluded: not received
		rec(tube, "ExampleTube", ref, actioned, ptr(to), 60*time.Second, true),           // excluded: to is exclusive
		rec(tube, "ExampleTube", ref, received, ptr(from), 0, false),                     // included: from is inclusive
		rec(tube, "ExampleTube", ref, actioned, ptr(from.Add(-1)), 60*time.Second, true), // excluded: before from
		// ExampleTube, removal orders.
		rec(tube, "ExampleTube", order, actioned, in(12), 3000*time.Second, true),
		rec(tube, "ExampleTube", order, actioned, in(12), 4000*time.Second, false),
		rec(tube, "ExampleTube", order, withdrawn, in(13), 0, false),
		// AlphaShare: one referral; and a platform with only withdrawn ones.
		rec(alpha, "AlphaShare", ref, actioned, ptr(from.In(time.FixedZone("CET", 3600))), 60*time.Second, true),
		rec("plat-3", "Zed", order, withdrawn, in(14), 0, false),
	}
	got := referral.Compute(rs, from, to)
	want := &referral.Report{From: from, To: to, Stats: []referral.Stats{
		{PlatformID: alpha, Platform: "AlphaShare", Kind: ref, Received: 1, Actioned: 1,
			MedianSeconds: 60, P95Seconds: 60, WithinDeadline: 1},
		{PlatformID: tube, Platform: "ExampleTube", Kind: ref, Received: 10, Actioned: 4, Rejected: 1, Impossible: 1,
			Open: 4, Overdue: 1, Reinstated: 1, MedianSeconds: 1350, P95Seconds: 6390, WithinDeadline: 0.3},
		{PlatformID: tube, Platform: "ExampleTube", Kind: order, Received: 2, Actioned: 2,
			MedianSeconds: 3500, P95Seconds: 3950, WithinDeadline: 0.5},
	}}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
}

func TestComputeEmpty(t *testing.T) {
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	rep := referral.Compute(nil, from, from.AddDate(0, 1, 0))
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"from":"2025-03-01T00:00:00Z","to":"2025-04-01T00:00:00Z","stats":[]}`; string(b) != want {
		t.Errorf("empty report %s, want %s", b, want)
	}
}

// TestComputeFromMachine: referrals driven by the machine give the figures
// of their own clocks.
func TestComputeFromMachine(t *testing.T) {
	onTime := inState(t, referral.KindRemovalOrder, received)
	e := ev(referral.EventActioned, tDeliver.Add(40*time.Minute))
	mustApply(t, onTime, e)
	late := inState(t, referral.KindRemovalOrder, overdue)
	mustApply(t, late, ev(referral.EventActioned, tDeliver.Add(80*time.Minute)))
	open := inState(t, referral.KindRemovalOrder, acknowledged)
	rep := referral.Compute([]*referral.Referral{onTime, late, open}, t0, t0.Add(24*time.Hour))
	want := []referral.Stats{{PlatformID: "plat-1", Platform: "ExampleTube", Kind: referral.KindRemovalOrder,
		Received: 3, Actioned: 2, Open: 1, MedianAckSeconds: 60, MedianSeconds: 3600, P95Seconds: 4680, WithinDeadline: 1.0 / 3}}
	if d := cmp.Diff(want, rep.Stats, cmpopts.EquateApprox(0, 1e-9)); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}

// TestComputeNoNegativeDurations: a measure reported before receipt (a
// pending referral actioned with acted_at = issue time) yields a negative
// time from receipt to action.
func TestComputeNoNegativeDurations(t *testing.T) {
	r := newRef(referral.KindRemovalOrder)
	e := ev(referral.EventActioned, t0.Add(30*time.Minute))
	e.ActedAt = t0
	mustApply(t, r, e)
	rep := referral.Compute([]*referral.Referral{r}, t0, t0.Add(time.Hour))
	if st := rep.Stats[0]; st.MedianSeconds < 0 || st.P95Seconds < 0 {
		t.Errorf("median %v s, p95 %v s: negative time from receipt to action", st.MedianSeconds, st.P95Seconds)
	}
}

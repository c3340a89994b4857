package referral

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// Stats are the transparency figures for one platform and kind over a
// period: how many were received, how many acted on, how fast, and the
// share acted on within the deadline. Times run from receipt (the legal
// start) to the time of the measure the platform reported.
type Stats struct {
	PlatformID       string  `json:"platform_id"`
	Platform         string  `json:"platform"`
	Kind             Kind    `json:"kind"`
	Received         int     `json:"received" doc:"Referrals received in the period (withdrawn ones excluded)."`
	Actioned         int     `json:"actioned" doc:"Content removed or disabled."`
	Rejected         int     `json:"rejected"`
	Impossible       int     `json:"impossible" doc:"Still awaiting clarification."`
	Open             int     `json:"open" doc:"Not yet answered."`
	Overdue          int     `json:"overdue" doc:"Open past the deadline."`
	Reinstated       int     `json:"reinstated"`
	MedianAckSeconds float64 `json:"median_acknowledge_seconds" doc:"Median time from receipt to acknowledgement, over acknowledged referrals (DSA Art. 15(1)(a))."`
	MedianSeconds    float64 `json:"median_seconds" doc:"Median time from receipt to action."`
	P95Seconds       float64 `json:"p95_seconds" doc:"95th percentile time from receipt to action."`
	WithinDeadline   float64 `json:"within_deadline" doc:"Share of received referrals acted on before their deadline (0 to 1)."`
}

// Report is the transparency report for a period.
type Report struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Stats []Stats   `json:"stats"`
}

// Transparency computes the figures for referrals received in [from, to).
// Authorities see the referrals they issued, platforms those they received.
func (s *Service) Transparency(ctx context.Context, p org.Principal, from, to time.Time) (*Report, error) {
	if !to.After(from) {
		return nil, vigie.Invalid("to", "must be after from")
	}
	// Receipt follows issue, so issue time bounds the search; refine on receipt below.
	rs, err := s.List(ctx, p, Filter{IssuedTo: to, Limit: -1})
	if err != nil {
		return nil, err
	}
	return Compute(rs, from, to), nil
}

// Compute builds the report from referrals, counting those received in [from, to).
func Compute(rs []*Referral, from, to time.Time) *Report {
	type key struct {
		platform string
		kind     Kind
	}
	groups := map[key]*Stats{}
	durations := map[key][]float64{}
	acks := map[key][]float64{}
	onTime := map[key]int{}
	for _, r := range rs {
		if r.ReceivedAt == nil || r.ReceivedAt.Before(from) || !r.ReceivedAt.Before(to) || r.State == StateWithdrawn {
			continue
		}
		k := key{r.PlatformID, r.Kind}
		st := groups[k]
		if st == nil {
			st = &Stats{PlatformID: r.PlatformID, Platform: r.Platform, Kind: r.Kind}
			groups[k] = st
		}
		st.Received++
		switch r.State {
		case StateRejected:
			st.Rejected++
		case StateImpossible:
			st.Impossible++
		case StateOverdue:
			st.Overdue++
			st.Open++
		case StatePending, StateReceived, StateAcknowledged:
			st.Open++
		}
		if r.AcknowledgedAt != nil {
			acks[k] = append(acks[k], max(0, r.AcknowledgedAt.Sub(*r.ReceivedAt).Seconds()))
		}
		if r.ActedAt != nil {
			st.Actioned++
			if r.State == StateReinstated {
				st.Reinstated++
			}
			// Content removed before formal receipt counts as removed at once.
			durations[k] = append(durations[k], max(0, r.ActedAt.Sub(*r.ReceivedAt).Seconds()))
			if r.OnTime {
				onTime[k]++
			}
		}
	}
	rep := &Report{From: from, To: to, Stats: []Stats{}}
	for k, st := range groups {
		d := durations[k]
		sort.Float64s(d)
		st.MedianSeconds = Quantile(d, 0.5)
		sort.Float64s(acks[k])
		st.MedianAckSeconds = Quantile(acks[k], 0.5)
		st.P95Seconds = Quantile(d, 0.95)
		st.WithinDeadline = float64(onTime[k]) / float64(st.Received)
		rep.Stats = append(rep.Stats, *st)
	}
	slices.SortFunc(rep.Stats, func(a, b Stats) int {
		if a.Platform != b.Platform {
			if a.Platform < b.Platform {
				return -1
			}
			return 1
		}
		if a.Kind < b.Kind {
			return -1
		} else if a.Kind > b.Kind {
			return 1
		}
		return 0
	})
	return rep
}

// Quantile returns the q-quantile of sorted values by linear interpolation
// between closest ranks (the method of R's default type 7); 0 when empty.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

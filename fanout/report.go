package fanout

import (
	"slices"
	"strconv"
	"time"

	"github.com/vigie-project/vigie/alert"
)

// maxCurvePoints bounds the delivery curve drawn for one channel.
const maxCurvePoints = 200

// Report builds the authority's delivery view of one message from its
// ledger and webhook records: per channel, the counts and the time from
// publication to 50, 90 and 99 % of the deliveries, and the cumulative
// curve. Webhook records carry the platform in Target and "delivered",
// "pending", "retrying", "failed", "gone" or "dropped" in Status.
func Report(al *alert.Alert, recs []Record) *alert.DeliveryReport {
	r := &alert.DeliveryReport{AlertID: al.ID, PublishedAt: al.PublishedAt, Hops: al.Timeline()}
	start := al.CreatedAt
	if al.PublishedAt != nil {
		start = *al.PublishedAt
	}
	byChannel := map[string][]Record{}
	selected := map[string]int{}
	for _, rec := range recs {
		if rec.Status == "selected" {
			n, _ := strconv.Atoi(rec.Detail)
			selected[rec.Channel] += n
			r.Hops = append(r.Hops, alert.Hop{Name: rec.Channel + ".selected", At: rec.SentAt})
			continue
		}
		byChannel[rec.Channel] = append(byChannel[rec.Channel], rec)
	}
	for _, ch := range []string{alert.ChannelWebhook, alert.ChannelWebPush, alert.ChannelWebSub, alert.ChannelSSE} {
		list := byChannel[ch]
		if len(list) == 0 && selected[ch] == 0 {
			continue
		}
		st := alert.ChannelStats{Channel: ch}
		var times []time.Duration
		var firstAt, lastAt time.Time
		for _, rec := range list {
			switch rec.Status {
			case "delivered":
				st.Delivered++
				d := max(rec.DoneAt.Sub(start), 0)
				times = append(times, d)
				if firstAt.IsZero() || rec.DoneAt.Before(firstAt) {
					firstAt = rec.DoneAt
				}
				if rec.DoneAt.After(lastAt) {
					lastAt = rec.DoneAt
				}
			case "failed", "gone", "dropped":
				st.Failed++
			default:
				st.Pending++
			}
		}
		st.Sent = st.Delivered + st.Failed + st.Pending
		st.Targets = max(selected[ch], st.Sent)
		st.Pending += st.Targets - st.Sent
		slices.Sort(times)
		if n := len(times); n > 0 {
			at := func(p int) time.Duration { return times[min(n-1, (n*p+99)/100-1)] }
			st.P50, st.P90, st.P99 = at(50), at(90), at(99)
			step := max(1, n/maxCurvePoints)
			for i := 0; i < n; i += step {
				st.Curve = append(st.Curve, alert.CurvePoint{After: times[i], Delivered: i + 1})
			}
			if last := st.Curve[len(st.Curve)-1]; last.Delivered != n {
				st.Curve = append(st.Curve, alert.CurvePoint{After: times[n-1], Delivered: n})
			}
			r.Hops = append(r.Hops, alert.Hop{Name: ch + ".first", At: firstAt}, alert.Hop{Name: ch + ".last", At: lastAt})
		}
		r.Channels = append(r.Channels, st)
	}
	slices.SortStableFunc(r.Hops, func(a, b alert.Hop) int { return a.At.Compare(b.At) })
	return r
}

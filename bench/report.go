package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for people.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Vigie referrals: POST /api/v1/referrals -> signed referral.created webhook received\n\n")
	fmt.Fprintf(&b, "machine   %s, %d cores", m.CPU, m.Cores)
	if m.MemoryGiB != "" {
		fmt.Fprintf(&b, ", %s GiB", m.MemoryGiB)
	}
	fmt.Fprintf(&b, ", %s %s\n", m.GoVersion, m.OS)
	if m.LoadBefore != "" {
		fmt.Fprintf(&b, "load avg  %s before, %s after (1, 5, 15 min; other work on the machine shows here)\n", m.LoadBefore, m.LoadAfter)
	}
	fmt.Fprintf(&b, "started   %s\n", r.Started.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(&b, "database  %s (%s)\n", r.Engine, r.Database)
	if f := r.Fsync; f != nil {
		fmt.Fprintf(&b, "storage   4 KiB write + fsync in the database folder: p50 %.2f ms, p99 %.2f ms (%d tries before the vigie phase)\n", f.P50, f.P99, f.N)
	}
	if len(r.Steps) > 0 {
		fmt.Fprintf(&b, "load      open loop, steps of %gs after %gs warm-up, at most %d requests in flight\n\n", r.Duration, r.Warmup, r.Concurrency)
		writeSteps(&b, r)
	} else {
		fmt.Fprintf(&b, "load      open loop at %g/s for %gs after a %gs warm-up, at most %d requests in flight; drain %gs\n\n",
			r.Rate, r.Duration, r.Warmup, r.Concurrency, r.Drain)
		writePhases(&b, r)
	}
	t := r.Target
	verdict := "NOT MET"
	switch {
	case !t.Judged:
		verdict = "NOT JUDGED"
	case t.Met:
		verdict = "MET"
	}
	fmt.Fprintf(&b, "\ntarget    %g/s sustained with p99 < %g ms (set for SQLite): %s, %s\n", t.Rate, t.P99, verdict, t.Why)
	_, err := io.WriteString(w, b.String())
	return err
}

func writePhases(b *strings.Builder, r *Result) {
	b.WriteString("latency: submit start -> webhook received; submit: HTTP round trip of the POST; all in ms\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "                \tsubmit/s\trecv/s\tsent\terrors\tmissed\tlost\tp50\tp90\tp99\tmax\tsubmit p50\tp99\t")
	for _, p := range []*Phase{r.Baseline, r.Vigie} {
		if p == nil {
			continue
		}
		fmt.Fprintf(tw, "%-16s\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", p.Name, p.SubmitRate, p.DeliveredRate,
			p.Sent, p.Errors, p.Missed, p.Undelivered, p.Latency.P50, p.Latency.P90, p.Latency.P99, p.Latency.Max, p.Submit.P50, p.Submit.P99)
	}
	if q := r.Ratio; q != nil {
		fmt.Fprintf(tw, "%-16s\t\t\t\t\t\t\t%.1fx\t\t%.1fx\t\t%.1fx\t%.1fx\t\n", "vigie / baseline", q.LatencyP50, q.LatencyP99, q.SubmitP50, q.SubmitP99)
	}
	tw.Flush()
	b.WriteString("(recv/s: webhooks received per second during the window; missed: sends skipped at the concurrency cap;\n" +
		" lost: accepted but no webhook by the end of the drain)\n\n")
	for _, p := range []*Phase{r.Baseline, r.Vigie} {
		if p == nil {
			continue
		}
		writeCPU(b, p)
		for _, e := range p.ErrorSamples {
			fmt.Fprintf(b, "  %s error: %s\n", p.Name, e)
		}
	}
}

func writeCPU(b *strings.Builder, p *Phase) {
	fmt.Fprintf(b, "%-9s ", p.Name)
	if p.ServerCores > 0 {
		fmt.Fprintf(b, "server %.2f cores; per referral %.2f ms CPU", p.ServerCores, p.ServerCPUPerOK)
		if p.ServerWritesPerOK > 0 {
			fmt.Fprintf(b, ", %.0f write calls, %.0f KiB written", p.ServerWritesPerOK, p.ServerKiBPerOK)
		}
		b.WriteString("\n          ")
	}
	fmt.Fprintf(b, "this process %.2f cores; rest of the machine %.2f cores; machine %.0f %% busy, %.0f %% iowait; %d webhook connections",
		p.BenchCores, p.OtherCores, 100*p.MachineBusy, 100*p.MachineIOWait, p.WebhookConns)
	if p.Duplicates > 0 || p.BadSignatures > 0 {
		fmt.Fprintf(b, "; %d duplicate webhooks, %d bad signatures", p.Duplicates, p.BadSignatures)
	}
	b.WriteString("\n")
}

func writeSteps(b *strings.Builder, r *Result) {
	b.WriteString("latencies in ms, submit start -> webhook received\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rate/s\tbaseline p99\tsubmit/s\trecv/s\tmissed\tlost\tp50\tp99\tp99 ratio\tserver cores\t\tverdict")
	for _, s := range r.Steps {
		v := s.Vigie
		verdict := "pass"
		if !s.Pass {
			verdict = "FAIL: " + s.Why
		}
		q := 0.0
		if s.Ratio != nil {
			q = s.Ratio.LatencyP99
		}
		fmt.Fprintf(tw, "%g\t%.1f\t%.1f\t%.1f\t%d\t%d\t%.1f\t%.1f\t%.1fx\t%.2f\t\t%s\n", s.Rate, s.Baseline.Latency.P99, v.SubmitRate, v.DeliveredRate,
			v.Missed, v.Undelivered, v.Latency.P50, v.Latency.P99, q, v.ServerCores, verdict)
	}
	tw.Flush()
	fmt.Fprintf(b, "\nhighest rate passing (no errors, misses or lost webhooks, >= 95 %% delivered, p99 < %g ms): %g/s\n", r.Target.P99, r.MaxRate)
}

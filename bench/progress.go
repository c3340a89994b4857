package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows a phase's advance on one line: redrawn in place with \r
// on a terminal, or as a new line every five seconds otherwise. Plain ASCII.
type progress struct {
	w      io.Writer
	redraw bool
	stop   chan struct{}
	done   chan struct{}
}

func startProgress(w io.Writer, redraw bool, label string, p *phase) *progress {
	if w == nil {
		return nil
	}
	pr := &progress{w: w, redraw: redraw, stop: make(chan struct{}), done: make(chan struct{})}
	every := 5 * time.Second
	if redraw {
		every = 250 * time.Millisecond
	}
	total := p.warmup + p.duration
	start := time.Now()
	go func() {
		defer close(pr.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-pr.stop:
				if redraw {
					fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", 79))
				}
				return
			case <-t.C:
			}
			line := progressLine(label, time.Since(start), total, p.nSent.Load(), p.nDelivered.Load(), p.nMissed.Load(), p.recentP99())
			if redraw {
				fmt.Fprintf(w, "\r%-79s", line)
			} else {
				fmt.Fprintln(w, line)
			}
		}
	}()
	return pr
}

// progressLine is e.g.
// "vigie 200/s [#####-------] 10.0/23.0s sent 2000 recv 1998 p99 41ms",
// with "miss N" after recv once sends were missed.
func progressLine(label string, elapsed, total time.Duration, sent, recv, missed int64, p99 time.Duration) string {
	const width = 12
	frac := min(max(elapsed.Seconds()/total.Seconds(), 0), 1)
	n := int(frac * width)
	bar := strings.Repeat("#", n) + strings.Repeat("-", width-n)
	state := fmt.Sprintf("%.1f/%.1fs", min(elapsed, total).Seconds(), total.Seconds())
	if elapsed > total {
		state = "draining"
	}
	miss := ""
	if missed > 0 {
		miss = fmt.Sprintf(" miss %d", missed)
	}
	return fmt.Sprintf("%s [%s] %s sent %d recv %d%s p99 %s", label, bar, state, sent, recv, miss, p99.Round(time.Millisecond))
}

func (pr *progress) end() {
	if pr == nil {
		return
	}
	close(pr.stop)
	<-pr.done
}

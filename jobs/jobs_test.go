package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigie-project/vigie/jobs"
)

// memQueue is an in-memory Queue with the same lease rules as the SQL one.
type memQueue struct {
	mu   sync.Mutex
	jobs map[string]*memJob
	n    int
}

type memJob struct {
	job    jobs.Job
	state  string
	locked time.Time
	err    string
}

func (q *memQueue) add(kind string, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.n++
	id := string(rune('a' + q.n))
	q.jobs[id] = &memJob{job: jobs.Job{ID: id, Kind: kind, RunAt: at}, state: "ready"}
}

func (q *memQueue) Claim(_ context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []jobs.Job
	for _, j := range q.jobs {
		due := j.state == "ready" && !j.job.RunAt.After(now) || j.state == "running" && j.locked.Before(now)
		if due && len(out) < n {
			j.state, j.locked = "running", now.Add(lease)
			j.job.Attempts++
			out = append(out, j.job)
		}
	}
	return out, nil
}

func (q *memQueue) set(id, state string, at time.Time, err string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	j.state, j.err = state, err
	if !at.IsZero() {
		j.job.RunAt = at
	}
	return nil
}

func (q *memQueue) Complete(_ context.Context, id string) error {
	return q.set(id, "done", time.Time{}, "")
}
func (q *memQueue) Retry(_ context.Context, id string, at time.Time, e string) error {
	return q.set(id, "ready", at, e)
}
func (q *memQueue) Bury(_ context.Context, id string, e string) error {
	return q.set(id, "dead", time.Time{}, e)
}

func (q *memQueue) NextRunAt(context.Context) (time.Time, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	for _, j := range q.jobs {
		if j.state == "ready" && (next.IsZero() || j.job.RunAt.Before(next)) {
			next = j.job.RunAt
		}
	}
	return next, !next.IsZero(), nil
}

func (q *memQueue) states() map[string]string {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]string{}
	for _, j := range q.jobs {
		out[j.job.Kind] = j.state
	}
	return out
}

// TestRunnerKeepsTime runs the runner on synctest's fake clock: a deadline
// timer fires at its time to the second, retries wait as asked, plain errors
// back off, and only permanent errors and panics bury a job.
func TestRunnerKeepsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		q := &memQueue{jobs: map[string]*memJob{}}
		r := jobs.NewRunner(q, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, jobs.Options{Poll: time.Minute})
		var mu sync.Mutex
		ran := map[string][]time.Duration{}
		record := func(kind string) {
			mu.Lock()
			ran[kind] = append(ran[kind], time.Since(start))
			mu.Unlock()
		}
		r.Handle("deadline", func(context.Context, jobs.Job) error { record("deadline"); return nil })
		r.Handle("retry", func(_ context.Context, j jobs.Job) error {
			record("retry")
			if j.Attempts < 3 {
				return jobs.Retry(7*time.Second, errors.New("busy"))
			}
			return nil
		})
		r.Handle("flaky", func(_ context.Context, j jobs.Job) error {
			record("flaky")
			if j.Attempts < 4 {
				return errors.New("database restarting")
			}
			return nil
		})
		r.Handle("broken", func(context.Context, jobs.Job) error { return jobs.Permanent(errors.New("bad payload")) })
		r.Handle("panics", func(context.Context, jobs.Job) error { panic("bug") })
		q.add("deadline", start.Add(50*time.Minute))
		q.add("retry", start)
		q.add("flaky", start)
		q.add("broken", start)
		q.add("panics", start)
		q.add("unknown", start)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		time.Sleep(time.Hour)
		cancel()
		<-done

		want := map[string][]time.Duration{
			"deadline": {50 * time.Minute},
			"retry":    {0, 7 * time.Second, 14 * time.Second},
			"flaky":    {0, time.Second, 3 * time.Second, 7 * time.Second}, // backoff 1 s, 2 s, 4 s
		}
		for kind, times := range want {
			if !slices.Equal(ran[kind], times) {
				t.Errorf("%s ran at %v, want %v", kind, ran[kind], times)
			}
		}
		states := q.states()
		for kind, state := range map[string]string{"deadline": "done", "retry": "done", "flaky": "done", "broken": "dead", "panics": "dead", "unknown": "dead"} {
			if states[kind] != state {
				t.Errorf("%s: %s, want %s", kind, states[kind], state)
			}
		}
	})
}

// TestWakeRunsNewJobsAtOnce: a job enqueued while the runner sleeps starts
// when it is woken, not at the next poll.
func TestWakeRunsNewJobsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &memQueue{jobs: map[string]*memJob{}}
		r := jobs.NewRunner(q, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, jobs.Options{Poll: time.Hour})
		ranAt := make(chan time.Time, 1)
		r.Handle("k", func(context.Context, jobs.Job) error { ranAt <- time.Now(); return nil })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go r.Run(ctx)
		time.Sleep(time.Minute)
		synctest.Wait()
		enqueued := time.Now()
		q.add("k", enqueued)
		r.Wake()
		if at := <-ranAt; !at.Equal(enqueued) {
			t.Fatalf("ran %s after being enqueued, want at once", at.Sub(enqueued))
		}
	})
}

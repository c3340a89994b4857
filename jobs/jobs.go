// Package jobs runs durable background work: webhook deliveries, deadline
// timers and periodic purges. Jobs are rows written in the same transaction
// as the state change that asks for them (a transactional outbox), so a
// crash can lose neither the change nor its consequences; a runner claims
// due jobs with a lease, runs them, and completes, reschedules or buries
// them. A job whose runner died is claimed again when its lease expires, so
// handlers must be idempotent (webhook ids are stable; timers check an
// epoch).
//
// Why not River: its SQLite driver is young ("minimal real world use" in its
// own words), requires a single-connection database handle of its own, and
// the version of it that the module proxy serves lags the core. The queue
// here is one table with the same SQL on SQLite and PostgreSQL (claims use
// FOR UPDATE SKIP LOCKED on PostgreSQL), about two hundred lines, and a
// wake-up signal so a job enqueued by this process starts at once instead of
// at the next poll.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// KindWebhook is the kind of webhook delivery jobs; their payload is a Webhook.
const KindWebhook = "webhook.deliver"

// Webhook is the payload of a webhook delivery job. DeliveryID is also the
// Standard Webhooks message id: stable across retries, so receivers can
// de-duplicate.
type Webhook struct {
	DeliveryID string          `json:"delivery_id"`
	OrgID      string          `json:"org_id"`
	Type       string          `json:"type"`
	Subject    string          `json:"subject"`
	Body       json.RawMessage `json:"body"`
}

// Job is a unit of work.
type Job struct {
	ID       string
	Kind     string
	Payload  json.RawMessage
	RunAt    time.Time // when to run it, for enqueueing
	Attempts int       // including the current one
}

// New returns a job to enqueue.
func New(kind string, payload any, runAt time.Time) (Job, error) {
	b, err := json.Marshal(payload)
	return Job{Kind: kind, Payload: b, RunAt: runAt}, err
}

// Queue is the durable store of jobs.
type Queue interface {
	// Claim leases up to n due jobs until now+lease.
	Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]Job, error)
	Complete(ctx context.Context, id string) error
	// Retry makes the job due again at runAt.
	Retry(ctx context.Context, id string, runAt time.Time, lastErr string) error
	// Bury keeps the job for inspection and never runs it again.
	Bury(ctx context.Context, id string, lastErr string) error
	// NextRunAt is the earliest run time of a waiting job (false if none).
	NextRunAt(ctx context.Context) (time.Time, bool, error)
}

// Handler runs one kind of job. nil completes the job; an error made with
// Permanent buries it (kept, never run again); a *RetryError reschedules it
// after its delay; any other error reschedules it with exponential backoff,
// so a passing fault (a database restart) never loses a deadline.
type Handler func(ctx context.Context, j Job) error

// MaxAttempts is how often a failing job runs before it is buried.
const MaxAttempts = 25

// PermanentError marks an error that retrying cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// backoff is the delay before a job's next attempt after a plain error:
// 1 s, 2 s, 4 s … capped at ten minutes.
func backoff(attempts int) time.Duration {
	if attempts > 10 {
		return 10 * time.Minute
	}
	return min(time.Second<<max(attempts-1, 0), 10*time.Minute)
}

// RetryError asks for the job to run again after a delay.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string { return "retry: " + e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// Retry wraps err to reschedule the job after d.
func Retry(d time.Duration, err error) error {
	if err == nil {
		err = errors.New("asked to retry")
	}
	return &RetryError{After: d, Err: err}
}

// Runner claims and runs jobs.
type Runner struct {
	queue    Queue
	handlers map[string]Handler
	log      *slog.Logger
	now      func() time.Time
	workers  int
	lease    time.Duration
	poll     time.Duration
	wake     chan struct{}
	onDone   func(kind string, err error, took time.Duration)
}

// Options tune a Runner.
type Options struct {
	Workers int           // jobs run at once; default 16
	Lease   time.Duration // how long a claim lasts; default 30 s
	Poll    time.Duration // longest sleep between claims; default 1 s
	// OnDone is called after each job (for metrics); may be nil.
	OnDone func(kind string, err error, took time.Duration)
}

// NewRunner returns a runner; register handlers before Run.
func NewRunner(q Queue, log *slog.Logger, now func() time.Time, o Options) *Runner {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	return &Runner{queue: q, handlers: map[string]Handler{}, log: log, now: now, workers: o.Workers,
		lease: o.Lease, poll: o.Poll, wake: make(chan struct{}, 1), onDone: o.OnDone}
}

// Handle registers the handler of a kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Wake tells the runner new jobs may be due. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is cancelled, then waits for the jobs
// in flight to finish.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, r.workers)
	for ctx.Err() == nil {
		free := r.workers - len(slots)
		var claimed []Job
		if free > 0 {
			var err error
			claimed, err = r.queue.Claim(ctx, r.now(), free, r.lease)
			if err != nil && ctx.Err() == nil {
				r.log.Error("claim jobs", slog.Any("err", err))
			}
		}
		for _, j := range claimed {
			slots <- struct{}{}
			wg.Add(1)
			go func(j Job) {
				defer func() { <-slots; wg.Done(); r.Wake() }()
				r.runOne(context.WithoutCancel(ctx), j)
			}(j)
		}
		if len(claimed) == free && free > 0 {
			continue // there may be more due at once
		}
		r.sleep(ctx)
	}
}

// sleep waits for a wake-up, the next scheduled job, or the poll interval.
func (r *Runner) sleep(ctx context.Context) {
	d := r.poll
	if next, ok, err := r.queue.NextRunAt(ctx); err == nil && ok {
		if until := next.Sub(r.now()); until < d {
			d = max(until, time.Millisecond)
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.wake:
	case <-t.C:
	}
}

func (r *Runner) runOne(ctx context.Context, j Job) {
	start := time.Now()
	h, ok := r.handlers[j.Kind]
	var err error
	if !ok {
		err = Permanent(errors.New("no handler for job kind " + j.Kind))
	} else {
		err = safely(ctx, h, j)
	}
	if r.onDone != nil {
		r.onDone(j.Kind, err, time.Since(start))
	}
	var re *RetryError
	var pe *PermanentError
	switch {
	case err == nil:
		err = r.queue.Complete(ctx, j.ID)
	case errors.As(err, &pe) || j.Attempts >= MaxAttempts:
		r.log.Error("job failed for good", slog.String("kind", j.Kind), slog.String("job", j.ID), slog.Int("attempts", j.Attempts), slog.Any("err", err))
		err = r.queue.Bury(ctx, j.ID, err.Error())
	case errors.As(err, &re):
		err = r.queue.Retry(ctx, j.ID, r.now().Add(re.After), re.Err.Error())
	default:
		r.log.Warn("job failed; will retry", slog.String("kind", j.Kind), slog.String("job", j.ID), slog.Int("attempts", j.Attempts), slog.Any("err", err))
		err = r.queue.Retry(ctx, j.ID, r.now().Add(backoff(j.Attempts)), err.Error())
	}
	if err != nil {
		// The lease will expire and the job run again: handlers are idempotent.
		r.log.Error("record job outcome", slog.String("job", j.ID), slog.Any("err", err))
	}
}

func safely(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{p}
		}
	}()
	return h(ctx, j)
}

type panicError struct{ v any }

func (p *panicError) Error() string { return "handler panicked: " + fmtAny(p.v) }

// A panic is a bug: running the job again would panic again.
func (p *panicError) Unwrap() error { return &PermanentError{Err: errors.New(fmtAny(p.v))} }

func fmtAny(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

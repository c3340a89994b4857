package webpush

import (
	"context"
	"sync"
	"time"
)

// FanOutConfig tunes [Sender.FanOut].
type FanOutConfig struct {
	// Concurrency is the most messages being encrypted or in flight at once
	// (default 64). Encryption is CPU-bound: more than a few per core only
	// helps to cover the push services' answer time.
	Concurrency int
	// PerOrigin is the most messages in flight to one push service
	// (default Concurrency).
	PerOrigin int
	// Limiter holds the pauses push services asked for (nil: a new one for
	// this fan-out). Share one between fan-outs so that a pause holds for
	// all of them.
	Limiter *Limiter
	// MaxAttempts is how often a message answered with RetryAfter is sent
	// (default 5); after that it is reported with that outcome.
	MaxAttempts int
}

// Delivery is the final result of a fan-out for one subscription.
type Delivery struct {
	Index    int // into the subscriptions given to FanOut
	Result   Result
	Attempts int // sends made; 0 if the fan-out stopped before this one
}

// FanOut sends payload to every subscription, encrypting for each, and
// calls report once per subscription with its final result, from several
// goroutines at once. It returns when all are reported: ctx's error if it
// ended first (subscriptions not sent by then are reported with Retry and
// that error), nil otherwise.
//
// Subscriptions are grouped by push service (see [Origin]). A push service
// that answers 429, or 503 with Retry-After, is paused until the time it
// asked for and the message is queued again, while the others go on; a
// paused service holds no worker. Gone (remove the subscription), TooLarge,
// Failed and Retry are reported as they come: retrying those later is the
// caller's decision (a job queue, after a backoff).
func (s *Sender) FanOut(ctx context.Context, subs []Subscription, payload []byte, opts Options, cfg FanOutConfig, report func(Delivery)) error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.PerOrigin <= 0 {
		cfg.PerOrigin = cfg.Concurrency
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewLimiter(s.now)
	}
	f := &fanout{s: s, subs: subs, payload: payload, opts: opts, cfg: cfg, report: report,
		attempts: make([]uint8, len(subs)), byOrigin: map[string]*originQueue{}, wake: make(chan struct{})}
	for i := range subs {
		key := Origin(subs[i].Endpoint)
		q := f.byOrigin[key]
		if q == nil {
			q = &originQueue{key: key}
			f.byOrigin[key] = q
			f.queues = append(f.queues, q)
		}
		q.items = append(q.items, int32(i))
	}
	f.left = len(subs)
	var wg sync.WaitGroup
	for range min(cfg.Concurrency, len(subs)) {
		wg.Go(func() { f.work(ctx) })
	}
	wg.Wait()
	// What the workers did not get to, because ctx ended.
	for _, q := range f.queues {
		for _, i := range q.items[q.head:] {
			report(Delivery{Index: int(i), Attempts: int(f.attempts[i]), Result: Result{Outcome: Retry, Err: ctx.Err()}})
		}
	}
	if f.left > 0 {
		return ctx.Err()
	}
	return nil
}

type originQueue struct {
	key      string
	items    []int32 // subscription indices; items[head:] are waiting
	head     int
	inflight int
}

type fanout struct {
	s       *Sender
	subs    []Subscription
	payload []byte
	opts    Options
	cfg     FanOutConfig
	report  func(Delivery)

	mu       sync.Mutex
	byOrigin map[string]*originQueue
	queues   []*originQueue
	next     int     // round-robin position in queues
	attempts []uint8 // sends per subscription
	left     int     // subscriptions not yet reported
	waiting  int     // workers waiting in take
	wake     chan struct{}
}

// work sends messages until none is left or ctx ends.
func (f *fanout) work(ctx context.Context) {
	for {
		q, i, ok := f.take(ctx)
		if !ok {
			return
		}
		sub := f.subs[i]
		res := f.s.Send(ctx, sub, f.payload, f.opts)
		f.cfg.Limiter.Observe(sub.Endpoint, res)

		f.mu.Lock()
		q.inflight--
		f.attempts[i]++
		n := int(f.attempts[i])
		again := res.Outcome == RetryAfter && n < f.cfg.MaxAttempts && ctx.Err() == nil
		if again {
			// Back at the front: it goes first once the pause ends.
			if q.head > 0 {
				q.head--
				q.items[q.head] = i
			} else {
				q.items = append([]int32{i}, q.items...)
			}
		} else {
			f.left--
		}
		f.broadcast()
		f.mu.Unlock()
		if !again {
			f.report(Delivery{Index: int(i), Result: res, Attempts: n})
		}
	}
}

// take picks the next message of a push service that is not paused and has
// room, waiting while there are none; false when nothing is left to send.
func (f *fanout) take(ctx context.Context) (*originQueue, int32, bool) {
	f.mu.Lock()
	for {
		if ctx.Err() != nil || f.left == 0 {
			f.broadcast()
			f.mu.Unlock()
			return nil, 0, false
		}
		var soonest time.Time
		for range f.queues {
			q := f.queues[f.next]
			f.next = (f.next + 1) % len(f.queues)
			if q.head == len(q.items) || q.inflight >= f.cfg.PerOrigin {
				continue
			}
			if until := f.cfg.Limiter.untilOrigin(q.key); !until.IsZero() {
				if soonest.IsZero() || until.Before(soonest) {
					soonest = until
				}
				continue
			}
			i := q.items[q.head]
			q.head++
			q.inflight++
			f.mu.Unlock()
			return q, i, true
		}
		// Nothing to send now: wait for a send to end, a pause to end, or ctx.
		wake := f.wake
		f.waiting++
		f.mu.Unlock()
		var t *time.Timer
		var timer <-chan time.Time
		if !soonest.IsZero() {
			t = time.NewTimer(soonest.Sub(f.s.now()))
			timer = t.C
		}
		select {
		case <-wake:
		case <-timer:
		case <-ctx.Done():
		}
		if t != nil {
			t.Stop()
		}
		f.mu.Lock()
		f.waiting--
	}
}

// broadcast wakes the workers waiting in take; f.mu held.
func (f *fanout) broadcast() {
	if f.waiting > 0 {
		close(f.wake)
		f.wake = make(chan struct{})
	}
}

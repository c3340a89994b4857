package webpush

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Backoff applied by [Limiter] when a push service answers 429 without
// saying how long to wait: it doubles with each such answer in a row.
const (
	MinPause = time.Second
	MaxPause = time.Minute
)

// maxLimiterOrigins bounds the origins a Limiter remembers that are no
// longer paused.
const maxLimiterOrigins = 1024

// Origin returns the push service an endpoint belongs to, as the
// "scheme://authority" it starts with (lower case): the key under which
// [Limiter] and [Sender.FanOut] pace sending.
func Origin(endpoint string) string { return strings.ToLower(originPrefix(endpoint)) }

// Limiter paces sending per push service. When a push service answers 429
// (or 503 with Retry-After) it is paused until the time it asked for, and
// only it: other push services go on. Safe for concurrent use; one Limiter
// can be shared by several fan-outs so that a pause holds for all of them.
type Limiter struct {
	now func() time.Time

	mu      sync.Mutex
	origins map[string]*originPace
}

type originPace struct {
	until   time.Time // paused before this instant
	strikes int       // 429s without Retry-After in a row
}

// NewLimiter returns a Limiter reading the clock now (nil: time.Now).
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, origins: map[string]*originPace{}}
}

// Observe takes a send's result into account and returns until when the
// endpoint's push service is paused (the zero time if it is not).
// RetryAfter pauses it for Result.RetryAfter, or, when the service did not
// say, for MinPause doubling with each such answer in a row up to MaxPause.
// Any other answer from the service ends that run of answers.
func (l *Limiter) Observe(endpoint string, res Result) time.Time {
	key := Origin(endpoint)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.origins[key]
	if res.Outcome != RetryAfter {
		if st != nil && res.StatusCode != 0 {
			st.strikes = 0
		}
		if st == nil || !l.now().Before(st.until) {
			return time.Time{}
		}
		return st.until
	}
	if st == nil {
		l.prune()
		st = &originPace{}
		l.origins[key] = st
	}
	wait := res.RetryAfter
	if wait <= 0 {
		wait = min(MinPause<<min(st.strikes, 16), MaxPause)
		st.strikes++
	}
	if until := l.now().Add(wait); until.After(st.until) {
		st.until = until
	}
	return st.until
}

// PauseUntil pauses the endpoint's push service until t, unless it is
// already paused for longer.
func (l *Limiter) PauseUntil(endpoint string, t time.Time) {
	key := Origin(endpoint)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.origins[key]
	if st == nil {
		l.prune()
		st = &originPace{}
		l.origins[key] = st
	}
	if t.After(st.until) {
		st.until = t
	}
}

// Until returns until when the endpoint's push service is paused, or the
// zero time if it may be sent to now.
func (l *Limiter) Until(endpoint string) time.Time {
	return l.untilOrigin(Origin(endpoint))
}

func (l *Limiter) untilOrigin(key string) time.Time {
	l.mu.Lock()
	st := l.origins[key]
	var until time.Time
	if st != nil && l.now().Before(st.until) {
		until = st.until
	}
	l.mu.Unlock()
	return until
}

// Wait blocks until the endpoint's push service may be sent to, or ctx
// ends.
func (l *Limiter) Wait(ctx context.Context, endpoint string) error {
	key := Origin(endpoint)
	for {
		until := l.untilOrigin(key)
		if until.IsZero() {
			return ctx.Err()
		}
		t := time.NewTimer(until.Sub(l.now()))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// prune forgets origins that are neither paused nor backing off; l.mu held.
func (l *Limiter) prune() {
	if len(l.origins) < maxLimiterOrigins {
		return
	}
	now := l.now()
	for k, st := range l.origins {
		if st.strikes == 0 && !now.Before(st.until) {
			delete(l.origins, k)
		}
	}
}

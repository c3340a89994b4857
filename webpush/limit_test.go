package webpush

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := NewLimiter(clock)
	const a, b = "https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x"

	if !l.Until(a).IsZero() {
		t.Fatal("paused before any answer")
	}
	if got := l.Observe(a, Result{Outcome: RetryAfter, StatusCode: 429, RetryAfter: 2 * time.Minute}); !got.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("429 Retry-After 120: paused until %v", got)
	}
	// Another endpoint of the same push service is paused too; another service is not.
	if got := l.Until("https://FCM.googleapis.com/fcm/send/other"); !got.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("same origin: %v", got)
	}
	if !l.Until(b).IsZero() {
		t.Fatal("another push service was paused")
	}
	// A shorter Retry-After does not shorten the pause.
	l.Observe(a, Result{Outcome: RetryAfter, StatusCode: 429, RetryAfter: time.Second})
	if got := l.Until(a); !got.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("shortened to %v", got)
	}
	now = now.Add(2 * time.Minute)
	if !l.Until(a).IsZero() {
		t.Fatal("still paused after Retry-After")
	}

	// Without Retry-After: MinPause, doubling, up to MaxPause; reset by an answer.
	var waits []time.Duration
	for range 10 {
		until := l.Observe(b, Result{Outcome: RetryAfter, StatusCode: 429})
		waits = append(waits, until.Sub(now))
		now = until
	}
	if waits[0] != MinPause || waits[1] != 2*MinPause || waits[2] != 4*MinPause || waits[9] != MaxPause {
		t.Fatalf("backoff %v", waits)
	}
	l.Observe(b, Result{Outcome: Delivered, StatusCode: 201})
	if until := l.Observe(b, Result{Outcome: RetryAfter, StatusCode: 429}); until.Sub(now) != MinPause {
		t.Fatalf("after a delivery the backoff restarts at %v", until.Sub(now))
	}

	// Wait returns at once when open, and ctx's error when it ends first.
	if err := l.Wait(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	l.PauseUntil(a, now.Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx, a); err == nil {
		t.Fatal("Wait on a paused service returned nil with a cancelled context")
	}
}

// TestSendRetryAfterDate: a 429 whose Retry-After is an HTTP-date pauses
// the service until that date.
func TestSendRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", now.Add(45*time.Second).Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	s := NewPipelinedSender(ClientConfig{}, nil, clock)
	defer s.Close()
	sub := newBrowser().subscription(srv.URL + "/p")
	res := s.Send(context.Background(), sub, []byte("x"), Options{})
	l := NewLimiter(clock)
	if until := l.Observe(sub.Endpoint, res); res.Outcome != RetryAfter || !until.Equal(now.Add(45*time.Second)) {
		t.Fatalf("%+v: paused until %v", res, until)
	}
}

// pushCounter is a push service that answers with answer(n), n counting its
// requests from 1.
type pushCounter struct {
	srv *httptest.Server
	n   atomic.Int64
}

func newPushCounter(t *testing.T, answer func(w http.ResponseWriter, n int64)) *pushCounter {
	pc := &pushCounter{}
	pc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		answer(w, pc.n.Add(1))
	}))
	t.Cleanup(pc.srv.Close)
	return pc
}

func subsFor(base string, n int) []Subscription {
	out := make([]Subscription, n)
	for i := range out {
		out[i] = newBrowser().subscription(fmt.Sprintf("%s/push/%d", base, i))
	}
	return out
}

// TestFanOutOutcomes: every subscription is reported once, with what the
// caller must do: delivered, or gone (remove it).
func TestFanOutOutcomes(t *testing.T) {
	ok := newPushCounter(t, func(w http.ResponseWriter, n int64) { w.WriteHeader(http.StatusCreated) })
	gone := newPushCounter(t, func(w http.ResponseWriter, n int64) {
		if n%2 == 0 {
			w.WriteHeader(http.StatusGone)
		} else {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	subs := append(subsFor(ok.srv.URL, 30), subsFor(gone.srv.URL, 10)...)
	for _, s := range []*Sender{NewPipelinedSender(ClientConfig{}, nil, nil), NewSender(nil, nil, nil)} {
		var mu sync.Mutex
		seen := map[int]Delivery{}
		err := s.FanOut(context.Background(), subs, []byte("alert"), Options{TTL: time.Minute}, FanOutConfig{Concurrency: 8}, func(d Delivery) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := seen[d.Index]; dup {
				t.Errorf("subscription %d reported twice", d.Index)
			}
			seen[d.Index] = d
		})
		s.Close()
		if err != nil || len(seen) != len(subs) {
			t.Fatalf("err %v, %d reported of %d", err, len(seen), len(subs))
		}
		for i, d := range seen {
			want := Delivered
			if strings.HasPrefix(subs[i].Endpoint, gone.srv.URL) {
				want = Gone
			}
			if d.Result.Outcome != want || d.Attempts != 1 {
				t.Errorf("subscription %d: %v after %d attempts, want %v", i, d.Result.Outcome, d.Attempts, want)
			}
		}
	}
}

// TestFanOutPausesOnlyTheLimitedService: one push service answers 429 with
// a Retry-After of an hour; it gets no further request, while every message
// to the other is delivered. The fan-out then stops (its context ends) and
// reports the paused service's messages as Retry.
func TestFanOutPausesOnlyTheLimitedService(t *testing.T) {
	limited := newPushCounter(t, func(w http.ResponseWriter, n int64) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	fine := newPushCounter(t, func(w http.ResponseWriter, n int64) { w.WriteHeader(http.StatusCreated) })
	subs := append(subsFor(limited.srv.URL, 20), subsFor(fine.srv.URL, 40)...)
	s := NewPipelinedSender(ClientConfig{}, nil, nil)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lim := NewLimiter(nil)
	var delivered atomic.Int64
	var mu sync.Mutex
	got := map[Outcome]int{}
	err := s.FanOut(ctx, subs, []byte("alert"), Options{}, FanOutConfig{Concurrency: 4, PerOrigin: 1, Limiter: lim}, func(d Delivery) {
		mu.Lock()
		got[d.Result.Outcome]++
		mu.Unlock()
		if d.Result.Outcome == Delivered && delivered.Add(1) == 40 {
			cancel() // all of the other service's messages are in
		}
	})
	if err == nil {
		t.Fatal("FanOut returned nil although it was stopped")
	}
	if limited.n.Load() != 1 || fine.n.Load() != 40 {
		t.Fatalf("the limited service got %d requests (want 1), the other %d (want 40)", limited.n.Load(), fine.n.Load())
	}
	if got[Delivered] != 40 || got[Retry] != 20 {
		t.Fatalf("outcomes %v", got)
	}
	if lim.Until(subs[0].Endpoint).IsZero() {
		t.Fatal("the shared limiter does not show the pause")
	}
}

// TestFanOutResendsAfterRetryAfter: a message answered 429 goes again once
// the pause is over.
func TestFanOutResendsAfterRetryAfter(t *testing.T) {
	svc := newPushCounter(t, func(w http.ResponseWriter, n int64) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	s := NewPipelinedSender(ClientConfig{}, nil, nil)
	defer s.Close()
	var ds []Delivery
	err := s.FanOut(context.Background(), subsFor(svc.srv.URL, 1), []byte("x"), Options{}, FanOutConfig{}, func(d Delivery) { ds = append(ds, d) })
	if err != nil || len(ds) != 1 || ds[0].Result.Outcome != Delivered || ds[0].Attempts != 2 {
		t.Fatalf("err %v, deliveries %+v", err, ds)
	}
	// With MaxAttempts 1 the 429 is reported instead, with its Retry-After.
	svc.n.Store(0)
	ds = nil
	s.FanOut(context.Background(), subsFor(svc.srv.URL, 1), []byte("x"), Options{}, FanOutConfig{MaxAttempts: 1}, func(d Delivery) { ds = append(ds, d) })
	if len(ds) != 1 || ds[0].Result.Outcome != RetryAfter || ds[0].Result.RetryAfter != time.Second {
		t.Fatalf("deliveries %+v", ds)
	}
}

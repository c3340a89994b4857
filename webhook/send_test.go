package webhook_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie/webhook"
)

// statusServer answers /status/{code} with that code, /hang only when the
// client goes away, and counts requests.
func statusServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch r.URL.Query().Get("ra") {
		case "seconds":
			w.Header().Set("Retry-After", "7")
		case "date":
			w.Header().Set("Retry-After", fixedNow.Add(90*time.Second).UTC().Format(http.TimeFormat))
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/status/200")
		}
		w.WriteHeader(code)
		_, _ = w.Write(make([]byte, 100<<10)) // more than Send reads
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblock hung handlers
	return srv, &hits
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/hook"
}

func TestSendClassification(t *testing.T) {
	srv, _ := statusServer(t)
	_, priv := testKey(1)
	signer := webhook.NewSigner(priv)
	normal := webhook.NewSender(webhook.NewHTTPClient(5*time.Second, true), signer, fixedClock)
	// Short timeout so the hanging server costs little; nothing is timed.
	short := webhook.NewSender(webhook.NewHTTPClient(100*time.Millisecond, true), signer, fixedClock)

	tests := []struct {
		name       string
		sender     *webhook.Sender
		url        string
		outcome    webhook.Outcome
		status     int
		retryAfter time.Duration
	}{
		{"200", normal, srv.URL + "/status/200", webhook.Delivered, 200, 0},
		{"204", normal, srv.URL + "/status/204", webhook.Delivered, 204, 0},
		{"301 not followed", normal, srv.URL + "/status/301", webhook.Failed, 301, 0},
		{"400", normal, srv.URL + "/status/400", webhook.Failed, 400, 0},
		{"404", normal, srv.URL + "/status/404", webhook.Failed, 404, 0},
		{"408", normal, srv.URL + "/status/408", webhook.Retry, 408, 0},
		{"409", normal, srv.URL + "/status/409", webhook.Retry, 409, 0},
		{"410", normal, srv.URL + "/status/410", webhook.Gone, 410, 0},
		{"425", normal, srv.URL + "/status/425", webhook.Retry, 425, 0},
		{"429 Retry-After seconds", normal, srv.URL + "/status/429?ra=seconds", webhook.Retry, 429, 7 * time.Second},
		{"429 Retry-After date", normal, srv.URL + "/status/429?ra=date", webhook.Retry, 429, 90 * time.Second},
		{"429 no Retry-After", normal, srv.URL + "/status/429", webhook.Retry, 429, 0},
		{"500", normal, srv.URL + "/status/500", webhook.Retry, 500, 0},
		{"503 Retry-After", normal, srv.URL + "/status/503?ra=seconds", webhook.Retry, 503, 7 * time.Second},
		{"500 ignores Retry-After", normal, srv.URL + "/status/500?ra=seconds", webhook.Retry, 500, 0},
		{"connection refused", normal, closedPortURL(t), webhook.Retry, 0, 0},
		{"timeout", short, srv.URL + "/hang", webhook.Retry, 0, 0},
		{"unparsable URL", normal, "http://[::1", webhook.Failed, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.sender.Send(t.Context(), tt.url, webhook.Message{ID: "msg_1", Type: "referral.created", Body: []byte(`{}`)})
			if r.Outcome != tt.outcome || r.Status != tt.status || r.RetryAfter != tt.retryAfter {
				t.Fatalf("Send = {%v %d %v %v}, want {%v %d %v}", r.Outcome, r.Status, r.RetryAfter, r.Err,
					tt.outcome, tt.status, tt.retryAfter)
			}
			if (r.Err == nil) != (tt.outcome == webhook.Delivered) {
				t.Errorf("Err = %v for outcome %v", r.Err, r.Outcome)
			}
		})
	}
}

func TestSendTimeoutIsDeadlineError(t *testing.T) {
	srv, _ := statusServer(t)
	_, priv := testKey(1)
	s := webhook.NewSender(webhook.NewHTTPClient(50*time.Millisecond, true), webhook.NewSigner(priv), fixedClock)
	r := s.Send(t.Context(), srv.URL+"/hang", webhook.Message{ID: "m", Body: []byte(`{}`)})
	var ne net.Error
	if r.Outcome != webhook.Retry || !errors.As(r.Err, &ne) || !ne.Timeout() {
		t.Fatalf("Send = %+v, want Retry with a timeout error", r)
	}
}

func TestSendCanceledContext(t *testing.T) {
	srv, hits := statusServer(t)
	_, priv := testKey(1)
	s := webhook.NewSender(webhook.NewHTTPClient(5*time.Second, true), webhook.NewSigner(priv), fixedClock)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := s.Send(ctx, srv.URL+"/status/200", webhook.Message{ID: "m", Body: []byte(`{}`)})
	if r.Outcome != webhook.Retry || !errors.Is(r.Err, context.Canceled) || hits.Load() != 0 {
		t.Fatalf("Send = %+v (hits %d), want Retry with context.Canceled and no request", r, hits.Load())
	}
}

// NewSender must refuse redirects even with a client that would follow them.
func TestSendNeverFollowsRedirects(t *testing.T) {
	srv, hits := statusServer(t)
	_, priv := testKey(1)
	s := webhook.NewSender(&http.Client{}, webhook.NewSigner(priv), fixedClock)
	r := s.Send(t.Context(), srv.URL+"/status/302", webhook.Message{ID: "m", Body: []byte(`{}`)})
	if r.Outcome != webhook.Failed || r.Status != http.StatusFound || hits.Load() != 1 {
		t.Fatalf("Send = %+v after %d requests, want Failed 302 after 1", r, hits.Load())
	}
}

func TestSendRejectsInvalidMessage(t *testing.T) {
	srv, hits := statusServer(t)
	_, priv := testKey(1)
	s := webhook.NewSender(webhook.NewHTTPClient(5*time.Second, true), webhook.NewSigner(priv), fixedClock)
	for _, msg := range []webhook.Message{
		{ID: ""},
		{ID: "msg.1"},
		{ID: "msg 1"},
		{ID: "msg\n1"},
		{ID: "msg_é"},
		{ID: string(make([]byte, 257))},
		{ID: "msg_1", Type: "referral created"},
		{ID: "msg_1", Type: "referral\r\nX-Evil: 1"},
	} {
		r := s.Send(t.Context(), srv.URL+"/status/200", msg)
		if r.Outcome != webhook.Failed || r.Err == nil {
			t.Errorf("Send(%q, %q) = %+v, want Failed", msg.ID, msg.Type, r)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server received %d requests for invalid messages", n)
	}
}

func TestSendRefusedAddressIsFailed(t *testing.T) {
	srv, hits := statusServer(t)
	_, priv := testKey(1)
	s := webhook.NewSender(webhook.NewHTTPClient(5*time.Second, false), webhook.NewSigner(priv), fixedClock)
	r := s.Send(t.Context(), srv.URL+"/status/200", webhook.Message{ID: "m", Body: []byte(`{}`)})
	if r.Outcome != webhook.Failed || !errors.Is(r.Err, webhook.ErrNonPublicAddress) || hits.Load() != 0 {
		t.Fatalf("Send = %+v, want Failed wrapping ErrNonPublicAddress", r)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[webhook.Outcome]string{
		webhook.Delivered: "delivered", webhook.Retry: "retry", webhook.Gone: "gone",
		webhook.Failed: "failed", 0: "Outcome(0)",
	} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

var schedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

func TestBackoffSchedule(t *testing.T) {
	if webhook.MaxRetries != len(schedule) {
		t.Fatalf("MaxRetries = %d, want %d", webhook.MaxRetries, len(schedule))
	}
	if d, ok := webhook.Backoff(0, 1, nil); d != 0 || !ok {
		t.Errorf("Backoff(0) = %v, %v; want 0, true (first attempt is immediate)", d, ok)
	}
	for i, want := range schedule {
		if d, ok := webhook.Backoff(i+1, 1, nil); d != want || !ok {
			t.Errorf("Backoff(%d) = %v, %v; want %v, true", i+1, d, ok, want)
		}
	}
	for _, n := range []int{len(schedule) + 1, 100, math.MaxInt} {
		if d, ok := webhook.Backoff(n, 1, nil); ok || d != 0 {
			t.Errorf("Backoff(%d) = %v, %v; want exhausted", n, d, ok)
		}
	}
}

func TestBackoffScale(t *testing.T) {
	if d, _ := webhook.Backoff(1, 0.001, nil); d != 5*time.Millisecond {
		t.Errorf("Backoff(1, 0.001) = %v, want 5ms", d)
	}
	if d, _ := webhook.Backoff(9, 1.0/3600, nil); d != 24*time.Second {
		t.Errorf("Backoff(9, 1/3600) = %v, want 24s", d)
	}
	if d, ok := webhook.Backoff(9, 1e300, nil); d != math.MaxInt64 || !ok {
		t.Errorf("Backoff(9, 1e300) = %v, %v; want the maximum duration", d, ok)
	}
	for _, scale := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if d, _ := webhook.Backoff(1, scale, nil); d != 5*time.Second {
			t.Errorf("Backoff(1, %v) = %v, want unscaled 5s", scale, d)
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	in := func(d, base time.Duration) bool {
		return float64(d) >= 0.9*float64(base) && float64(d) <= 1.1*float64(base)
	}
	for i, base := range schedule {
		lo, hi := base, base
		for range 200 {
			d, ok := webhook.Backoff(i+1, 1, rng.Float64)
			if !ok || !in(d, base) {
				t.Fatalf("Backoff(%d) = %v, %v; want within ±10%% of %v", i+1, d, ok, base)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// The jitter is actually applied, in both directions.
		if lo >= base || hi <= base {
			t.Errorf("Backoff(%d) range [%v, %v] does not straddle %v", i+1, lo, hi, base)
		}
	}
	// Extremes and out-of-contract jitter values stay within bounds.
	for _, j := range []float64{0, math.Nextafter(1, 0), 1, -3, 7, math.NaN()} {
		d, _ := webhook.Backoff(2, 1, func() float64 { return j })
		if !in(d, 5*time.Minute) {
			t.Errorf("jitter %v: Backoff(2) = %v, outside ±10%% of 5m", j, d)
		}
	}
	if d, _ := webhook.Backoff(1, 1, func() float64 { return 0 }); d != 4500*time.Millisecond {
		t.Errorf("jitter 0: Backoff(1) = %v, want 4.5s", d)
	}
}

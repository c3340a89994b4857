package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is one event to deliver.
type Message struct {
	// ID is sent as webhook-id and must stay the same across retries:
	// receivers de-duplicate on it. It must be 1–256 printable ASCII
	// characters without spaces or '.', since '.' separates the signed
	// fields.
	ID string
	// Type is the event type, e.g. "referral.created"; also sent in a
	// "Vigie-Event" header so receivers can route before parsing the body.
	// Optional; must be printable ASCII without spaces.
	Type string
	// Body is the JSON payload, sent and signed byte for byte.
	Body []byte
}

// Outcome classifies one delivery attempt.
type Outcome int

// The zero Outcome is deliberately invalid so that an unset Result is never
// mistaken for a delivery.
const (
	// Delivered: the endpoint answered 2xx.
	Delivered Outcome = iota + 1
	// Retry: a transient failure (transport error, timeout, 5xx, 408, 409,
	// 425, 429); schedule another attempt with [Backoff] and
	// Result.RetryAfter.
	Retry
	// Gone: the endpoint answered 410; it asks to be disabled.
	Gone
	// Failed: a permanent failure (3xx, other 4xx, invalid message or URL,
	// refused non-public address); retrying the same request won't help.
	Failed
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Gone:
		return "gone"
	case Failed:
		return "failed"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result describes one delivery attempt.
type Result struct {
	Outcome Outcome
	// Status is the HTTP status code, 0 if there was no response.
	Status int
	// RetryAfter is the delay requested by a Retry-After header (seconds or
	// HTTP date) on a 429 or 503 response, capped at [MaxRetryAfter]; 0
	// otherwise. Callers should wait max(RetryAfter, Backoff(...)).
	RetryAfter time.Duration
	// Err is the transport error or a description of a non-2xx response;
	// nil when Delivered.
	Err error
	// Latency is the wall time spent on the attempt.
	Latency time.Duration
}

// MaxRetryAfter caps Result.RetryAfter so a receiver can't park a message
// longer than the longest step of the retry schedule.
const MaxRetryAfter = 24 * time.Hour

// maxResponseBody is how much of a response is read (and discarded) before the
// connection is closed; receivers have nothing to tell us in the body.
const maxResponseBody = 64 << 10

// UserAgent is sent with every delivery.
const UserAgent = "Vigie-Webhooks/1"

// Sender signs and POSTs messages. It is safe for concurrent use.
type Sender struct {
	client *http.Client
	signer *Signer
	now    func() time.Time
}

// NewSender returns a Sender that delivers through client (normally from
// [NewHTTPClient]) and signs with signer. now is the clock used for
// webhook-timestamp and Retry-After dates (time.Now in production; nil means
// time.Now). The client is copied and its redirect policy replaced so that
// redirects are never followed, whatever client is passed. NewSender panics
// if client or signer is nil.
func NewSender(client *http.Client, signer *Signer, now func() time.Time) *Sender {
	if client == nil || signer == nil {
		panic("webhook: NewSender: nil client or signer")
	}
	if now == nil {
		now = time.Now
	}
	c := *client
	c.CheckRedirect = noRedirect
	return &Sender{client: &c, signer: signer, now: now}
}

// Send POSTs msg.Body as application/json to url with the Standard Webhooks
// headers, a "Vigie-Event" header and User-Agent [UserAgent], reads at most
// 64 KiB of the response, discards it, and classifies the result:
// 2xx Delivered; 5xx, 408, 409, 425, 429 and transport errors or timeouts
// Retry; 410 Gone; 3xx (not followed) and other 4xx Failed. A message that
// can't be sent as-is (bad ID or Type, unparsable URL) and a connection
// refused by the SSRF guard ([ErrNonPublicAddress]) are also Failed.
//
// Each call signs with a fresh timestamp, as the spec requires for retries.
func (s *Sender) Send(ctx context.Context, url string, msg Message) Result {
	if err := checkToken("message ID", msg.ID, false); err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	if msg.Type != "" {
		if err := checkToken("message Type", msg.Type, true); err != nil {
			return Result{Outcome: Failed, Err: err}
		}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(msg.Body))
	if err != nil {
		return Result{Outcome: Failed, Err: fmt.Errorf("webhook: building request: %w", err)}
	}
	ts := s.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderID, msg.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, s.signer.Sign(msg.ID, ts, msg.Body))
	if msg.Type != "" {
		req.Header.Set("Vigie-Event", msg.Type)
	}

	// Latency is measured with the monotonic wall clock, not s.now, which
	// tests typically freeze.
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		r := Result{Outcome: Retry, Err: err, Latency: time.Since(start)}
		if errors.Is(err, ErrNonPublicAddress) {
			r.Outcome = Failed
		}
		return r
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()

	r := Result{Status: resp.StatusCode, Latency: time.Since(start)}
	r.Outcome = classify(resp.StatusCode)
	if r.Outcome != Delivered {
		r.Err = statusError(resp)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		r.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
	}
	return r
}

func classify(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Delivered
	case status >= 300 && status < 400:
		// Standard Webhooks: following redirects loads both sides for
		// nothing; the platform should update its URL instead.
		return Failed
	case status == http.StatusGone:
		return Gone
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return Retry
	case status >= 400 && status < 500:
		return Failed
	default:
		// 5xx, and anything non-standard: assume the receiver may recover.
		return Retry
	}
}

func statusError(resp *http.Response) error {
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fmt.Errorf("webhook: endpoint responded %s, redirect to %q not followed: update the endpoint URL", resp.Status, loc)
	}
	return fmt.Errorf("webhook: endpoint responded %s", resp.Status)
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3).
// Invalid or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// checkToken requires 1–256 printable ASCII characters without spaces (and
// without '.' unless dotOK), so the value is a valid header value and, for
// IDs, can't shift the '.'-separated fields of the signed content.
func checkToken(what, v string, dotOK bool) error {
	if v == "" || len(v) > 256 {
		return fmt.Errorf("webhook: %s must be 1 to 256 characters", what)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c > '~' || (c == '.' && !dotOK) {
			return fmt.Errorf("webhook: %s %q contains invalid character %q", what, v, c)
		}
	}
	return nil
}

// retrySchedule is the Standard Webhooks 1.0 example schedule. Its first row,
// "immediately", is the initial attempt, so retry n waits retrySchedule[n-1]:
// in all ten attempts spread over about 75 hours.
var retrySchedule = [...]time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// MaxRetries is the number of retries [Backoff] allows after the first
// attempt.
const MaxRetries = len(retrySchedule)

// Backoff returns how long to wait before retry number attempt, where 1 is
// the first retry (attempt <= 0, the initial delivery, waits 0). The delays follow the
// Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
// 24 h. Each is multiplied by scale (1 in production; tests shrink it;
// values <= 0, NaN or Inf mean 1) and by a jitter factor within ±10%
// computed from jitter(), which should return a uniform value in [0, 1) like
// math/rand/v2.Float64; nil means no jitter. ok is false once attempt exceeds
// [MaxRetries]: give up, and tell the platform by other means.
func Backoff(attempt int, scale float64, jitter func() float64) (d time.Duration, ok bool) {
	if attempt <= 0 {
		return 0, true
	}
	if attempt > MaxRetries {
		return 0, false
	}
	if !(scale > 0) || math.IsInf(scale, 1) {
		scale = 1
	}
	factor := 1.0
	if jitter != nil {
		j := jitter()
		if !(j >= 0) { // also catches NaN
			j = 0
		}
		j = min(j, 1)
		factor = 0.9 + 0.2*j
	}
	d64 := float64(retrySchedule[attempt-1]) * scale * factor
	if d64 >= math.MaxInt64 { // absurd scale: avoid an undefined conversion
		return time.Duration(math.MaxInt64), true
	}
	return time.Duration(d64), true
}

package webpush

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Urgency is the RFC 8030 Section 5.3 Urgency header value.
type Urgency string

// Urgency values of RFC 8030 Section 5.3.
const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high"
)

// Options are the per-message request parameters.
type Options struct {
	// TTL is how long the push service keeps the message for an offline
	// device (RFC 8030 Section 5.2), sent in whole seconds. 0 means "deliver
	// now or drop". Must not be negative.
	TTL time.Duration
	// Urgency, if set, is sent as the Urgency header (empty: push service
	// default, "normal").
	Urgency Urgency
	// Topic, if set, replaces a pending message with the same topic
	// (RFC 8030 Section 5.4): at most 32 characters of the base64url alphabet.
	Topic string

	EncryptOptions
}

func (o *Options) validate() error {
	if o.TTL < 0 {
		return fmt.Errorf("webpush: negative TTL %v", o.TTL)
	}
	switch o.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return fmt.Errorf("webpush: Urgency %q is not very-low, low, normal or high", o.Urgency)
	}
	if len(o.Topic) > 32 {
		return fmt.Errorf("webpush: Topic %q longer than 32 characters", o.Topic)
	}
	for i := 0; i < len(o.Topic); i++ {
		c := o.Topic[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("webpush: Topic %q: only base64url characters are allowed", o.Topic)
		}
	}
	return nil
}

// Outcome classifies the push service's answer.
type Outcome int

// Outcomes of Send.
const (
	// Delivered: the push service accepted the message (201 Created, or 202;
	// any 2xx). Accepted is not the same as shown on the device.
	Delivered Outcome = iota + 1
	// Gone: 404 or 410, the subscription expired or was unsubscribed; the
	// caller must delete it.
	Gone
	// RetryAfter: 429 (or 503 with Retry-After); Result.RetryAfter says how
	// long to wait (0 if the service did not say). The caller should slow
	// down this push service only.
	RetryAfter
	// Failed: the request is wrong and resending it will not help (other
	// 4xx such as 400, 401, 403, 413; unexpected 1xx/3xx; invalid input).
	Failed
	// Retry: transient failure (5xx, transport error, timeout); resend later
	// with backoff.
	Retry
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Gone:
		return "gone"
	case RetryAfter:
		return "retry-after"
	case Failed:
		return "failed"
	case Retry:
		return "retry"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is what Send observed.
type Result struct {
	Outcome    Outcome
	StatusCode int           // 0 if no HTTP response
	RetryAfter time.Duration // parsed Retry-After (RetryAfter outcome, also 5xx when present)
	Location   string        // message resource URL from a 201 Created (RFC 8030 Section 5)
	Err        error         // transport/input error, or the status and start of the body
}

// Sender posts encrypted messages to push services. Safe for concurrent use.
//
// Endpoints come from browsers, i.e. from users: callers should accept only
// the push services they know (an allow-list of endpoint origins) before
// storing a subscription, so the sender cannot be aimed at internal hosts.
type Sender struct {
	client *http.Client
	vapid  *VAPID
	now    func() time.Time
}

// NewSender returns a Sender. client is copied with redirects disabled (a
// push endpoint that redirects is treated as Failed); nil means a default
// client with a 30 s timeout. vapid may be nil only for push services that do
// not require VAPID. now is the clock (nil: time.Now), used for VAPID expiry
// and Retry-After dates.
func NewSender(client *http.Client, vapid *VAPID, now func() time.Time) *Sender {
	var c http.Client
	if client != nil {
		c = *client
	} else {
		c.Timeout = 30 * time.Second
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if now == nil {
		now = time.Now
	}
	return &Sender{client: &c, vapid: vapid, now: now}
}

// Pre-built header values (avoid per-message allocations).
var (
	hdrAES128GCM   = []string{"aes128gcm"}
	hdrOctetStream = []string{"application/octet-stream"}
)

// maxDrain bounds how much of a response body is read so the connection can
// be reused.
const maxDrain = 64 << 10

// Send encrypts payload for sub and posts it to sub.Endpoint. It never returns
// without a Result; Result.Err explains non-Delivered outcomes.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte, opts Options) Result {
	if err := opts.validate(); err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	body, err := Encrypt(sub, payload, opts.EncryptOptions)
	if err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: fmt.Errorf("webpush: endpoint: %w", err)}
	}
	h := make(http.Header, 6)
	h["Content-Encoding"] = hdrAES128GCM
	h["Content-Type"] = hdrOctetStream
	h["Ttl"] = []string{strconv.FormatInt(int64(opts.TTL/time.Second), 10)}
	if opts.Urgency != "" {
		h["Urgency"] = []string{string(opts.Urgency)}
	}
	if opts.Topic != "" {
		h["Topic"] = []string{opts.Topic}
	}
	if s.vapid != nil {
		auth, err := s.vapid.Header(sub.Endpoint, s.now())
		if err != nil {
			return Result{Outcome: Failed, Err: err}
		}
		h["Authorization"] = []string{auth}
	}
	req.Header = h

	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w", err)}
	}
	return s.classify(resp)
}

func (s *Sender) classify(resp *http.Response) Result {
	res := Result{StatusCode: resp.StatusCode}
	code := resp.StatusCode
	var snippet []byte
	if code >= 200 && code < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	} else {
		snippet, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	}
	resp.Body.Close()

	statusErr := func() error {
		msg := strings.TrimSpace(string(snippet))
		if msg == "" {
			return fmt.Errorf("webpush: push service answered %s", resp.Status)
		}
		return fmt.Errorf("webpush: push service answered %s: %s", resp.Status, msg)
	}
	ra, haveRA := parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
	switch {
	case code >= 200 && code < 300:
		res.Outcome = Delivered
		res.Location = resp.Header.Get("Location")
		return res
	case code == http.StatusNotFound || code == http.StatusGone:
		res.Outcome = Gone
	case code == http.StatusTooManyRequests:
		res.Outcome = RetryAfter
		res.RetryAfter = ra
	case code == http.StatusServiceUnavailable && haveRA:
		res.Outcome = RetryAfter
		res.RetryAfter = ra
	case code >= 500:
		res.Outcome = Retry
		res.RetryAfter = ra
	default: // other 4xx, unexpected 1xx/3xx
		res.Outcome = Failed
	}
	res.Err = statusErr()
	return res
}

// parseRetryAfter parses RFC 9110 Section 10.2.3 Retry-After: delay-seconds or
// an HTTP-date (relative to now, floored at 0).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

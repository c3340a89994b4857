package webpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// Outcome classifies the push service's answer into what the caller must do.
type Outcome int

// Outcomes of Send.
const (
	// Delivered: the push service accepted the message (201 Created, or 202;
	// any 2xx). Accepted is not the same as shown on the device. Keep the
	// subscription.
	Delivered Outcome = iota + 1
	// Gone: 404 or 410, the subscription expired or was unsubscribed; the
	// caller must delete it and not send to it again.
	Gone
	// RetryAfter: 429 (or 503 with Retry-After); Result.RetryAfter says how
	// long to wait (0 if the service did not say). The caller should pause
	// this push service only ([Limiter]) and send the message again later.
	RetryAfter
	// Failed: the request is wrong and resending it will not help (other
	// 4xx such as 400, 401, 403; unexpected 1xx/3xx; invalid input).
	Failed
	// Retry: transient failure (5xx, transport error, timeout, connection
	// lost before the answer); resend later with backoff. The push service
	// may have accepted the message if the connection was lost after it was
	// written: set a Topic to make a resend replace it rather than add one.
	Retry
	// TooLarge: the push service answered 413, or the payload does not fit
	// in MaxBodyLen: resending the same payload will not help, a shorter one
	// (a summary with a link) will.
	TooLarge
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
	case TooLarge:
		return "too-large"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Retryable reports whether sending the same message again later may
// succeed (RetryAfter and Retry).
func (o Outcome) Retryable() bool { return o == RetryAfter || o == Retry }

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
	client *http.Client // net/http path (NewSender)
	pipe   *pipeClient  // own HTTP/1.1 client (NewPipelinedSender)
	vapid  *VAPID
	now    func() time.Time
}

// NewSender returns a Sender that posts through net/http. client is copied
// with redirects disabled (a push endpoint that redirects is treated as
// Failed); nil means a default client with a 30 s timeout. vapid may be nil
// only for push services that do not require VAPID. now is the clock (nil:
// time.Now), used for VAPID expiry and Retry-After dates.
//
// net/http speaks HTTP/2 to push services that offer it over TLS; for large
// fan-outs [NewPipelinedSender] needs about 40 % less CPU per message
// (`vigie bench webpush`).
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

// NewPipelinedSender returns a Sender with its own lean HTTP/1.1 client (see
// [ClientConfig]): a few keep-alive connections per push service, several
// requests in flight on each, written together in one system call and
// answered in order. Close it when done.
func NewPipelinedSender(cfg ClientConfig, vapid *VAPID, now func() time.Time) *Sender {
	if now == nil {
		now = time.Now
	}
	return &Sender{pipe: newPipeClient(cfg), vapid: vapid, now: now}
}

// Close closes the sender's idle and pipelined connections; messages still
// waiting for an answer end with Retry. The Sender must not be used after.
func (s *Sender) Close() error {
	if s.pipe != nil {
		s.pipe.close()
	} else if s.client != nil {
		s.client.CloseIdleConnections()
	}
	return nil
}

// Pre-built header values (avoid per-message allocations).
var (
	hdrAES128GCM   = []string{"aes128gcm"}
	hdrOctetStream = []string{"application/octet-stream"}
)

// maxDrain bounds how much of a response body is read so the connection can
// be reused.
const maxDrain = 64 << 10

// snippetLen is how much of an error answer's body goes into Result.Err.
const snippetLen = 512

// bodyPool holds encrypted bodies between encryption and the write.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, MaxBodyLen); return &b }}

// Send encrypts payload for sub and posts it to sub.Endpoint. It never returns
// without a Result; Result.Err explains non-Delivered outcomes.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte, opts Options) Result {
	if err := opts.validate(); err != nil {
		return Result{Outcome: Failed, Err: err}
	}
	var body []byte
	var err error
	if s.pipe != nil {
		// The pipelined client copies the body into its write buffer before
		// post returns, so the buffer can go back to the pool. net/http may
		// still read a request body after Do returns: it gets its own.
		bp := bodyPool.Get().(*[]byte)
		defer bodyPool.Put(bp)
		body, err = AppendEncrypted((*bp)[:0], sub, payload, opts.EncryptOptions)
		*bp = body[:0]
	} else {
		body, err = Encrypt(sub, payload, opts.EncryptOptions)
	}
	if err != nil {
		if errors.Is(err, ErrPayloadTooLarge) {
			return Result{Outcome: TooLarge, Err: err}
		}
		return Result{Outcome: Failed, Err: err}
	}
	var auth string
	if s.vapid != nil {
		if auth, err = s.vapid.Header(sub.Endpoint, s.now()); err != nil {
			return Result{Outcome: Failed, Err: err}
		}
	}
	if s.pipe != nil {
		return s.pipe.post(ctx, s, sub.Endpoint, auth, body, &opts)
	}
	return s.postHTTP(ctx, sub.Endpoint, auth, body, &opts)
}

// postHTTP is the net/http path.
func (s *Sender) postHTTP(ctx context.Context, endpoint, auth string, body []byte, opts *Options) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
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
	if auth != "" {
		h["Authorization"] = []string{auth}
	}
	req.Header = h

	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Outcome: Retry, Err: fmt.Errorf("webpush: post: %w", err)}
	}
	var snippet []byte
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		snippet, _ = io.ReadAll(io.LimitReader(resp.Body, snippetLen))
	}
	// Drain what is left so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return s.classify(resp.StatusCode, resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("Location"), snippet)
}

// classify turns a push service's answer into a Result. status is the
// status line's code and text, for error messages.
func (s *Sender) classify(code int, status, retryAfter, location string, snippet []byte) Result {
	res := Result{StatusCode: code}
	ra, haveRA := parseRetryAfter(retryAfter, s.now())
	switch {
	case code >= 200 && code < 300:
		res.Outcome = Delivered
		res.Location = location
		return res
	case code == http.StatusNotFound || code == http.StatusGone:
		res.Outcome = Gone
	case code == http.StatusTooManyRequests:
		res.Outcome = RetryAfter
		res.RetryAfter = ra
	case code == http.StatusServiceUnavailable && haveRA:
		res.Outcome = RetryAfter
		res.RetryAfter = ra
	case code == http.StatusRequestEntityTooLarge:
		res.Outcome = TooLarge
	case code >= 500:
		res.Outcome = Retry
		res.RetryAfter = ra
	default: // other 4xx, unexpected 1xx/3xx
		res.Outcome = Failed
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(snippet), "?"))
	if msg == "" {
		res.Err = fmt.Errorf("webpush: push service answered %s", status)
	} else {
		res.Err = fmt.Errorf("webpush: push service answered %s: %s", status, msg)
	}
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

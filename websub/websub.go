// Package websub publishes Vigie's public alert feeds with WebSub (W3C
// Recommendation, 23 January 2018), so that alert aggregators learn of a
// new alert within seconds instead of at their next poll.
//
// Vigie can be its own hub, so that push works on an instance cut off from
// the internet: subscribers POST hub.mode=subscribe (or unsubscribe),
// hub.topic, hub.callback and optionally hub.lease_seconds and hub.secret
// to the hub URL; the hub answers 202 Accepted and then verifies the intent
// with a GET to the callback carrying hub.challenge, which the callback
// must echo. On each publication the hub POSTs the topic's current content
// to every live subscriber, signed with X-Hub-Signature: sha256=HMAC(secret,
// body) when the subscriber gave a secret. Vigie can also (or instead) ping
// external hubs with hub.mode=publish and hub.url=TOPIC, as Google's and
// other public hubs expect, and let them distribute.
//
// Everything that talks to the network runs as a durable job (package
// jobs): verification, each delivery and each ping is one job, retried
// with back-off, so a crash or a slow subscriber delays nobody else and
// loses nothing. Delivery is at least once: a subscriber may receive the
// same feed twice, which is harmless because a feed is a whole document.
//
// Callback URLs are typed by strangers, so they pass the operator's SSRF
// rules when subscribing (Config.CheckCallback) and are fetched only with
// the guarded client the operator supplies (Config.Client).
//
// Secrets are kept in clear in the store because the hub must compute an
// HMAC with them; they only authenticate Vigie's public feeds to the
// subscriber, so their leak lets someone forge a public feed to that
// subscriber, not read anything.
package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/jobs"
)

// The job kinds of the hub.
const (
	KindVerify  = "websub.verify"  // verify a subscriber's intent; payload: intent
	KindDeliver = "websub.deliver" // POST a topic to one subscriber; payload: delivery
	KindPing    = "websub.ping"    // tell an external hub a topic changed; payload: ping
)

// Lease bounds, and other limits of what a stranger may ask of the hub.
const (
	DefaultLease = 10 * 24 * time.Hour
	MinLease     = 5 * time.Minute
	MaxLease     = 30 * 24 * time.Hour
	// MaxSecret: "This parameter MUST be less than 200 bytes in length."
	MaxSecret = 199
	// MaxCallback bounds a callback URL, as webhook endpoints are.
	MaxCallback = 2048
	// DefaultMaxSubscriptions caps the live subscriptions, so that the
	// unauthenticated endpoint cannot fill the database.
	DefaultMaxSubscriptions = 10000
	// verifyAttempts is how often a verification that failed on the
	// network is tried; a callback that answers wrongly is not asked again.
	verifyAttempts = 3
	// pingAttempts is how often a ping to an external hub is tried.
	pingAttempts = 8
	// maxRequest bounds a subscription request's body.
	maxRequest = 16 << 10
)

// Subscription is a verified subscriber of one topic.
type Subscription struct {
	ID        string
	Topic     string
	Callback  string
	Secret    string // empty: deliveries are not signed
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store keeps the subscriptions and queues the hub's jobs.
type Store interface {
	// SaveSubscription creates the subscription of s.Callback to s.Topic,
	// or renews it (new lease and secret) when it exists.
	SaveSubscription(ctx context.Context, s *Subscription) error
	// DeleteSubscription removes it; removing a missing one is no error.
	DeleteSubscription(ctx context.Context, topic, callback string) error
	// Subscription returns the subscription live at now, or nil.
	Subscription(ctx context.Context, topic, callback string, now time.Time) (*Subscription, error)
	// Subscriptions returns the subscriptions to topic live at now.
	Subscriptions(ctx context.Context, topic string, now time.Time) ([]*Subscription, error)
	// CountSubscriptions counts the subscriptions live at now.
	CountSubscriptions(ctx context.Context, now time.Time) (int, error)
	// PurgeSubscriptions deletes the subscriptions expired at now.
	PurgeSubscriptions(ctx context.Context, now time.Time) (int64, error)
	// Enqueue adds jobs, all or none.
	Enqueue(ctx context.Context, js ...jobs.Job) error
}

// Content is a topic's document as subscribers receive it.
type Content struct {
	Type string // Content-Type, e.g. application/atom+xml
	Body []byte
}

// Config is what a Hub needs.
type Config struct {
	Store Store
	// Topics are the topic URLs the hub distributes, the only ones it
	// accepts subscriptions to.
	Topics []string
	// Content renders a topic now: delivery sends the current document,
	// so a retried delivery never sends stale content.
	Content func(ctx context.Context, topic string) (Content, error)
	// URL is the hub's own public URL, sent in the Link header of
	// deliveries; empty when Vigie does not act as a hub and only pings
	// External hubs (subscriptions are then refused).
	URL string
	// External are other hubs to ping on each publication.
	External []string
	// Client fetches subscribers' callbacks; it must apply the SSRF rules
	// (webhook.NewHTTPClient) and not follow redirects.
	Client *http.Client
	// HubClient pings the External hubs, which the operator chose.
	HubClient *http.Client
	// CheckCallback validates a callback when a subscriber gives it.
	CheckCallback func(raw string) error
	// MaxSubscriptions caps the live subscriptions (0: the default).
	MaxSubscriptions int
	Now              func() time.Time
	NewID            func() string
	Log              *slog.Logger
}

// Hub is a WebSub hub for Vigie's own topics and a publisher to external
// hubs.
type Hub struct {
	c Config
}

// New returns a hub. Register its Handlers with the job runner, and serve
// it (it is an http.Handler) at Config.URL when that is set.
func New(c Config) *Hub {
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Hub{c: c}
}

// SelfHosted reports whether Vigie acts as a hub itself.
func (h *Hub) SelfHosted() bool { return h.c.URL != "" }

// Handlers returns the job handlers by kind, for jobs.Runner.Handle.
func (h *Hub) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{KindVerify: h.verify, KindDeliver: h.deliver, KindPing: h.ping}
}

// intent is a subscription request waiting for verification.
type intent struct {
	Mode     string `json:"mode"`
	Topic    string `json:"topic"`
	Callback string `json:"callback"`
	Lease    int64  `json:"lease_seconds,omitempty"`
	Secret   string `json:"secret,omitempty"`
}

type delivery struct {
	Topic    string `json:"topic"`
	Callback string `json:"callback"`
}

type ping struct {
	Hub   string `json:"hub"`
	Topic string `json:"topic"`
}

// requestError is a subscription request the hub refuses, with the HTTP
// status to refuse it with.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func refuse(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP takes subscription requests (application/x-www-form-urlencoded
// POSTs). It checks them at once, answering 4xx with the reason in plain
// text, and queues the verification of intent, answering 202 Accepted.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a subscription request: hub.mode, hub.topic, hub.callback", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	err := h.subscribe(r)
	var re *requestError
	switch {
	case err == nil:
		w.WriteHeader(http.StatusAccepted)
	case errors.As(err, &re):
		if re.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "3600")
		}
		http.Error(w, re.msg, re.status)
	default:
		h.c.Log.ErrorContext(r.Context(), "websub: subscription request", slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func (h *Hub) subscribe(r *http.Request) error {
	if !h.SelfHosted() {
		return &requestError{status: http.StatusNotFound, msg: "this server does not act as a WebSub hub"}
	}
	if err := r.ParseForm(); err != nil {
		return refuse("the body must be an application/x-www-form-urlencoded form: %v", err)
	}
	form := r.PostForm
	in := intent{Mode: form.Get("hub.mode"), Topic: form.Get("hub.topic"), Callback: form.Get("hub.callback"), Secret: form.Get("hub.secret")}
	switch in.Mode {
	case "subscribe", "unsubscribe":
	case "publish":
		return refuse("hub.mode=publish: this hub distributes only this server's own feeds, and publishes them itself")
	case "":
		return refuse("hub.mode is required: subscribe or unsubscribe")
	default:
		return refuse("hub.mode %q is not subscribe or unsubscribe", in.Mode)
	}
	if !slices.Contains(h.c.Topics, in.Topic) {
		return refuse("hub.topic %q is not a topic of this hub; the topics are %s", in.Topic, strings.Join(h.c.Topics, ", "))
	}
	if in.Callback == "" || len(in.Callback) > MaxCallback {
		return refuse("hub.callback must be a URL of at most %d bytes", MaxCallback)
	}
	if h.c.CheckCallback != nil {
		if err := h.c.CheckCallback(in.Callback); err != nil {
			return refuse("hub.callback: %s", strings.TrimPrefix(err.Error(), "webhook URL: "))
		}
	}
	if len(in.Secret) > MaxSecret {
		return refuse("hub.secret must be less than 200 bytes")
	}
	if in.Mode == "unsubscribe" {
		in.Secret = ""
	} else {
		lease, err := leaseOf(form.Get("hub.lease_seconds"))
		if err != nil {
			return err
		}
		in.Lease = int64(lease / time.Second)
		now := h.c.Now()
		n, err := h.c.Store.CountSubscriptions(r.Context(), now)
		if err != nil {
			return err
		}
		if n >= h.c.MaxSubscriptions {
			if s, err := h.c.Store.Subscription(r.Context(), in.Topic, in.Callback, now); err != nil || s == nil {
				return &requestError{status: http.StatusServiceUnavailable, msg: "the hub has no room for more subscriptions; poll the feed instead"}
			}
		}
	}
	j, err := jobs.New(KindVerify, in, h.c.Now())
	if err != nil {
		return err
	}
	return h.c.Store.Enqueue(r.Context(), j)
}

// leaseOf reads hub.lease_seconds: a hint the hub bounds to its limits.
func leaseOf(v string) (time.Duration, error) {
	if v == "" {
		return DefaultLease, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, refuse("hub.lease_seconds must be a positive number of seconds")
	}
	if n > int64(MaxLease/time.Second) {
		return MaxLease, nil
	}
	return max(time.Duration(n)*time.Second, MinLease), nil
}

// verify asks the callback to confirm the intent, and subscribes or
// unsubscribes it when it does.
func (h *Hub) verify(ctx context.Context, j jobs.Job) error {
	var in intent
	if err := json.Unmarshal(j.Payload, &in); err != nil {
		return jobs.Permanent(err)
	}
	challenge, err := randomHex(24)
	if err != nil {
		return err
	}
	u, err := url.Parse(in.Callback)
	if err != nil {
		return jobs.Permanent(err)
	}
	q := u.Query()
	q.Set("hub.mode", in.Mode)
	q.Set("hub.topic", in.Topic)
	q.Set("hub.challenge", challenge)
	if in.Mode == "subscribe" {
		q.Set("hub.lease_seconds", strconv.FormatInt(in.Lease, 10))
	}
	u.RawQuery = q.Encode()
	log := h.c.Log.With(slog.String("mode", in.Mode), slog.String("topic", in.Topic), slog.String("callback", in.Callback))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return jobs.Permanent(err)
	}
	resp, err := h.c.Client.Do(req)
	if err != nil {
		if j.Attempts < verifyAttempts {
			return err
		}
		log.Info("websub: intent not verified: callback unreachable", slog.Any("err", err))
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(len(challenge))+256))
	resp.Body.Close()
	if resp.StatusCode >= 500 && j.Attempts < verifyAttempts {
		return fmt.Errorf("websub: callback answered %d to the verification", resp.StatusCode)
	}
	if resp.StatusCode/100 != 2 || strings.TrimSpace(string(body)) != challenge {
		// A callback that does not echo the challenge did not ask: nothing
		// to retry, and nothing to store.
		log.Info("websub: intent not confirmed", slog.Int("status", resp.StatusCode))
		return nil
	}
	if in.Mode == "unsubscribe" {
		return h.c.Store.DeleteSubscription(ctx, in.Topic, in.Callback)
	}
	now := h.c.Now()
	err = h.c.Store.SaveSubscription(ctx, &Subscription{ID: h.c.NewID(), Topic: in.Topic, Callback: in.Callback, Secret: in.Secret,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(in.Lease) * time.Second)})
	if err == nil {
		log.Info("websub: subscribed", slog.Int64("lease_seconds", in.Lease))
	}
	return err
}

// Publish tells every subscriber of the topics, and every external hub,
// that the topics changed. It only queues jobs, all in one transaction;
// the runner delivers them.
func (h *Hub) Publish(ctx context.Context, topics ...string) error {
	now := h.c.Now()
	var js []jobs.Job
	add := func(kind string, payload any) error {
		j, err := jobs.New(kind, payload, now)
		js = append(js, j)
		return err
	}
	for _, t := range topics {
		if h.SelfHosted() {
			subs, err := h.c.Store.Subscriptions(ctx, t, now)
			if err != nil {
				return err
			}
			for _, s := range subs {
				if err := add(KindDeliver, delivery{Topic: t, Callback: s.Callback}); err != nil {
					return err
				}
			}
		}
		for _, hub := range h.c.External {
			if err := add(KindPing, ping{Hub: hub, Topic: t}); err != nil {
				return err
			}
		}
	}
	if len(js) == 0 {
		return nil
	}
	return h.c.Store.Enqueue(ctx, js...)
}

// deliver POSTs the topic's current content to one subscriber.
func (h *Hub) deliver(ctx context.Context, j jobs.Job) error {
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return jobs.Permanent(err)
	}
	s, err := h.c.Store.Subscription(ctx, d.Topic, d.Callback, h.c.Now())
	if err != nil {
		return err
	}
	if s == nil {
		return nil // unsubscribed or expired since
	}
	c, err := h.c.Content(ctx, d.Topic)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Callback, bytes.NewReader(c.Body))
	if err != nil {
		return jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", c.Type)
	req.Header.Set("Link", fmt.Sprintf(`<%s>; rel="hub", <%s>; rel="self"`, h.c.URL, d.Topic))
	if s.Secret != "" {
		req.Header.Set("X-Hub-Signature", Signature(s.Secret, c.Body))
	}
	resp, err := h.c.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusGone:
		// The subscriber says it is gone for good.
		return h.c.Store.DeleteSubscription(ctx, d.Topic, d.Callback)
	}
	return fmt.Errorf("websub: callback answered %d", resp.StatusCode)
}

// Signature is the X-Hub-Signature value of body for a secret.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ping tells an external hub that a topic changed, as PubSubHubbub hubs
// expect: hub.mode=publish, hub.url=TOPIC.
func (h *Hub) ping(ctx context.Context, j jobs.Job) error {
	var p ping
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {p.Topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.c.HubClient.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			return nil
		case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests:
			return jobs.Permanent(fmt.Errorf("websub: hub %s refused the ping: %d", p.Hub, resp.StatusCode))
		}
		err = fmt.Errorf("websub: hub %s answered %d", p.Hub, resp.StatusCode)
	}
	if j.Attempts >= pingAttempts {
		return jobs.Permanent(err)
	}
	return err
}

// Purge deletes the expired subscriptions.
func (h *Hub) Purge(ctx context.Context) (int64, error) {
	return h.c.Store.PurgeSubscriptions(ctx, h.c.Now())
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

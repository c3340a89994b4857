// Package notify delivers queued webhook jobs to organisations' endpoints,
// signed with Standard Webhooks, and records every attempt. Referrals use it
// today; alerts and counter-speech send through it too. A delivery that
// fails is retried on the Standard Webhooks schedule (or later, when the
// receiver asks with Retry-After); 410 Gone drops the message and, repeated,
// disables the endpoint; receipt callbacks let a domain react to a
// successful delivery (a referral's legal clock starts there).
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/webhook"
)

// GoneLimit is how many consecutive 410 answers disable an endpoint.
const GoneLimit = 3

// Endpoints finds where an organisation receives webhooks.
type Endpoints interface {
	GetEndpoint(ctx context.Context, orgID string) (*org.Endpoint, error)
}

// Recorder stores the outcome of an attempt.
type Recorder interface {
	RecordAttempt(ctx context.Context, deliveryID, orgID, status string, httpStatus int, errText string, deliveredAt *time.Time, goneLimit int) error
}

// Sender sends one signed message.
type Sender interface {
	Send(ctx context.Context, url string, msg webhook.Message) webhook.Result
}

// Delivery is the record of one webhook message.
type Delivery struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Type        string     `json:"type"`
	Subject     string     `json:"subject"`
	CreatedAt   time.Time  `json:"created_at"`
	Status      string     `json:"status" doc:"pending, delivered, retrying, failed, gone or dropped"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status"`
	LastError   string     `json:"last_error,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// Deliverer is the job handler of jobs.KindWebhook.
type Deliverer struct {
	endpoints Endpoints
	recorder  Recorder
	sender    Sender
	now       func() time.Time
	// BackoffScale shrinks the retry schedule (tests, drills); 1 in production.
	backoffScale float64
	onDelivered  func(ctx context.Context, w jobs.Webhook, at time.Time) error
	observe      func(typ, outcome string, latency time.Duration)
}

// Config holds a Deliverer's dependencies.
type Config struct {
	Endpoints    Endpoints
	Recorder     Recorder
	Sender       Sender
	Now          func() time.Time
	BackoffScale float64
	// OnDelivered runs after a successful delivery; an error retries the
	// delivery (same message id).
	OnDelivered func(ctx context.Context, w jobs.Webhook, at time.Time) error
	// Observe receives every attempt's outcome, for metrics; may be nil.
	Observe func(typ, outcome string, latency time.Duration)
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(c Config) *Deliverer {
	if c.BackoffScale <= 0 {
		c.BackoffScale = 1
	}
	if c.Observe == nil {
		c.Observe = func(string, string, time.Duration) {}
	}
	if c.OnDelivered == nil {
		c.OnDelivered = func(context.Context, jobs.Webhook, time.Time) error { return nil }
	}
	return &Deliverer{endpoints: c.Endpoints, recorder: c.Recorder, sender: c.Sender, now: c.Now,
		backoffScale: c.BackoffScale, onDelivered: c.OnDelivered, observe: c.Observe}
}

// Handle delivers one message.
func (d *Deliverer) Handle(ctx context.Context, j jobs.Job) error {
	var w jobs.Webhook
	if err := json.Unmarshal(j.Payload, &w); err != nil {
		return jobs.Permanent(fmt.Errorf("notify: decode job: %w", err))
	}
	e, err := d.endpoints.GetEndpoint(ctx, w.OrgID)
	if vigie.ErrorCode(err) == vigie.ENotFound || (err == nil && (e.Disabled || e.URL == "")) {
		d.observe(w.Type, "dropped", 0)
		return d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "dropped", 0, "no enabled endpoint", nil, GoneLimit)
	} else if err != nil {
		return jobs.Retry(5*time.Second, err)
	}
	res := d.sender.Send(ctx, e.URL, webhook.Message{ID: w.DeliveryID, Type: w.Type, Body: w.Body})
	errText := ""
	if res.Err != nil {
		errText = res.Err.Error()
	}
	d.observe(w.Type, res.Outcome.String(), res.Latency)
	switch res.Outcome {
	case webhook.Delivered:
		// The receipt first: recording the outcome completes the job, and a
		// failure before that sends the message again (same id) instead of
		// losing the receipt.
		at := d.now()
		if err := d.onDelivered(ctx, w, at); err != nil {
			return jobs.Retry(time.Second, fmt.Errorf("notify: after delivery: %w", err))
		}
		if err := d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "delivered", res.Status, "", &at, GoneLimit); err != nil {
			return jobs.Retry(time.Second, err)
		}
		return nil
	case webhook.Gone:
		return d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "gone", res.Status, errText, nil, GoneLimit)
	case webhook.Retry:
		wait, ok := webhook.Backoff(j.Attempts, d.backoffScale, rand.Float64)
		if !ok {
			return d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "failed", res.Status, "retries exhausted: "+errText, nil, GoneLimit)
		}
		if err := d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "retrying", res.Status, errText, nil, GoneLimit); err != nil {
			return jobs.Retry(wait, err)
		}
		return jobs.Retry(max(wait, res.RetryAfter), res.Err)
	default:
		return d.recorder.RecordAttempt(ctx, w.DeliveryID, w.OrgID, "failed", res.Status, errText, nil, GoneLimit)
	}
}

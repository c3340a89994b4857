package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/notify"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/webhook"
)

type endpoints map[string]*org.Endpoint

func (e endpoints) GetEndpoint(_ context.Context, id string) (*org.Endpoint, error) {
	if ep, ok := e[id]; ok {
		return ep, nil
	}
	return nil, vigie.Errorf(vigie.ENotFound, "no endpoint")
}

type attempt struct {
	status string
	code   int
}

type recorder struct{ attempts []attempt }

func (r *recorder) RecordAttempt(_ context.Context, _, _, status string, code int, _ string, _ *time.Time, _ int) error {
	r.attempts = append(r.attempts, attempt{status, code})
	return nil
}

type sender struct {
	res  webhook.Result
	sent []webhook.Message
}

func (s *sender) Send(_ context.Context, _ string, m webhook.Message) webhook.Result {
	s.sent = append(s.sent, m)
	return s.res
}

func job(t *testing.T, org string, attempts int) jobs.Job {
	b, _ := json.Marshal(jobs.Webhook{DeliveryID: "msg_1", OrgID: org, Type: "referral.created", Subject: "referral/r1", Body: json.RawMessage(`{}`)})
	return jobs.Job{ID: "msg_1", Kind: jobs.KindWebhook, Payload: b, Attempts: attempts}
}

func TestDeliverer(t *testing.T) {
	eps := endpoints{"p": {OrgID: "p", URL: "https://p.example/hook"}, "off": {OrgID: "off", URL: "https://x", Disabled: true}}
	tests := []struct {
		name        string
		org         string
		attempts    int
		res         webhook.Result
		wantStatus  string
		wantRetry   time.Duration // 0: no retry
		wantReceipt bool
	}{
		{"delivered starts the receipt", "p", 1, webhook.Result{Outcome: webhook.Delivered, Status: 204}, "delivered", 0, true},
		{"server error retries on the schedule", "p", 1, webhook.Result{Outcome: webhook.Retry, Status: 503, Err: errors.New("503")}, "retrying", 5 * time.Second, false},
		{"Retry-After beyond the schedule wins", "p", 1, webhook.Result{Outcome: webhook.Retry, Status: 429, RetryAfter: time.Minute, Err: errors.New("429")}, "retrying", time.Minute, false},
		{"retries end", "p", webhook.MaxRetries + 1, webhook.Result{Outcome: webhook.Retry, Status: 500, Err: errors.New("500")}, "failed", 0, false},
		{"410 is gone", "p", 1, webhook.Result{Outcome: webhook.Gone, Status: 410}, "gone", 0, false},
		{"404 fails", "p", 1, webhook.Result{Outcome: webhook.Failed, Status: 404, Err: errors.New("404")}, "failed", 0, false},
		{"no endpoint drops", "none", 1, webhook.Result{}, "dropped", 0, false},
		{"disabled endpoint drops", "off", 1, webhook.Result{}, "dropped", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, snd := &recorder{}, &sender{res: tt.res}
			receipts := 0
			d := notify.NewDeliverer(notify.Config{Endpoints: eps, Recorder: rec, Sender: snd, Now: time.Now,
				OnDelivered: func(context.Context, jobs.Webhook, time.Time) error { receipts++; return nil }})
			err := d.Handle(context.Background(), job(t, tt.org, tt.attempts))
			if len(rec.attempts) != 1 || rec.attempts[0].status != tt.wantStatus {
				t.Fatalf("recorded %+v, want %s", rec.attempts, tt.wantStatus)
			}
			var re *jobs.RetryError
			switch {
			case tt.wantRetry == 0 && err != nil:
				t.Fatalf("error %v, want the job completed", err)
			case tt.wantRetry != 0 && !errors.As(err, &re):
				t.Fatalf("error %v, want a retry", err)
			case tt.wantRetry != 0 && (re.After < tt.wantRetry*9/10 || re.After > tt.wantRetry*11/10):
				t.Fatalf("retry after %s, want about %s", re.After, tt.wantRetry)
			}
			if (receipts == 1) != tt.wantReceipt {
				t.Fatalf("receipt callbacks: %d", receipts)
			}
			if len(snd.sent) == 1 && snd.sent[0].ID != "msg_1" {
				t.Fatalf("message id %q, want the delivery id, stable across retries", snd.sent[0].ID)
			}
		})
	}
}

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/notify"
)

// Envelope is the JSON body of every webhook: the Standard Webhooks
// recommended shape.
type Envelope struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// queueWebhook records a delivery and enqueues its job when the organisation
// has an enabled endpoint; without one, the organisation polls.
func (tx *Tx) queueWebhook(ctx context.Context, orgID, typ, subject string, data any) error {
	e, err := getEndpoint(ctx, tx, orgID)
	if err != nil || e.Disabled {
		return nil //nolint:nilerr // no endpoint: nothing to deliver
	}
	now := tx.d.now()
	body, err := json.Marshal(Envelope{Type: typ, Timestamp: now.UTC(), Data: data})
	if err != nil {
		return err
	}
	id := "msg_" + tx.d.newID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, org_id, type, subject, created_at, status) VALUES ($1, $2, $3, $4, $5, 'pending')`,
		id, orgID, typ, subject, ms(now)); err != nil {
		return fmt.Errorf("sqlstore: record delivery: %w", err)
	}
	j, err := jobs.New(jobs.KindWebhook, jobs.Webhook{DeliveryID: id, OrgID: orgID, Type: typ, Subject: subject, Body: body}, now)
	if err != nil {
		return err
	}
	j.ID = id
	return tx.enqueue(ctx, j)
}

// RecordAttempt stores the outcome of a delivery attempt; a final one
// (anything but "retrying") also completes the delivery's job. On success it
// clears the endpoint's 410 count; on 410 Gone it counts, and disables the
// endpoint at goneLimit consecutive answers.
func (d *DB) RecordAttempt(ctx context.Context, deliveryID, orgID, status string, httpStatus int, errText string, deliveredAt *time.Time, goneLimit int) error {
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = $1, attempts = attempts + 1, last_status = $2, last_error = $3, delivered_at = $4 WHERE id = $5`,
			status, httpStatus, errText, nullMS(deliveredAt), deliveryID); err != nil {
			return err
		}
		if status != "retrying" {
			// A final outcome finishes the delivery job (its id is the
			// delivery's) in the same commit: one fsync fewer per message.
			if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1`, deliveryID); err != nil {
				return err
			}
		}
		switch status {
		case "delivered":
			_, err := tx.ExecContext(ctx, `UPDATE endpoints SET gone_count = 0 WHERE org_id = $1 AND gone_count <> 0`, orgID)
			return err
		case "gone":
			_, err := tx.ExecContext(ctx, `UPDATE endpoints SET gone_count = gone_count + 1,
				disabled = CASE WHEN gone_count + 1 >= $1 THEN 1 ELSE disabled END,
				disabled_why = CASE WHEN gone_count + 1 >= $1 THEN 'the endpoint answered 410 Gone repeatedly' ELSE disabled_why END
				WHERE org_id = $2`, goneLimit, orgID)
			return err
		}
		return nil
	})
}

// Deliveries lists an organisation's recent deliveries, newest first.
func (d *DB) Deliveries(ctx context.Context, orgID string, limit int) ([]notify.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := d.read.QueryContext(ctx, `SELECT id, org_id, type, subject, created_at, status, attempts, last_status, last_error, delivered_at
		FROM deliveries WHERE org_id = $1 ORDER BY created_at DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list deliveries: %w", err)
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		var dl notify.Delivery
		var created int64
		var delivered *int64
		if err := rows.Scan(&dl.ID, &dl.OrgID, &dl.Type, &dl.Subject, &created, &dl.Status, &dl.Attempts, &dl.LastStatus, &dl.LastError, &delivered); err != nil {
			return nil, err
		}
		dl.CreatedAt = fromMS(created)
		if delivered != nil {
			t := fromMS(*delivered)
			dl.DeliveredAt = &t
		}
		out = append(out, dl)
	}
	return out, rows.Err()
}

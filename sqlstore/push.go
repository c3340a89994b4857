package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"strings"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/push"
)

// SavePushSubscription stores a subscription, replacing one of the same
// endpoint (keeping its id).
func (d *DB) SavePushSubscription(ctx context.Context, s *push.Subscription) error {
	return d.inTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM push_subscriptions WHERE endpoint = $1`, s.Endpoint).Scan(&id)
		if err != nil {
			if err := tx.QueryRowContext(ctx, `UPDATE push_counter SET value = value + 1 WHERE id = 1 RETURNING value`).Scan(&id); err != nil {
				return fmt.Errorf("sqlstore: subscription id: %w", err)
			}
			if id >= 1<<32 {
				return vigie.Errorf(vigie.EConflict, "the subscription ids are exhausted")
			}
		}
		s.ID = uint32(id)
		enc := base64.RawURLEncoding.EncodeToString
		_, err = tx.ExecContext(ctx, `INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, cells, lang, token_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET p256dh = $3, auth = $4, cells = $5, lang = $6, token_hash = $7, created_at = $8`,
			id, s.Endpoint, enc(s.P256dh), enc(s.Auth), strings.Join(s.Cells, ","), s.Lang, s.TokenHash, ms(s.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlstore: save subscription: %w", err)
		}
		return nil
	})
}

const pushColumns = `SELECT id, endpoint, p256dh, auth, cells, lang, token_hash, created_at FROM push_subscriptions`

func scanPush(row interface{ Scan(...any) error }) (*push.Subscription, error) {
	var (
		s                  push.Subscription
		id, created        int64
		p256dh, auth, cell string
	)
	if err := row.Scan(&id, &s.Endpoint, &p256dh, &auth, &cell, &s.Lang, &s.TokenHash, &created); err != nil {
		return nil, err
	}
	var err error
	if s.P256dh, err = base64.RawURLEncoding.DecodeString(p256dh); err != nil {
		return nil, fmt.Errorf("sqlstore: subscription %d: %w", id, err)
	}
	if s.Auth, err = base64.RawURLEncoding.DecodeString(auth); err != nil {
		return nil, fmt.Errorf("sqlstore: subscription %d: %w", id, err)
	}
	s.ID, s.Cells, s.CreatedAt = uint32(id), strings.Split(cell, ","), fromMS(created)
	return &s, nil
}

// PushSubscription returns one subscription.
func (d *DB) PushSubscription(ctx context.Context, id uint32) (*push.Subscription, error) {
	s, err := scanPush(d.read.QueryRowContext(ctx, pushColumns+` WHERE id = $1`, int64(id)))
	if err != nil {
		return nil, notFound(err, "subscription")
	}
	return s, nil
}

// PushSubscriptions returns the subscriptions of these ids that still exist.
func (d *DB) PushSubscriptions(ctx context.Context, ids []uint32) ([]*push.Subscription, error) {
	out := make([]*push.Subscription, 0, len(ids))
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		vals := make([]any, len(chunk))
		for i, id := range chunk {
			vals[i] = int64(id)
		}
		var w filter
		w.in("id", vals)
		rows, err := d.read.QueryContext(ctx, pushColumns+w.where(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: subscriptions: %w", err)
		}
		for rows.Next() {
			s, err := scanPush(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeletePushSubscription removes a subscription.
func (d *DB) DeletePushSubscription(ctx context.Context, id uint32) (bool, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE id = $1`, int64(id))
	if err != nil {
		return false, fmt.Errorf("sqlstore: delete subscription: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AllPushSubscriptionCells yields every subscription's cells, in id order.
func (d *DB) AllPushSubscriptionCells(ctx context.Context) iter.Seq2[uint32, []string] {
	return func(yield func(uint32, []string) bool) {
		var after int64 = -1
		for {
			rows, err := d.read.QueryContext(ctx, `SELECT id, cells FROM push_subscriptions WHERE id > $1 ORDER BY id LIMIT 50000`, after)
			if err != nil {
				return
			}
			n := 0
			for rows.Next() {
				var id int64
				var cells string
				if rows.Scan(&id, &cells) != nil {
					break
				}
				n++
				after = id
				if !yield(uint32(id), strings.Split(cells, ",")) {
					rows.Close()
					return
				}
			}
			rows.Close()
			if n == 0 {
				return
			}
		}
	}
}

// DeliveryRecord is one target's delivery of an alert.
type DeliveryRecord struct {
	AlertID, Channel, Target string
	Status                   string // "delivered", "failed", "gone"
	Detail                   string
	SentAt                   time.Time
	DoneAt                   time.Time
}

// RecordDeliveries writes the outcome of a batch of deliveries in one
// transaction; a target already recorded keeps its first outcome.
func (d *DB) RecordDeliveries(ctx context.Context, recs []DeliveryRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return d.inTx(ctx, func(tx *Tx) error {
		for lo := 0; lo < len(recs); lo += 100 {
			chunk := recs[lo:min(lo+100, len(recs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO alert_deliveries (alert_id, channel, target, status, detail, sent_at, done_at) VALUES `)
			args := make([]any, 0, 7*len(chunk))
			for i, r := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				b := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", b+1, b+2, b+3, b+4, b+5, b+6, b+7)
				args = append(args, r.AlertID, r.Channel, r.Target, r.Status, r.Detail, ms(r.SentAt), ms(r.DoneAt))
			}
			q.WriteString(` ON CONFLICT (alert_id, channel, target) DO NOTHING`)
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("sqlstore: record deliveries: %w", err)
			}
		}
		return nil
	})
}

// DeliveredTargets returns which of these targets an alert's channel has
// already reached (or given up on), so that a resumed fan-out skips them.
func (d *DB) DeliveredTargets(ctx context.Context, alertID, channel string, targets []string) (map[string]bool, error) {
	done := map[string]bool{}
	for lo := 0; lo < len(targets); lo += 500 {
		chunk := targets[lo:min(lo+500, len(targets))]
		vals := make([]any, len(chunk))
		for i, t := range chunk {
			vals[i] = t
		}
		var w filter
		w.add("alert_id = ?", alertID)
		w.add("channel = ?", channel)
		w.in("target", vals)
		rows, err := d.read.QueryContext(ctx, `SELECT target FROM alert_deliveries`+w.where(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: delivered targets: %w", err)
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return nil, err
			}
			done[t] = true
		}
		rows.Close()
	}
	return done, nil
}

// DeliveryTimes returns, for one alert and channel, each target's status
// and time of completion, for the delivery report.
func (d *DB) DeliveryTimes(ctx context.Context, alertID string) ([]DeliveryRecord, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT channel, target, status, sent_at, COALESCE(done_at, 0) FROM alert_deliveries WHERE alert_id = $1`, alertID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: delivery times: %w", err)
	}
	defer rows.Close()
	var out []DeliveryRecord
	for rows.Next() {
		r := DeliveryRecord{AlertID: alertID}
		var sent, done int64
		if err := rows.Scan(&r.Channel, &r.Target, &r.Status, &sent, &done); err != nil {
			return nil, err
		}
		r.SentAt, r.DoneAt = fromMS(sent), fromMS(done)
		out = append(out, r)
	}
	return out, rows.Err()
}

// WebhookDeliveries returns the webhook deliveries about one subject, such
// as "alert/ID".
func (d *DB) WebhookDeliveries(ctx context.Context, subject string) ([]DeliveryRecord, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT org_id, status, created_at, COALESCE(delivered_at, 0) FROM deliveries WHERE subject = $1`, subject)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryRecord
	for rows.Next() {
		r := DeliveryRecord{Channel: "webhook"}
		var created, done int64
		if err := rows.Scan(&r.Target, &r.Status, &created, &done); err != nil {
			return nil, err
		}
		r.SentAt = fromMS(created)
		if done > 0 {
			r.DoneAt = fromMS(done)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetServiceArea stores the cells a platform serves; none means everywhere.
func (d *DB) SetServiceArea(ctx context.Context, orgID string, cells []string) error {
	if len(cells) == 0 {
		_, err := d.db.ExecContext(ctx, `DELETE FROM service_areas WHERE org_id = $1`, orgID)
		return err
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO service_areas (org_id, cells, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (org_id) DO UPDATE SET cells = $2, updated_at = $3`, orgID, strings.Join(cells, ","), ms(d.now()))
	return err
}

// ServiceAreas returns every platform's declared cells, by organisation.
func (d *DB) ServiceAreas(ctx context.Context) (map[string][]string, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT org_id, cells FROM service_areas`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: service areas: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, cells string
		if err := rows.Scan(&id, &cells); err != nil {
			return nil, err
		}
		out[id] = strings.Split(cells, ",")
	}
	return out, rows.Err()
}

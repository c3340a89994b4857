package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-project/vigie/websub"
)

// SaveSubscription creates a WebSub subscription or renews it: a second
// verified subscribe of the same callback to the same topic takes the new
// lease and secret and keeps the first id and creation time.
func (d *DB) SaveSubscription(ctx context.Context, s *websub.Subscription) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO websub_subscriptions (id, topic, callback, secret, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, expires_at = excluded.expires_at`,
		s.ID, s.Topic, s.Callback, s.Secret, ms(s.CreatedAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: save subscription: %w", err)
	}
	return nil
}

// DeleteSubscription removes a subscription, if there is one.
func (d *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE topic = $1 AND callback = $2`, topic, callback); err != nil {
		return fmt.Errorf("sqlstore: delete subscription: %w", err)
	}
	return nil
}

const subscriptionColumns = `id, topic, callback, secret, created_at, expires_at`

func scanSubscription(row interface{ Scan(...any) error }) (*websub.Subscription, error) {
	var s websub.Subscription
	var created, expires int64
	if err := row.Scan(&s.ID, &s.Topic, &s.Callback, &s.Secret, &created, &expires); err != nil {
		return nil, err
	}
	s.CreatedAt, s.ExpiresAt = fromMS(created), fromMS(expires)
	return &s, nil
}

// Subscription returns the subscription of callback to topic live at now,
// or nil.
func (d *DB) Subscription(ctx context.Context, topic, callback string, now time.Time) (*websub.Subscription, error) {
	s, err := scanSubscription(d.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM websub_subscriptions
		WHERE topic = $1 AND callback = $2 AND expires_at > $3`, topic, callback, ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read subscription: %w", err)
	}
	return s, nil
}

// Subscriptions returns the subscriptions to topic live at now, oldest
// first.
func (d *DB) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*websub.Subscription, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM websub_subscriptions
		WHERE topic = $1 AND expires_at > $2 ORDER BY created_at, id`, topic, ms(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []*websub.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CountSubscriptions counts the subscriptions live at now.
func (d *DB) CountSubscriptions(ctx context.Context, now time.Time) (int, error) {
	var n int
	if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM websub_subscriptions WHERE expires_at > $1`, ms(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count subscriptions: %w", err)
	}
	return n, nil
}

// PurgeSubscriptions deletes the subscriptions expired at now.
func (d *DB) PurgeSubscriptions(ctx context.Context, now time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE expires_at <= $1`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge subscriptions: %w", err)
	}
	return res.RowsAffected()
}

var _ websub.Store = (*DB)(nil)

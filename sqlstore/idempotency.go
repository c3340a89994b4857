package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// StoredResponse is an HTTP response kept for an idempotency key.
type StoredResponse struct {
	RequestHash string
	Status      int
	ContentType string
	Body        string
}

// SavedResponse returns the response stored for an organisation's
// idempotency key, or nil.
func (d *DB) SavedResponse(ctx context.Context, orgID, key string) (*StoredResponse, error) {
	var r StoredResponse
	err := d.read.QueryRowContext(ctx, `SELECT request_hash, status, content_type, body FROM idempotency WHERE org_id = $1 AND key = $2`, orgID, key).
		Scan(&r.RequestHash, &r.Status, &r.ContentType, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read idempotent response: %w", err)
	}
	return &r, nil
}

// SaveResponse stores a response for replay; the first one stored wins.
func (d *DB) SaveResponse(ctx context.Context, orgID, key string, r StoredResponse) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO idempotency (org_id, key, request_hash, status, content_type, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, key) DO NOTHING`,
		orgID, key, r.RequestHash, r.Status, r.ContentType, r.Body, ms(d.now()))
	if err != nil {
		return fmt.Errorf("sqlstore: save idempotent response: %w", err)
	}
	return nil
}

// ForgetResponses deletes stored responses older than before.
func (d *DB) ForgetResponses(ctx context.Context, before time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < $1`, ms(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

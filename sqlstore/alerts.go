package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/alert"
	"github.com/vigie-project/vigie/jobs"
)

// CreateAlert stores a new alert message with its consequences. With an
// idempotency key the authority used before, it stores nothing and returns
// the earlier message.
func (d *DB) CreateAlert(ctx context.Context, a *alert.Alert, idemKey, digest string, c alert.Change) (*alert.Alert, string, error) {
	if idemKey != "" {
		if prior, priorDigest, err := d.alertByIdemKey(ctx, a.AuthorityID, idemKey); err == nil {
			return prior, priorDigest, nil
		} else if vigie.ErrorCode(err) != vigie.ENotFound {
			return nil, "", err
		}
	}
	body, err := json.Marshal(a)
	if err != nil {
		return nil, "", err
	}
	var idem any
	if idemKey != "" {
		idem = idemKey
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (id, authority_id, identifier, chain_id, state, status, msg_type, version,
			created_at, published_at, expires_at, idem_key, req_digest, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			a.ID, a.AuthorityID, a.Identifier, a.ChainID, a.State, a.Status, a.MsgType, a.Version,
			ms(a.CreatedAt), nullMS(a.PublishedAt), ms(a.Expires), idem, digest, string(body)); err != nil {
			return err
		}
		return tx.commitAlertChange(ctx, c)
	})
	if isUnique(err) {
		if idemKey != "" { // a concurrent request with the same key won the race
			if prior, priorDigest, err := d.alertByIdemKey(ctx, a.AuthorityID, idemKey); err == nil {
				return prior, priorDigest, nil
			}
		}
		// The identifier derives from a fresh id, so the index that can
		// refuse is the one pending message per chain.
		return nil, "", vigie.Errorf(vigie.EConflict, "another message of this alert awaits approval: approve or reject it first")
	}
	if err != nil {
		if vigie.AsError(err) != nil {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("sqlstore: create alert: %w", err)
	}
	return nil, "", nil
}

func (d *DB) alertByIdemKey(ctx context.Context, authorityID, key string) (*alert.Alert, string, error) {
	var body, digest string
	err := d.read.QueryRowContext(ctx, `SELECT body, req_digest FROM alerts WHERE authority_id = $1 AND idem_key = $2`, authorityID, key).Scan(&body, &digest)
	if err != nil {
		return nil, "", notFound(err, "alert")
	}
	a, err := decodeAlert(body)
	return a, digest, err
}

func decodeAlert(body string) (*alert.Alert, error) {
	var a alert.Alert
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return nil, fmt.Errorf("sqlstore: decode alert: %w", err)
	}
	return &a, nil
}

// GetAlert returns an alert message by id.
func (d *DB) GetAlert(ctx context.Context, id string) (*alert.Alert, error) {
	var body string
	if err := d.read.QueryRowContext(ctx, `SELECT body FROM alerts WHERE id = $1`, id).Scan(&body); err != nil {
		return nil, notFound(err, "alert")
	}
	return decodeAlert(body)
}

// ListAlerts returns alert messages, newest first.
func (d *DB) ListAlerts(ctx context.Context, f alert.Filter) ([]*alert.Alert, error) {
	var w filter
	if f.AuthorityID != "" {
		w.add("authority_id = ?", f.AuthorityID)
	}
	if f.ChainID != "" {
		w.add("chain_id = ?", f.ChainID)
	}
	if len(f.States) > 0 {
		vals := make([]any, len(f.States))
		for i, s := range f.States {
			vals[i] = s
		}
		w.in("state", vals)
	}
	if len(f.Statuses) > 0 {
		vals := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			vals[i] = s
		}
		w.in("status", vals)
	}
	if !f.ExpiresAfter.IsZero() {
		w.add("expires_at > ?", ms(f.ExpiresAfter))
	}
	if !f.ExpiresBy.IsZero() {
		w.add("expires_at <= ?", ms(f.ExpiresBy))
	}
	q := `SELECT body FROM alerts` + w.where() + " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += w.limit(f.Limit)
	}
	rows, err := d.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list alerts: %w", err)
	}
	defer rows.Close()
	var out []*alert.Alert
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		a, err := decodeAlert(body)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAlerts commits a change to existing alert messages, all or nothing.
func (d *DB) SaveAlerts(ctx context.Context, c alert.Change) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.commitAlertChange(ctx, c) })
}

// commitAlertChange saves the changed messages (each only at its expected
// version), queues the webhooks and the fan-out job, and appends the audit
// entry.
func (tx *Tx) commitAlertChange(ctx context.Context, c alert.Change) error {
	for _, s := range c.Saves {
		a := s.Alert
		body, err := json.Marshal(a)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET state = $1, version = $2, published_at = $3, body = $4 WHERE id = $5 AND version = $6`,
			a.State, a.Version, nullMS(a.PublishedAt), string(body), a.ID, s.PrevVersion)
		if err != nil {
			return fmt.Errorf("sqlstore: save alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return vigie.Errorf(vigie.EConflict, "the alert changed meanwhile; try again")
		}
	}
	for _, n := range c.Notices {
		if err := tx.queueWebhook(ctx, n.OrgID, n.Type, "alert/"+n.AlertID, n.Data); err != nil {
			return err
		}
	}
	if f := c.Fanout; f != nil {
		j, err := jobs.New(alert.JobFanout, f, f.At)
		if err != nil {
			return err
		}
		if err := tx.enqueue(ctx, j); err != nil {
			return err
		}
	}
	// Last: on PostgreSQL the audit head stays locked until commit.
	return tx.appendAudit(ctx, c.Audit)
}

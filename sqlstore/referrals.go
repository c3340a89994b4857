package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/jobs"
	"github.com/vigie-project/vigie/referral"
)

// CreateReferral stores a new referral with its consequences. With an
// idempotency key the authority used before, it stores nothing and returns
// the earlier referral.
func (d *DB) CreateReferral(ctx context.Context, r *referral.Referral, idemKey, digest string, c referral.Change) (*referral.Referral, string, error) {
	if idemKey != "" {
		if prior, priorDigest, err := d.referralByIdemKey(ctx, r.AuthorityID, idemKey); err == nil {
			return prior, priorDigest, nil
		} else if vigie.ErrorCode(err) != vigie.ENotFound {
			return nil, "", err
		}
	}
	body, err := encodeReferral(r)
	if err != nil {
		return nil, "", err
	}
	var idem any
	if idemKey != "" {
		idem = idemKey
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO referrals (id, authority_id, platform_id, kind, state, version, reference, issued_at, deadline, idem_key, req_digest, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.ID, r.AuthorityID, r.PlatformID, r.Kind, r.State, r.Version, r.Reference, ms(r.IssuedAt), nullMS(r.Deadline), idem, digest, body); err != nil {
			return err
		}
		return tx.commitChange(ctx, c)
	})
	if isUnique(err) {
		if idemKey != "" { // a concurrent request with the same key won the race
			if prior, priorDigest, err := d.referralByIdemKey(ctx, r.AuthorityID, idemKey); err == nil {
				return prior, priorDigest, nil
			}
		}
		return nil, "", &vigie.Error{Code: vigie.EConflict, Field: "reference", Message: "you already issued a referral with this reference number"}
	}
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: create referral: %w", err)
	}
	return nil, "", nil
}

func (d *DB) referralByIdemKey(ctx context.Context, authorityID, key string) (*referral.Referral, string, error) {
	var body, digest string
	err := d.read.QueryRowContext(ctx, `SELECT body, req_digest FROM referrals WHERE authority_id = $1 AND idem_key = $2`, authorityID, key).Scan(&body, &digest)
	if err != nil {
		return nil, "", notFound(err, "referral")
	}
	r, err := decodeReferral(body)
	return r, digest, err
}

func decodeReferral(body string) (*referral.Referral, error) {
	var r struct {
		referral.Referral
		Epoch int `json:"epoch"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("sqlstore: decode referral: %w", err)
	}
	r.Referral.Epoch = r.Epoch
	return &r.Referral, nil
}

// encodeReferral keeps the clock epoch, which the public JSON hides.
func encodeReferral(r *referral.Referral) (string, error) {
	b, err := json.Marshal(struct {
		*referral.Referral
		Epoch int `json:"epoch"`
	}{r, r.Epoch})
	return string(b), err
}

// GetReferral returns a referral by id.
func (d *DB) GetReferral(ctx context.Context, id string) (*referral.Referral, error) {
	var body string
	if err := d.read.QueryRowContext(ctx, `SELECT body FROM referrals WHERE id = $1`, id).Scan(&body); err != nil {
		return nil, notFound(err, "referral")
	}
	return decodeReferral(body)
}

// ListReferrals returns referrals, newest first.
func (d *DB) ListReferrals(ctx context.Context, f referral.Filter) ([]*referral.Referral, error) {
	var w filter
	if f.AuthorityID != "" {
		w.add("authority_id = ?", f.AuthorityID)
	}
	if f.PlatformID != "" {
		w.add("platform_id = ?", f.PlatformID)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if !f.IssuedFrom.IsZero() {
		w.add("issued_at >= ?", ms(f.IssuedFrom))
	}
	if !f.IssuedTo.IsZero() {
		w.add("issued_at < ?", ms(f.IssuedTo))
	}
	if len(f.States) > 0 {
		states := make([]any, len(f.States))
		for i, st := range f.States {
			states[i] = st
		}
		w.in("state", states)
	}
	q := `SELECT body FROM referrals` + w.where() + " ORDER BY issued_at DESC, id"
	if f.Limit > 0 {
		q += w.limit(f.Limit)
	}
	args := w.args
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list referrals: %w", err)
	}
	defer rows.Close()
	var out []*referral.Referral
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		r, err := decodeReferral(body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateReferral saves r if nobody changed it since prevVersion.
func (d *DB) UpdateReferral(ctx context.Context, r *referral.Referral, prevVersion int, c referral.Change) error {
	body, err := encodeReferral(r)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE referrals SET state = $1, version = $2, deadline = $3, body = $4 WHERE id = $5 AND version = $6`,
			r.State, r.Version, nullMS(r.Deadline), body, r.ID, prevVersion)
		if err != nil {
			return fmt.Errorf("sqlstore: update referral: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return vigie.Errorf(vigie.EConflict, "the referral changed meanwhile; try again")
		}
		return tx.commitChange(ctx, c)
	})
}

// commitChange writes the webhook deliveries, the timers, the preservation
// record and the audit entry of a change.
func (tx *Tx) commitChange(ctx context.Context, c referral.Change) error {
	for _, n := range c.Notices {
		if err := tx.queueWebhook(ctx, n.OrgID, n.Type, "referral/"+n.Referral.ID, n.Referral); err != nil {
			return err
		}
	}
	for _, t := range c.Timers {
		j, err := jobs.New(referral.JobDeadline, t, t.At)
		if err != nil {
			return err
		}
		if err := tx.enqueue(ctx, j); err != nil {
			return err
		}
	}
	if p := c.Preservation; p != nil {
		body, _ := json.Marshal(p)
		if _, err := tx.ExecContext(ctx, `INSERT INTO preservations (referral_id, expires_at, hold_until, body) VALUES ($1, $2, NULL, $3)
			ON CONFLICT (referral_id) DO UPDATE SET expires_at = $2, body = $3`, p.ReferralID, ms(p.ExpiresAt), string(body)); err != nil {
			return fmt.Errorf("sqlstore: preserve: %w", err)
		}
	}
	// Last: on PostgreSQL the audit head stays locked until commit, and
	// every writer waits for it.
	return tx.appendAudit(ctx, c.Audit)
}

func scanPreservation(row interface{ Scan(...any) error }) (*referral.Preservation, error) {
	var body string
	if err := row.Scan(&body); err != nil {
		return nil, notFound(err, "preservation record")
	}
	var p referral.Preservation
	return &p, json.Unmarshal([]byte(body), &p)
}

// GetPreservation returns the preservation record of a referral.
func (d *DB) GetPreservation(ctx context.Context, referralID string) (*referral.Preservation, error) {
	return scanPreservation(d.read.QueryRowContext(ctx, `SELECT body FROM preservations WHERE referral_id = $1`, referralID))
}

// HoldPreservation keeps a record until at least until.
func (d *DB) HoldPreservation(ctx context.Context, referralID string, until time.Time, reason string, a audit.Record) error {
	return d.inTx(ctx, func(tx *Tx) error {
		p, err := scanPreservation(tx.QueryRowContext(ctx, `SELECT body FROM preservations WHERE referral_id = $1`, referralID))
		if err != nil {
			return err
		}
		p.HoldUntil, p.HoldReason = &until, reason
		body, _ := json.Marshal(p)
		if _, err := tx.ExecContext(ctx, `UPDATE preservations SET hold_until = $1, body = $2 WHERE referral_id = $3`, ms(until), string(body), referralID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, a)
	})
}

// PurgePreservations deletes expired, unheld records, auditing each.
func (d *DB) PurgePreservations(ctx context.Context, now time.Time) (int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT body FROM preservations WHERE expires_at <= $1 AND (hold_until IS NULL OR hold_until <= $1) LIMIT 500`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: find expired preservations: %w", err)
	}
	var expired []*referral.Preservation
	for rows.Next() {
		p, err := scanPreservation(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		expired = append(expired, p)
	}
	rows.Close()
	n := 0
	for _, p := range expired {
		err := d.inTx(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM preservations WHERE referral_id = $1 AND expires_at <= $2 AND (hold_until IS NULL OR hold_until <= $2)`, p.ReferralID, ms(now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // held or purged meanwhile
			}
			n++
			return tx.appendAudit(ctx, audit.Record{OrgID: p.AuthorityID, Actor: "system", Action: "preservation.purged",
				Subject: "referral/" + p.ReferralID, Data: map[string]any{"preserved_at": p.PreservedAt, "expires_at": p.ExpiresAt,
					"urls": len(p.URLs), "hashes": len(p.Hashes)}})
		})
		if err != nil {
			return n, fmt.Errorf("sqlstore: purge preservation %s: %w", p.ReferralID, err)
		}
	}
	return n, nil
}

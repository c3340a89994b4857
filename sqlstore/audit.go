package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/vigie-project/vigie/audit"
)

// appendAudit adds an entry to the chain inside tx. The UPDATE of the one
// head row serialises appenders on PostgreSQL (the row stays locked until
// commit), so sequence numbers have no gaps and each entry links to the one
// committed before it.
func (tx *Tx) appendAudit(ctx context.Context, rec audit.Record) error {
	data, err := json.Marshal(rec.Data)
	if err != nil {
		return fmt.Errorf("sqlstore: audit data: %w", err)
	}
	e := audit.Entry{At: fromMS(ms(tx.d.now())), OrgID: rec.OrgID, Actor: rec.Actor, Action: rec.Action, Subject: rec.Subject, Data: data}
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	e.Seal()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, org_id, actor, action, subject, data, data_hash, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, ms(e.At), e.OrgID, e.Actor, e.Action, e.Subject, string(e.Data), e.DataHash, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("sqlstore: append audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	return nil
}

// Audit appends one entry in a transaction of its own.
func (d *DB) Audit(ctx context.Context, rec audit.Record) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, rec) })
}

const auditColumns = `seq, at, org_id, actor, action, subject, data, data_hash, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	var data string
	err := row.Scan(&e.Seq, &at, &e.OrgID, &e.Actor, &e.Action, &e.Subject, &data, &e.DataHash, &e.PrevHash, &e.Hash)
	e.At, e.Data = fromMS(at), json.RawMessage(data)
	return e, err
}

// EachAuditEntry calls fn for every entry from fromSeq on, in order, reading
// in pages so that a long chain never sits in memory at once.
func (d *DB) EachAuditEntry(ctx context.Context, fromSeq int64, fn func(audit.Entry) error) error {
	const page = 1000
	for {
		batch, err := d.AuditChain(ctx, fromSeq-1, page)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		fromSeq = batch[len(batch)-1].Seq + 1
	}
}

// AuditEntries lists entries, newest first.
func (d *DB) AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var w filter
	if f.Subject != "" {
		w.add("subject = ?", f.Subject)
	}
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", ms(f.Since))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log` + w.where() + " ORDER BY seq DESC"
	q += w.limit(f.Limit)
	args := w.args
	return d.queryAudit(ctx, q, args...)
}

// AuditChain returns up to limit entries after afterSeq, in order.
func (d *DB) AuditChain(ctx context.Context, afterSeq int64, limit int) ([]audit.Entry, error) {
	return d.queryAudit(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
}

// queryAudit runs a query that selects auditColumns.
func (d *DB) queryAudit(ctx context.Context, q string, args ...any) ([]audit.Entry, error) {
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

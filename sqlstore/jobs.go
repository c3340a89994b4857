package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigie-project/vigie/jobs"
)

// enqueue adds jobs inside tx; the runner is woken after commit.
func (tx *Tx) enqueue(ctx context.Context, js ...jobs.Job) error {
	now := ms(tx.d.now())
	for _, j := range js {
		if j.ID == "" {
			j.ID = tx.d.newID()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, run_at, state, created_at) VALUES ($1, $2, $3, $4, 'ready', $5)`,
			j.ID, j.Kind, string(j.Payload), ms(j.RunAt), now); err != nil {
			return fmt.Errorf("sqlstore: enqueue %s: %w", j.Kind, err)
		}
	}
	tx.enqueued = tx.enqueued || len(js) > 0
	return nil
}

// Enqueue adds jobs in a transaction of their own.
func (d *DB) Enqueue(ctx context.Context, js ...jobs.Job) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.enqueue(ctx, js...) })
}

// Claim leases up to n due jobs: ready ones whose time has come, and
// running ones whose lease expired (their runner died). A claimed job's
// run_at becomes its lease expiry, so both kinds are one index range.
func (d *DB) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Job, error) {
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	until := ms(now.Add(lease))
	rows, err := d.db.QueryContext(ctx, `UPDATE jobs SET state = 'running', run_at = $1, locked_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE state <> 'dead' AND run_at <= $2 ORDER BY run_at LIMIT $3`+lock+`)
		RETURNING id, kind, payload, attempts`, until, ms(now), n)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim jobs: %w", err)
	}
	defer rows.Close()
	var out []jobs.Job
	for rows.Next() {
		var j jobs.Job
		var payload string
		if err := rows.Scan(&j.ID, &j.Kind, &payload, &j.Attempts); err != nil {
			return nil, err
		}
		j.Payload = json.RawMessage(payload)
		out = append(out, j)
	}
	return out, rows.Err()
}

// Complete removes a finished job.
func (d *DB) Complete(ctx context.Context, id string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1`, id)
	return err
}

// Retry makes a job due again at runAt.
func (d *DB) Retry(ctx context.Context, id string, runAt time.Time, lastErr string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE jobs SET state = 'ready', run_at = $1, last_error = $2 WHERE id = $3`, ms(runAt), lastErr, id)
	return err
}

// Bury keeps a failed job without running it again.
func (d *DB) Bury(ctx context.Context, id string, lastErr string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE jobs SET state = 'dead', last_error = $1 WHERE id = $2`, lastErr, id)
	return err
}

// NextRunAt is when the next job falls due: a waiting job's time or a
// lease's expiry.
func (d *DB) NextRunAt(ctx context.Context) (time.Time, bool, error) {
	var v sql.NullInt64
	if err := d.read.QueryRowContext(ctx, `SELECT MIN(run_at) FROM jobs WHERE state <> 'dead'`).Scan(&v); err != nil {
		return time.Time{}, false, err
	}
	return fromMS(v.Int64), v.Valid, nil
}

// ReleaseOrphans makes every running job ready again. Only for a database
// that one process uses (SQLite): after a crash, its jobs need not wait for
// their leases to expire.
func (d *DB) ReleaseOrphans(ctx context.Context) (int64, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE jobs SET state = 'ready', run_at = $1 WHERE state = 'running'`, ms(d.now()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// JobCounts returns the number of jobs per state, for metrics.
func (d *DB) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

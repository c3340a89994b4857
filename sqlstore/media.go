package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/audit"
	"github.com/vigie-project/vigie/media"
)

// next reserves n numbers of a media counter and returns the first.
func (tx *Tx) next(ctx context.Context, name string, n int64) (int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `UPDATE media_counters SET value = value + $1 WHERE name = $2 RETURNING value`, n, name).Scan(&last); err != nil {
		return 0, fmt.Errorf("sqlstore: counter %s: %w", name, err)
	}
	return last - n + 1, nil
}

// CreateBank stores a new bank.
func (d *DB) CreateBank(ctx context.Context, b *media.Bank, a audit.Record) error {
	return d.inTx(ctx, func(tx *Tx) error {
		slot, err := tx.next(ctx, "slot", 1)
		if err != nil {
			return err
		}
		if slot >= 1<<16 {
			return vigie.Errorf(vigie.EConflict, "this instance holds the maximum of 65,535 banks")
		}
		b.ID, b.Slot = "bank_"+d.newID(), int(slot)
		body, _ := json.Marshal(b)
		if _, err := tx.ExecContext(ctx, `INSERT INTO banks (id, name, slot, owner_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			b.ID, b.Name, b.Slot, b.OwnerID, string(body), ms(b.CreatedAt)); err != nil {
			if isUnique(err) {
				return vigie.Errorf(vigie.EConflict, "a bank named %s already exists", b.Name)
			}
			return fmt.Errorf("sqlstore: create bank: %w", err)
		}
		return tx.appendAudit(ctx, a)
	})
}

// UpdateBank saves a bank's settings.
func (d *DB) UpdateBank(ctx context.Context, b *media.Bank, a audit.Record) error {
	return d.inTx(ctx, func(tx *Tx) error {
		body, _ := json.Marshal(b)
		if _, err := tx.ExecContext(ctx, `UPDATE banks SET body = $1 WHERE id = $2`, string(body), b.ID); err != nil {
			return fmt.Errorf("sqlstore: update bank: %w", err)
		}
		return tx.appendAudit(ctx, a)
	})
}

const bankColumns = `SELECT id, slot, active, body FROM banks`

func scanBank(row interface{ Scan(...any) error }) (*media.Bank, error) {
	var (
		b    media.Bank
		id   string
		slot int
		n    int
		body string
	)
	if err := row.Scan(&id, &slot, &n, &body); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return nil, fmt.Errorf("sqlstore: decode bank %s: %w", id, err)
	}
	b.ID, b.Slot, b.Signals = id, slot, n
	return &b, nil
}

// BankByName returns one bank.
func (d *DB) BankByName(ctx context.Context, name string) (*media.Bank, error) {
	b, err := scanBank(d.read.QueryRowContext(ctx, bankColumns+` WHERE name = $1`, name))
	if err != nil {
		return nil, notFound(err, "bank")
	}
	return b, nil
}

// Banks returns every bank, by name.
func (d *DB) Banks(ctx context.Context) ([]*media.Bank, error) {
	rows, err := d.read.QueryContext(ctx, bankColumns+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: banks: %w", err)
	}
	defer rows.Close()
	var out []*media.Bank
	for rows.Next() {
		b, err := scanBank(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func valueKey(v string) string {
	if len(v) <= 64 {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// AddSignals stores the new signals of a contribution in one transaction.
func (d *DB) AddSignals(ctx context.Context, sigs []*media.Signal, c media.Change) ([]*media.Signal, error) {
	var added []*media.Signal
	err := d.inTx(ctx, func(tx *Tx) error {
		added = added[:0]
		n := int64(len(sigs))
		firstID, err := tx.next(ctx, "signal", n)
		if err != nil {
			return err
		}
		firstSeq, err := tx.next(ctx, "seq", n)
		if err != nil {
			return err
		}
		// Rows go in by hundreds: one statement per row costs most of
		// the time of a large import. RETURNING names the rows that were
		// new; the others were duplicates (ON CONFLICT DO NOTHING).
		const perStatement = 100
		perBank := map[string]int64{}
		for lo := 0; lo < len(sigs); lo += perStatement {
			chunk := sigs[lo:min(lo+perStatement, len(sigs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO signals (id, bank_id, signal_type, value_key, value, quality, labels, contributor_id, source,
				state, state_reason, confirmed, agree, disagree, created_at, updated_at, seq) VALUES `)
			args := make([]any, 0, len(chunk)*12)
			byID := make(map[int64]*media.Signal, len(chunk))
			for i, s := range chunk {
				labels, _ := json.Marshal(s.Labels)
				id, seq := firstID+int64(lo+i), firstSeq+int64(lo+i)
				if i > 0 {
					q.WriteString(", ")
				}
				b := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, '', 0, 0, 0, $%d, $%d, $%d)",
					b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8, b+9, b+10, b+11, b+11, b+12)
				args = append(args, id, s.BankID, string(s.Type), valueKey(s.Value), s.Value, s.Quality, string(labels),
					s.ContributorID, s.Source, string(s.State), ms(s.CreatedAt), seq)
				cp := *s
				cp.ID, cp.Seq = id, seq
				byID[id] = &cp
			}
			q.WriteString(` ON CONFLICT (bank_id, signal_type, value_key) DO NOTHING RETURNING id`)
			rows, err := tx.QueryContext(ctx, q.String(), args...)
			if err != nil {
				return fmt.Errorf("sqlstore: add signals: %w", err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: add signals: %w", err)
			}
			slices.Sort(ids)
			for _, id := range ids {
				s := byID[id]
				added = append(added, s)
				if s.State == media.Active {
					perBank[s.BankID]++
				}
			}
		}
		for bank, k := range perBank {
			if _, err := tx.ExecContext(ctx, `UPDATE banks SET active = active + $1 WHERE id = $2`, k, bank); err != nil {
				return fmt.Errorf("sqlstore: count signals: %w", err)
			}
		}
		if err := tx.queueMediaNotices(ctx, c.Notices); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c.Audit)
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

func (tx *Tx) queueMediaNotices(ctx context.Context, ns []media.Notice) error {
	for _, n := range ns {
		if err := tx.queueWebhook(ctx, n.OrgID, n.Type, n.Subject, n.Data); err != nil {
			return err
		}
	}
	return nil
}

const signalColumns = `SELECT s.id, s.bank_id, b.name, s.signal_type, s.value, s.quality, s.labels, s.contributor_id, s.source,
	s.state, s.state_reason, s.confirmed, s.agree, s.disagree, s.created_at, s.updated_at, s.seq
	FROM signals s JOIN banks b ON b.id = s.bank_id`

func scanSignal(row interface{ Scan(...any) error }) (*media.Signal, error) {
	var (
		s                  media.Signal
		typ, state, labels string
		confirmed          int
		created, updated   int64
	)
	if err := row.Scan(&s.ID, &s.BankID, &s.Bank, &typ, &s.Value, &s.Quality, &labels, &s.ContributorID, &s.Source,
		&state, &s.StateReason, &confirmed, &s.Agree, &s.Disagree, &created, &updated, &s.Seq); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &s.Labels); err != nil {
		return nil, fmt.Errorf("sqlstore: decode labels of signal %d: %w", s.ID, err)
	}
	s.Type, s.State, s.Confirmed = media.SignalType(typ), media.SignalState(state), confirmed != 0
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	return &s, nil
}

func (d *DB) signals(ctx context.Context, q *sql.DB, query string, args ...any) ([]*media.Signal, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: signals: %w", err)
	}
	defer rows.Close()
	var out []*media.Signal
	for rows.Next() {
		s, err := scanSignal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Signal returns one signal.
func (d *DB) Signal(ctx context.Context, id int64) (*media.Signal, error) {
	s, err := scanSignal(d.read.QueryRowContext(ctx, signalColumns+` WHERE s.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "signal")
	}
	return s, nil
}

// IndexEntries returns the fields of the signals changed after a sequence
// number that the matching index needs, in sequence order: the start-up load
// of millions of hashes reads nothing else.
func (d *DB) IndexEntries(ctx context.Context, after int64, limit int) ([]media.IndexEntry, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT id, bank_id, signal_type, value, state, seq FROM signals WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: index entries: %w", err)
	}
	defer rows.Close()
	out := make([]media.IndexEntry, 0, limit)
	for rows.Next() {
		var e media.IndexEntry
		var typ, state string
		if err := rows.Scan(&e.ID, &e.BankID, &typ, &e.Value, &state, &e.Seq); err != nil {
			return nil, err
		}
		e.Type, e.State = media.SignalType(typ), media.SignalState(state)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SignalByValue finds a bank's signal by type and value.
func (d *DB) SignalByValue(ctx context.Context, bankID string, t media.SignalType, value string) (*media.Signal, error) {
	s, err := scanSignal(d.read.QueryRowContext(ctx, signalColumns+` WHERE s.bank_id = $1 AND s.signal_type = $2 AND s.value_key = $3`,
		bankID, string(t), valueKey(value)))
	if err != nil {
		return nil, notFound(err, "signal")
	}
	return s, nil
}

// UpdateSignal saves a signal's state, with a new sequence number so the
// change feed carries it.
func (d *DB) UpdateSignal(ctx context.Context, s *media.Signal, c media.Change) error {
	return d.inTx(ctx, func(tx *Tx) error {
		var before string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM signals WHERE id = $1`, s.ID).Scan(&before); err != nil {
			return notFound(err, "signal")
		}
		seq, err := tx.next(ctx, "seq", 1)
		if err != nil {
			return err
		}
		confirmed := 0
		if s.Confirmed {
			confirmed = 1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signals SET state = $1, state_reason = $2, confirmed = $3, updated_at = $4, seq = $5 WHERE id = $6`,
			string(s.State), s.StateReason, confirmed, ms(s.UpdatedAt), seq, s.ID); err != nil {
			return fmt.Errorf("sqlstore: update signal: %w", err)
		}
		s.Seq = seq
		if delta := activeDelta(media.SignalState(before), s.State); delta != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE banks SET active = active + $1 WHERE id = $2`, delta, s.BankID); err != nil {
				return fmt.Errorf("sqlstore: count signals: %w", err)
			}
		}
		if err := tx.queueMediaNotices(ctx, c.Notices); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c.Audit)
	})
}

func activeDelta(before, after media.SignalState) int {
	switch {
	case before != media.Active && after == media.Active:
		return 1
	case before == media.Active && after != media.Active:
		return -1
	}
	return 0
}

// SetOpinion records an organisation's opinion of a signal and recounts.
func (d *DB) SetOpinion(ctx context.Context, id int64, orgID string, op media.Opinion, at time.Time, a audit.Record) (*media.Signal, error) {
	err := d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO signal_opinions (signal_id, org_id, opinion, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (signal_id, org_id) DO UPDATE SET opinion = $3, at = $4`, id, orgID, string(op), ms(at)); err != nil {
			return fmt.Errorf("sqlstore: opinion: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE signals SET
			agree = (SELECT COUNT(*) FROM signal_opinions WHERE signal_id = $1 AND opinion = 'agree'),
			disagree = (SELECT COUNT(*) FROM signal_opinions WHERE signal_id = $1 AND opinion = 'disagree')
			WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("sqlstore: count opinions: %w", err)
		}
		return tx.appendAudit(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return scanSignal(d.db.QueryRowContext(ctx, signalColumns+` WHERE s.id = $1`, id))
}

// SignalsAfter returns the signals changed after a sequence number.
func (d *DB) SignalsAfter(ctx context.Context, bankID string, after int64, limit int) ([]*media.Signal, error) {
	if bankID == "" {
		return d.signals(ctx, d.read, signalColumns+` WHERE s.seq > $1 ORDER BY s.seq LIMIT $2`, after, limit)
	}
	return d.signals(ctx, d.read, signalColumns+` WHERE s.bank_id = $1 AND s.seq > $2 ORDER BY s.seq LIMIT $3`, bankID, after, limit)
}

// ListSignals returns a bank's signals, newest first.
func (d *DB) ListSignals(ctx context.Context, f media.SignalFilter) ([]*media.Signal, error) {
	var w filter
	w.add("s.bank_id = ?", f.BankID)
	if f.State != "" {
		w.add("s.state = ?", string(f.State))
	}
	if f.Disputed {
		w.add("s.disagree > 0")
	}
	q := signalColumns + w.where() + ` ORDER BY s.id DESC` + w.limit(max(f.Limit, 1))
	return d.signals(ctx, d.read, q, w.args...)
}

// AddMatchCounts adds to the hourly match counts.
func (d *DB) AddMatchCounts(ctx context.Context, counts []media.MatchCount) error {
	return d.inTx(ctx, func(tx *Tx) error {
		for _, c := range counts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO match_counts (bank_id, hour, count) VALUES ($1, $2, $3)
				ON CONFLICT (bank_id, hour) DO UPDATE SET count = match_counts.count + $3`, c.BankID, ms(c.Hour), c.Count); err != nil {
				return fmt.Errorf("sqlstore: match counts: %w", err)
			}
		}
		return nil
	})
}

// MatchCounts returns a bank's hourly match counts since from.
func (d *DB) MatchCounts(ctx context.Context, bankID string, from time.Time) ([]media.MatchCount, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT hour, count FROM match_counts WHERE bank_id = $1 AND hour >= $2 ORDER BY hour`, bankID, ms(from))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: match counts: %w", err)
	}
	defer rows.Close()
	out := []media.MatchCount{}
	for rows.Next() {
		var h int64
		c := media.MatchCount{BankID: bankID}
		if err := rows.Scan(&h, &c.Count); err != nil {
			return nil, err
		}
		c.Hour = fromMS(h)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Growth counts a bank's signals by day of contribution since from.
func (d *DB) Growth(ctx context.Context, bankID string, from time.Time) ([]media.DayCount, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT created_at / 86400000 AS day, COUNT(*) FROM signals
		WHERE bank_id = $1 AND created_at >= $2 GROUP BY created_at / 86400000 ORDER BY 1`, bankID, ms(from))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: growth: %w", err)
	}
	defer rows.Close()
	out := []media.DayCount{}
	for rows.Next() {
		var day int64
		var c media.DayCount
		if err := rows.Scan(&day, &c.Count); err != nil {
			return nil, err
		}
		c.Day = time.UnixMilli(day * 86400000).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

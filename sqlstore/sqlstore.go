// Package sqlstore is Vigie's storage on SQLite (modernc.org/sqlite, pure Go,
// the embedded default) and PostgreSQL (pgx), with one set of portable SQL:
// "$N" placeholders, times as Unix milliseconds, JSON as text. Where the
// engines differ (row locking for job claims) a dialect switch says so.
//
// SQLite runs in WAL mode with synchronous=FULL, so a transaction that
// returned is on disk. Writes go through a single connection: SQLite has one
// writer anyway, and one connection never waits in SQLite's busy handler
// (whose sleeps would dominate tail latency); Go's pool queues callers
// instead. Reads that need no transaction use a separate pool of read-only
// connections, which WAL lets run beside the writer, so they never queue
// behind a commit's fsync.
//
// Every state change commits, in the same transaction, its audit entry, the
// webhook deliveries it causes and its timers: see Tx.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/vigie-project/vigie"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is the database engine.
type Dialect string

// The engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. Its methods implement the stores the domain packages
// declare.
type DB struct {
	db      *sql.DB // writes and transactions
	read    *sql.DB // reads outside transactions; db itself on PostgreSQL
	dialect Dialect
	now     func() time.Time
	newID   func() string
	// onEnqueue is called after a commit that enqueued jobs, to wake the runner.
	onEnqueue func()
}

// Open connects to dsn and applies the migrations. A dsn starting with
// postgres:// or postgresql:// is PostgreSQL; anything else is the path of a
// SQLite file (its folder is created).
func Open(ctx context.Context, dsn string, now func() time.Time, newID func() string) (*DB, error) {
	d := &DB{now: now, newID: newID, onEnqueue: func() {}}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", dsn)
		if err == nil {
			d.db.SetMaxOpenConns(20)
			d.db.SetMaxIdleConns(20)
		}
	} else {
		d.dialect = SQLite
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("sqlstore: create data folder: %w", err)
			}
		}
		d.db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
		if err == nil {
			d.db.SetMaxOpenConns(1)
			d.db.SetConnMaxIdleTime(0)
			d.db.SetConnMaxLifetime(0)
		}
	}
	d.read = d.db
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", d.dialect, err)
	}
	if err := d.migrate(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	if d.dialect == Postgres {
		d.warm(ctx)
	}
	if d.dialect == SQLite {
		// Opened after the migrations, which set WAL mode for the file.
		d.read, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		if err != nil {
			d.db.Close()
			return nil, fmt.Errorf("sqlstore: open readers: %w", err)
		}
		d.read.SetMaxOpenConns(4)
		d.read.SetMaxIdleConns(4)
	}
	return d, nil
}

// warm opens the PostgreSQL pool's connections at start: otherwise the
// first burst of work after a restart (an alert to every platform) waits
// for them one by one, about 300 ms.
func (d *DB) warm(ctx context.Context) {
	var wg sync.WaitGroup
	conns := make(chan *sql.Conn, 20)
	for range 20 {
		wg.Go(func() {
			if c, err := d.db.Conn(ctx); err == nil {
				conns <- c
			}
		})
	}
	wg.Wait()
	close(conns)
	for c := range conns {
		c.Close() // back to the idle pool
	}
}

func (d *DB) migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if d.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(dialect, d.db, sub)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// Dialect is the engine in use.
func (d *DB) Dialect() Dialect { return d.dialect }

// SQL exposes the handle, for tests that must tamper with rows.
func (d *DB) SQL() *sql.DB { return d.db }

// OnEnqueue sets the function called after a commit that enqueued jobs.
func (d *DB) OnEnqueue(f func()) { d.onEnqueue = f }

// Close closes the database.
func (d *DB) Close() error {
	if d.read != d.db {
		d.read.Close()
	}
	return d.db.Close()
}

// Ping checks the database answers, for /readyz.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Tx is a transaction that may enqueue jobs.
type Tx struct {
	*sql.Tx
	d        *DB
	enqueued bool
}

// inTx runs fn in a transaction, committing when it returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: sqlTx, d: d}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	if tx.enqueued {
		d.onEnqueue()
	}
	return nil
}

// filter builds a WHERE clause with numbered placeholders: each condition
// names its value "?", which becomes the next "$N".
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, vals ...any) {
	for _, v := range vals {
		f.args = append(f.args, v)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(f.args)), 1)
	}
	f.conds = append(f.conds, cond)
}

// in adds "column IN (…)" for the values.
func (f *filter) in(column string, vals []any) {
	f.add(column+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")", vals...)
}

func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// limit appends "LIMIT $N".
func (f *filter) limit(n int) string {
	f.args = append(f.args, n)
	return fmt.Sprintf(" LIMIT $%d", len(f.args))
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.Errorf(vigie.ENotFound, "no such %s", what)
	}
	return err
}

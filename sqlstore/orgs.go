package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/org"
)

// CreateOrg stores an organisation; a taken name is EConflict.
func (d *DB) CreateOrg(ctx context.Context, o *org.Org) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO orgs (id, name, kind, country, created_at) VALUES ($1, $2, $3, $4, $5)`,
		o.ID, o.Name, o.Kind, o.Country, ms(o.CreatedAt))
	if isUnique(err) {
		return &vigie.Error{Code: vigie.EConflict, Field: "name", Message: "an organisation with this name exists"}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create org: %w", err)
	}
	return nil
}

const orgColumns = `id, name, kind, country, created_at`

func scanOrg(row interface{ Scan(...any) error }) (*org.Org, error) {
	var o org.Org
	var created int64
	if err := row.Scan(&o.ID, &o.Name, &o.Kind, &o.Country, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = fromMS(created)
	return &o, nil
}

// GetOrg returns an organisation by id.
func (d *DB) GetOrg(ctx context.Context, id string) (*org.Org, error) {
	o, err := scanOrg(d.read.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id))
	return o, notFound(err, "organisation")
}

// FindOrgByName returns an organisation by name.
func (d *DB) FindOrgByName(ctx context.Context, name string) (*org.Org, error) {
	o, err := scanOrg(d.read.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE name = $1`, name))
	return o, notFound(err, "organisation")
}

// ListOrgs returns all organisations by name.
func (d *DB) ListOrgs(ctx context.Context) ([]*org.Org, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+orgColumns+` FROM orgs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list orgs: %w", err)
	}
	defer rows.Close()
	var out []*org.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateUser stores a user; a taken e-mail is EConflict.
func (d *DB) CreateUser(ctx context.Context, u *org.User) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO users (id, org_id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.OrgID, u.Email, u.Name, u.PasswordHash, ms(u.CreatedAt))
	if isUnique(err) {
		return &vigie.Error{Code: vigie.EConflict, Field: "email", Message: "a user with this e-mail exists"}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create user: %w", err)
	}
	return nil
}

func (d *DB) findUser(ctx context.Context, where string, arg string) (*org.User, error) {
	var u org.User
	var created int64
	err := d.read.QueryRowContext(ctx, `SELECT id, org_id, email, name, password_hash, created_at FROM users WHERE `+where+` = $1`, arg).
		Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.PasswordHash, &created)
	if err != nil {
		return nil, notFound(err, "user")
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// FindUserByEmail returns a user by e-mail.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*org.User, error) {
	return d.findUser(ctx, "email", email)
}

// FindUserByID returns a user by id.
func (d *DB) FindUserByID(ctx context.Context, id string) (*org.User, error) {
	return d.findUser(ctx, "id", id)
}

// CreateKey stores an API key (its digest only).
func (d *DB) CreateKey(ctx context.Context, k *org.Key) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.OrgID, k.Name, k.Hash, ms(k.CreatedAt), nullMS(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create key: %w", err)
	}
	return nil
}

func scanKey(row interface{ Scan(...any) error }) (*org.Key, error) {
	var k org.Key
	var created int64
	var revoked, expires sql.NullInt64
	if err := row.Scan(&k.ID, &k.OrgID, &k.Name, &k.Hash, &created, &revoked, &expires); err != nil {
		return nil, err
	}
	k.CreatedAt = fromMS(created)
	k.RevokedAt, k.ExpiresAt = timeOrNil(revoked), timeOrNil(expires)
	return &k, nil
}

func timeOrNil(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// GetKey returns a key by id.
func (d *DB) GetKey(ctx context.Context, id string) (*org.Key, error) {
	k, err := scanKey(d.read.QueryRowContext(ctx, `SELECT id, org_id, name, hash, created_at, revoked_at, expires_at FROM api_keys WHERE id = $1`, id))
	return k, notFound(err, "key")
}

// ListKeys returns an organisation's keys.
func (d *DB) ListKeys(ctx context.Context, orgID string) ([]*org.Key, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT id, org_id, name, hash, created_at, revoked_at, expires_at FROM api_keys WHERE org_id = $1 ORDER BY created_at`, orgID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list keys: %w", err)
	}
	defer rows.Close()
	var out []*org.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey marks a key revoked.
func (d *DB) RevokeKey(ctx context.Context, id string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ms(at), id)
	return err
}

// SetEndpoint sets (or, with an empty URL, removes) an organisation's webhook endpoint.
func (d *DB) SetEndpoint(ctx context.Context, e *org.Endpoint) error {
	if e.URL == "" {
		_, err := d.db.ExecContext(ctx, `DELETE FROM endpoints WHERE org_id = $1`, e.OrgID)
		return err
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO endpoints (org_id, url, disabled, gone_count, disabled_why) VALUES ($1, $2, 0, 0, '')
		ON CONFLICT (org_id) DO UPDATE SET url = $2, disabled = 0, gone_count = 0, disabled_why = ''`, e.OrgID, e.URL)
	if err != nil {
		return fmt.Errorf("sqlstore: set endpoint: %w", err)
	}
	return nil
}

// GetEndpoint returns an organisation's webhook endpoint.
func (d *DB) GetEndpoint(ctx context.Context, orgID string) (*org.Endpoint, error) {
	return getEndpoint(ctx, d.read, orgID)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getEndpoint(ctx context.Context, q queryer, orgID string) (*org.Endpoint, error) {
	var e org.Endpoint
	var disabled int
	err := q.QueryRowContext(ctx, `SELECT org_id, url, disabled, gone_count, disabled_why FROM endpoints WHERE org_id = $1`, orgID).
		Scan(&e.OrgID, &e.URL, &disabled, &e.GoneCount, &e.DisabledWhy)
	e.Disabled = disabled != 0
	return &e, notFound(err, "webhook endpoint")
}

// CreateSession stores a web session.
func (d *DB) CreateSession(ctx context.Context, s *org.Session) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`,
		s.TokenHash, s.UserID, s.CSRF, ms(s.ExpiresAt))
	return err
}

// GetSession returns a web session.
func (d *DB) GetSession(ctx context.Context, tokenHash string) (*org.Session, error) {
	var s org.Session
	var exp int64
	err := d.read.QueryRowContext(ctx, `SELECT token_hash, user_id, csrf, expires_at FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.CSRF, &exp)
	s.ExpiresAt = fromMS(exp)
	return &s, notFound(err, "session")
}

// DeleteSession ends a web session.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// DeleteExpiredSessions removes the sessions that ended before now.
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// Setting returns a stored setting, or "" and false.
func (d *DB) Setting(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := d.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	return v, err == nil, err
}

// InitSetting stores value under name unless a value is there already, and
// returns the value in force (so concurrent first starts agree).
func (d *DB) InitSetting(ctx context.Context, name, value string) (string, error) {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", fmt.Errorf("sqlstore: init setting %s: %w", name, err)
	}
	v, _, err := d.Setting(ctx, name)
	return v, err
}

// SetSetting stores a setting, replacing its value.
func (d *DB) SetSetting(ctx context.Context, name, value string) error {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2`, name, value); err != nil {
		return fmt.Errorf("sqlstore: set setting %s: %w", name, err)
	}
	return nil
}

-- +goose Up
-- Times are Unix milliseconds (BIGINT) on both engines: comparisons and
-- ordering are then exact and identical; JSON is kept as TEXT.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE endpoints (
    org_id TEXT PRIMARY KEY REFERENCES orgs(id),
    url TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    gone_count INTEGER NOT NULL DEFAULT 0,
    disabled_why TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES orgs(id),
    platform_id TEXT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    reference TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    deadline BIGINT,
    idem_key TEXT,
    req_digest TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    UNIQUE (authority_id, reference)
);
CREATE UNIQUE INDEX referrals_idem ON referrals (authority_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX referrals_platform ON referrals (platform_id, state, issued_at);
CREATE INDEX referrals_authority ON referrals (authority_id, issued_at);
CREATE TABLE preservations (
    referral_id TEXT PRIMARY KEY REFERENCES referrals(id),
    expires_at BIGINT NOT NULL,
    hold_until BIGINT,
    body TEXT NOT NULL
);
CREATE INDEX preservations_expiry ON preservations (expires_at);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    org_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject, seq);
CREATE INDEX audit_org ON audit_log (org_id, seq);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at BIGINT
);
CREATE INDEX deliveries_org ON deliveries (org_id, created_at);

-- +goose Down
DROP TABLE deliveries; DROP TABLE jobs; DROP TABLE audit_log; DROP TABLE audit_head;
DROP TABLE preservations; DROP TABLE referrals; DROP TABLE settings; DROP TABLE endpoints;
DROP TABLE sessions; DROP TABLE api_keys; DROP TABLE users; DROP TABLE orgs;

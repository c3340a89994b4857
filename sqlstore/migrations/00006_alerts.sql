-- +goose Up
-- CAP alert messages (package alert). The whole record is the JSON body;
-- the columns beside it are what queries filter and sort on. A chain is an
-- alert and its updates and cancel; at most one message of a chain waits
-- for approval at a time, which the partial unique index enforces against
-- concurrent requests. Times are Unix milliseconds.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    authority_id TEXT NOT NULL REFERENCES orgs(id),
    identifier TEXT NOT NULL UNIQUE,
    chain_id TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    expires_at BIGINT NOT NULL,
    idem_key TEXT,
    req_digest TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_idem ON alerts (authority_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE UNIQUE INDEX alerts_chain_pending ON alerts (chain_id) WHERE state = 'pending_approval';
CREATE INDEX alerts_authority ON alerts (authority_id, created_at);
CREATE INDEX alerts_chain ON alerts (chain_id, created_at);
-- The public feeds and the expiry sweep: live messages by expiry.
CREATE INDEX alerts_live ON alerts (state, expires_at);

-- +goose Down
DROP TABLE alerts;

-- +goose Up
-- The shared hash database: banks, their signals, members' opinions of
-- them, and hourly match counts.
--
-- Signal ids and change sequence numbers come from media_counters, updated
-- inside each writing transaction: on PostgreSQL the row lock orders the
-- commits, so a reader of the change feed never sees seq N+1 before N.
CREATE TABLE media_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO media_counters (name, value) VALUES ('signal', 0), ('seq', 0), ('slot', 0);

CREATE TABLE banks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slot INTEGER NOT NULL UNIQUE,
    owner_id TEXT NOT NULL REFERENCES orgs (id),
    active BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE signals (
    id BIGINT PRIMARY KEY,
    bank_id TEXT NOT NULL REFERENCES banks (id),
    signal_type TEXT NOT NULL,
    -- value_key is the value itself, or for long values (vPDQ) the SHA-256
    -- of it: index entries have a size limit on PostgreSQL.
    value_key TEXT NOT NULL,
    value TEXT NOT NULL,
    quality INTEGER NOT NULL,
    labels TEXT NOT NULL,
    contributor_id TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    agree INTEGER NOT NULL DEFAULT 0,
    disagree INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    UNIQUE (bank_id, signal_type, value_key)
);
CREATE INDEX signals_seq ON signals (seq);
CREATE INDEX signals_bank_seq ON signals (bank_id, seq);
CREATE INDEX signals_bank_state ON signals (bank_id, state, id);
CREATE INDEX signals_bank_created ON signals (bank_id, created_at);

CREATE TABLE signal_opinions (
    signal_id BIGINT NOT NULL REFERENCES signals (id),
    org_id TEXT NOT NULL,
    opinion TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (signal_id, org_id)
);

CREATE TABLE match_counts (
    bank_id TEXT NOT NULL,
    hour BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (bank_id, hour)
);

-- +goose Down
DROP TABLE match_counts;
DROP TABLE signal_opinions;
DROP TABLE signals;
DROP TABLE banks;
DROP TABLE media_counters;

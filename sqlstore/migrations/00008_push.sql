-- +goose Up
-- People's Web Push subscriptions to alerts, by map cell (never a finer
-- position), and the ledger of what each alert's fan-out delivered to whom:
-- a fan-out resumed after a crash skips whoever is already in it.
CREATE TABLE push_counter (
    id INTEGER PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO push_counter (id, value) VALUES (1, 0);

CREATE TABLE push_subscriptions (
    id BIGINT PRIMARY KEY,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    cells TEXT NOT NULL,
    lang TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE alert_deliveries (
    alert_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    sent_at BIGINT NOT NULL,
    done_at BIGINT,
    PRIMARY KEY (alert_id, channel, target)
);

-- The delivery report of an alert reads its platform webhooks by subject.
CREATE INDEX deliveries_subject ON deliveries (subject);

-- +goose Down
DROP INDEX deliveries_subject;
DROP TABLE alert_deliveries;
DROP TABLE push_subscriptions;
DROP TABLE push_counter;

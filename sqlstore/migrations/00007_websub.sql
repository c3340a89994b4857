-- +goose Up
-- WebSub subscriptions to the public alert feeds (package websub): one row
-- per verified subscriber of a topic. The secret is kept in clear because
-- the hub signs deliveries with it (HMAC). Times are Unix milliseconds; a
-- row past expires_at is dead and purged.
CREATE TABLE websub_subscriptions (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    callback TEXT NOT NULL,
    secret TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (topic, callback)
);
-- Distribution: the live subscribers of a topic.
CREATE INDEX websub_subscriptions_live ON websub_subscriptions (topic, expires_at);
CREATE INDEX websub_subscriptions_expiry ON websub_subscriptions (expires_at);

-- +goose Down
DROP TABLE websub_subscriptions;

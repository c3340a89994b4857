-- +goose Up
-- API keys may carry an expiry; NULL never expires.
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN expires_at;

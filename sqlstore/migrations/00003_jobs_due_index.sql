-- +goose Up
-- A claimed job's run_at holds its lease expiry, so due work, new or
-- abandoned, is one range of this index however many future timers wait.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (run_at) WHERE state <> 'dead';

-- +goose Down
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (state, run_at);

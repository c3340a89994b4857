-- +goose Up
-- The areas a platform serves, as geohash cells: it receives the alerts
-- that touch them. No row: it serves everywhere.
CREATE TABLE service_areas (
    org_id TEXT PRIMARY KEY REFERENCES orgs (id),
    cells TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE service_areas;

-- +goose Up
-- A counter per kind of derived data; readers cache on it (see generation.go).
CREATE TABLE generations (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO generations (name, value) VALUES ('inventory', 0);

-- +goose Down
DROP TABLE generations;

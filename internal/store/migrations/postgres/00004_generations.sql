-- +goose Up
-- A counter per kind of derived data; readers cache on it (see generation.go).
CREATE TABLE generations (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
-- inventory: bumped by every transaction that writes machines or objects.
-- inventory-pruned: inventory_changes holds every change after this generation.
INSERT INTO generations (name, value) VALUES ('inventory', 0), ('inventory-pruned', 0);

-- The machines each inventory generation changed (row or Machine object).
CREATE TABLE inventory_changes (
    generation BIGINT NOT NULL,
    name       TEXT NOT NULL
);
CREATE INDEX inventory_changes_generation ON inventory_changes (generation);

-- +goose Down
DROP TABLE inventory_changes;
DROP TABLE generations;

-- The image catalogue's state of each declared Image (see images.go):
-- pending, ready or failed, with the reason, the verified sha256 and the
-- size of the stored content. Keep column-for-column equal to
-- ../postgres/00011_image_status.sql.

-- +goose Up
CREATE TABLE image_status (
    name       TEXT    NOT NULL PRIMARY KEY,
    status     TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE image_status;

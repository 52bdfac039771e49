-- One-time boot tokens (see boottokens.go). Keep column-for-column equal to
-- ../postgres/00003_boot_tokens.sql (TestSchemaParity checks). Only the
-- SHA-256 of a token is stored; times are unix nanoseconds (UTC), used_at is
-- NULL until the token is claimed.

-- +goose Up
CREATE TABLE boot_tokens (
    hash       BLOB    NOT NULL PRIMARY KEY,
    machine    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX boot_tokens_expires ON boot_tokens (expires_at);

-- +goose Down
DROP TABLE boot_tokens;

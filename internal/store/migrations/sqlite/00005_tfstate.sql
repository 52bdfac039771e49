-- Terraform state kept for the http backend (see tfstate.go). Keep
-- column-for-column equal to ../postgres/00005_tfstate.sql (TestSchemaParity
-- checks). State bodies are sealed (AES-GCM) by the caller; times are unix
-- nanoseconds (UTC).

-- +goose Up
CREATE TABLE tfstate_versions (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    sealed     BLOB    NOT NULL,
    size       INTEGER NOT NULL,
    serial     INTEGER NOT NULL,
    lineage    TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) STRICT, WITHOUT ROWID;
CREATE TABLE tfstate_locks (
    name       TEXT    NOT NULL PRIMARY KEY,
    lock_id    TEXT    NOT NULL,
    info       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE tfstate_locks;
DROP TABLE tfstate_versions;

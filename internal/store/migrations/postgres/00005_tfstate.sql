-- Terraform state kept for the http backend (see tfstate.go). Keep
-- column-for-column equal to ../sqlite/00005_tfstate.sql (TestSchemaParity
-- checks). State bodies are sealed (AES-GCM) by the caller; times are unix
-- nanoseconds (UTC).

-- +goose Up
CREATE TABLE tfstate_versions (
    name       TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    sealed     BYTEA  NOT NULL,
    size       BIGINT NOT NULL,
    serial     BIGINT NOT NULL,
    lineage    TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE tfstate_locks (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    lock_id    TEXT   NOT NULL,
    info       TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE tfstate_locks;
DROP TABLE tfstate_versions;

-- The agent's sessions and the installed OS's phone-home tokens (see
-- agentsessions.go), the raw (decompressed) size and sha256 of each ready
-- image, and the cursors of the workers that follow the event log. Keep
-- column-for-column equal to ../sqlite/00012_agent.sql. Only the SHA-256
-- of a token is stored; times are unix nanoseconds (UTC).

-- +goose Up
CREATE TABLE agent_sessions (
    hash       BYTEA  NOT NULL PRIMARY KEY,
    machine    TEXT COLLATE "C" NOT NULL,
    kind       TEXT   NOT NULL,
    addr       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX agent_sessions_machine ON agent_sessions (machine, kind);

ALTER TABLE image_status ADD COLUMN raw_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE image_status ADD COLUMN raw_sha256 TEXT NOT NULL DEFAULT '';

CREATE TABLE worker_cursors (
    name     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    event_id BIGINT NOT NULL
);

-- +goose Down
DROP TABLE worker_cursors;
ALTER TABLE image_status DROP COLUMN raw_sha256;
ALTER TABLE image_status DROP COLUMN raw_size;
DROP TABLE agent_sessions;

-- Slipway's schema for PostgreSQL. Keep it column-for-column equal to
-- ../sqlite/00001_init.sql (TestSchemaParity checks).
-- Times are unix nanoseconds (UTC); 0 is the zero time, NULL an absent
-- optional time. JSON columns are TEXT holding the exact JSON written, NULL
-- when empty. objects.doc and machines.doc hold the whole row in a compact
-- binary form (see doc.go); the other columns of those tables are copies of
-- its key fields, for lookups and filters, plus the JSON payloads. Text keys
-- use the "C" collation so that ordering and range comparisons are bytewise,
-- as on SQLite.

-- +goose Up
CREATE TABLE objects (
    kind       TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    revision   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc        BYTEA NOT NULL,
    spec       TEXT,
    PRIMARY KEY (kind, name)
);

CREATE TABLE machines (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    mac        TEXT COLLATE "C" UNIQUE,
    state      TEXT COLLATE "C" NOT NULL,
    revision   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc        BYTEA NOT NULL,
    hardware   TEXT
);
CREATE INDEX machines_state ON machines (state, name);

CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time       BIGINT NOT NULL,
    machine    TEXT COLLATE "C" NOT NULL DEFAULT '',
    type       TEXT COLLATE "C" NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    data       TEXT
);
CREATE INDEX events_machine ON events (machine, id);

CREATE TABLE credentials (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    username   TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE tokens (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    hash       BYTEA NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);

CREATE TABLE audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time   BIGINT NOT NULL,
    actor  TEXT COLLATE "C" NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor ON audit (actor, id);

CREATE TABLE operations (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    machine    TEXT COLLATE "C" NOT NULL,
    action     TEXT NOT NULL,
    params     TEXT,
    status     TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX operations_machine ON operations (machine, seq);

-- +goose Down
DROP TABLE operations;
DROP TABLE audit;
DROP TABLE tokens;
DROP TABLE credentials;
DROP TABLE events;
DROP TABLE machines;
DROP TABLE objects;

-- Slipway's schema for SQLite. Keep it column-for-column equal to
-- ../postgres/00001_init.sql (TestSchemaParity checks).
-- Times are unix nanoseconds (UTC); 0 is the zero time, NULL an absent
-- optional time. JSON columns are TEXT holding the exact JSON written, NULL
-- when empty. objects.doc and machines.doc hold the whole row in a compact
-- binary form (see doc.go); the other columns of those tables are copies of
-- its key fields, for lookups and filters, plus the JSON payloads.

-- +goose Up
CREATE TABLE objects (
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    doc        BLOB    NOT NULL,
    spec       TEXT,
    PRIMARY KEY (kind, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE machines (
    name       TEXT    NOT NULL PRIMARY KEY,
    mac        TEXT    UNIQUE,
    state      TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    doc        BLOB    NOT NULL,
    hardware   TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX machines_state ON machines (state, name);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    machine    TEXT    NOT NULL DEFAULT '',
    type       TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    message    TEXT    NOT NULL DEFAULT '',
    cause      TEXT    NOT NULL DEFAULT '',
    actor      TEXT    NOT NULL DEFAULT '',
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL DEFAULT '',
    data       TEXT
) STRICT;
CREATE INDEX events_machine ON events (machine, id);

CREATE TABLE credentials (
    name       TEXT    NOT NULL PRIMARY KEY,
    username   TEXT    NOT NULL,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       BLOB    NOT NULL,
    created_by TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER
) STRICT;

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    time   INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL DEFAULT '',
    result TEXT    NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_actor ON audit (actor, id);

CREATE TABLE operations (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    machine    TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    params     TEXT,
    status     TEXT    NOT NULL,
    message    TEXT    NOT NULL DEFAULT '',
    actor      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX operations_machine ON operations (machine, seq);

-- +goose Down
DROP TABLE operations;
DROP TABLE audit;
DROP TABLE tokens;
DROP TABLE credentials;
DROP TABLE events;
DROP TABLE machines;
DROP TABLE objects;

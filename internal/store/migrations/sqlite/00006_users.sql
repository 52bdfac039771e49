-- Local users of the web UI and their sign-in sessions (see users.go,
-- sessions.go). Keep column-for-column equal to ../postgres/00006_users.sql
-- (TestSchemaParity checks). Passwords are bcrypt hashes; a session is
-- stored as the SHA-256 of its cookie value, never the value. Times are unix
-- nanoseconds (UTC).

-- +goose Up
CREATE TABLE users (
    name          TEXT    NOT NULL PRIMARY KEY,
    role          TEXT    NOT NULL,
    password_hash BLOB    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
    hash       BLOB    NOT NULL PRIMARY KEY,
    username   TEXT    NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_username ON sessions (username);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;

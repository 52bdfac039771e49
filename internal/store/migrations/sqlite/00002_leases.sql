-- DHCP leases. Keep it column-for-column equal to ../postgres/00002_leases.sql
-- (TestSchemaParity checks). One row per address per network; state is
-- offered | bound | released | declined | expired. Times are unix nanoseconds.

-- +goose Up
CREATE TABLE leases (
    network    TEXT    NOT NULL,
    ip         TEXT    NOT NULL,
    mac        TEXT    NOT NULL,
    hostname   TEXT    NOT NULL DEFAULT '',
    client_id  TEXT    NOT NULL DEFAULT '',
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (network, ip)
) STRICT, WITHOUT ROWID;
CREATE INDEX leases_mac ON leases (network, mac);
CREATE INDEX leases_ip ON leases (ip);

-- +goose Down
DROP TABLE leases;

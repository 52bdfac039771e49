-- DHCP leases. Keep it column-for-column equal to ../sqlite/00002_leases.sql
-- (TestSchemaParity checks). One row per address per network; state is
-- offered | bound | released | declined | expired. Times are unix nanoseconds.

-- +goose Up
CREATE TABLE leases (
    network    TEXT COLLATE "C" NOT NULL,
    ip         TEXT COLLATE "C" NOT NULL,
    mac        TEXT COLLATE "C" NOT NULL,
    hostname   TEXT NOT NULL DEFAULT '',
    client_id  TEXT NOT NULL DEFAULT '',
    state      TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (network, ip)
);
CREATE INDEX leases_mac ON leases (network, mac);
CREATE INDEX leases_ip ON leases (ip);

-- +goose Down
DROP TABLE leases;

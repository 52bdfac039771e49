-- What the appliance keeps per Kubernetes cluster (see clusters.go): its
-- secrets sealed with the appliance key (CAs, service-account key,
-- bootstrap tokens), its non-secret state (pod CIDRs given to nodes,
-- certificates issued, exports done) and its last observed status, each
-- JSON. Keep column-for-column equal to ../postgres/00013_clusters.sql.
-- Times are unix nanoseconds (UTC).

-- +goose Up
CREATE TABLE clusters (
    name       TEXT    NOT NULL PRIMARY KEY,
    sealed     BLOB    NOT NULL,
    state      TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE clusters;

-- What the appliance keeps per Kubernetes cluster (see clusters.go): its
-- secrets sealed with the appliance key (CAs, service-account key,
-- bootstrap tokens), its non-secret state (pod CIDRs given to nodes,
-- certificates issued, exports done) and its last observed status, each
-- JSON. Keep column-for-column equal to ../sqlite/00013_clusters.sql.
-- Times are unix nanoseconds (UTC).

-- +goose Up
CREATE TABLE clusters (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    sealed     BYTEA  NOT NULL,
    state      TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE clusters;

-- Appliance-run Terraform (see infra.go): one row per plan, apply or drift
-- check of a site. Keep column-for-column equal to
-- ../sqlite/00010_infra_runs.sql. plan_file is the sealed saved plan.

-- +goose Up
CREATE TABLE infra_runs (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    site          TEXT COLLATE "C" NOT NULL,
    kind          TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    plan_id       TEXT   NOT NULL,
    state_version BIGINT NOT NULL,
    changes       BIGINT NOT NULL,
    summary       TEXT   NOT NULL,
    diff          TEXT   NOT NULL,
    output        TEXT   NOT NULL,
    error         TEXT   NOT NULL,
    plan_file     BYTEA,
    actor         TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    finished_at   BIGINT
);
CREATE INDEX infra_runs_site ON infra_runs (site, created_at);

-- +goose Down
DROP TABLE infra_runs;

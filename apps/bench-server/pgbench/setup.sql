-- The per-event writes of the billing server, reduced to what the database must do for each
-- event: record the delivery (a new row holding its ~3.7 KB payload) and change the state of its
-- organization (one row out of 10 000). `txn.sql` does both in one transaction, `txn2.sql` in
-- two; pgbench's rate for them is the ceiling the server's rates are compared with.

CREATE TABLE bench_events (
    event_id    text PRIMARY KEY,
    event_type  text NOT NULL,
    org_id      text NOT NULL,
    payload     bytea NOT NULL,
    status      text NOT NULL,
    received_at timestamptz NOT NULL
);

CREATE TABLE bench_organizations (
    org_id     text PRIMARY KEY,
    plan       text NOT NULL,
    status     text NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

INSERT INTO bench_organizations (org_id, plan, status, version, updated_at)
SELECT 'org_bench_' || n, 'team', 'active', 0, now() FROM generate_series(1, 10000) AS n;

ANALYZE bench_organizations;

-- One event in two transactions, as a recorder and a worker would: record it, then, separately,
-- change its organization's row. `:payload` as in txn.sql.
\set org random(1, 10000)
INSERT INTO bench_events (event_id, event_type, org_id, payload, status, received_at)
    VALUES (gen_random_uuid()::text, 'invoice.payment_failed', 'org_bench_' || :org, convert_to(:payload, 'UTF8'), 'received', now());
UPDATE bench_organizations SET status = 'past_due', version = version + 1, updated_at = now() WHERE org_id = 'org_bench_' || :org;

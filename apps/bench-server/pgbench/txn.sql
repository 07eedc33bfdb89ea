-- One event in one transaction: record it, then change its organization's row.
-- `:payload` is a generated delivery, passed with `-D payload=…`; run with `-M prepared`.
\set org random(1, 10000)
BEGIN;
INSERT INTO bench_events (event_id, event_type, org_id, payload, status, received_at)
    VALUES (gen_random_uuid()::text, 'invoice.payment_failed', 'org_bench_' || :org, convert_to(:payload, 'UTF8'), 'processed', now());
UPDATE bench_organizations SET status = 'past_due', version = version + 1, updated_at = now() WHERE org_id = 'org_bench_' || :org;
COMMIT;

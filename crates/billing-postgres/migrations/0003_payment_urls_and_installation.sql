-- Payment pages kept with the state, and this database's installation id.
--
-- `checkout_url` is the pending Checkout session's payment page: Stripe stops returning it once
-- the session closes, so it is kept to offer the same session to a second checkout click. The
-- hosted invoice URLs are Stripe's pages of the last attempted and the last paid invoice. All
-- three are nullable, so rows written before this migration read as "no URL".
ALTER TABLE organizations
    ADD COLUMN checkout_url                    text,
    ADD COLUMN last_attempt_hosted_invoice_url text,
    ADD COLUMN last_success_hosted_invoice_url text;

-- One row at most (`id = 1`): the installation id the first instance stored. It namespaces
-- Stripe idempotency keys, so it must never change once written; instances racing to store
-- theirs insert with ON CONFLICT DO NOTHING and all read back the winner's.
CREATE TABLE installation (
    id              smallint PRIMARY KEY CHECK (id = 1),
    installation_id text NOT NULL,
    created_at      timestamptz NOT NULL
);

-- Like the audit tables, the row may not be changed or removed: a new id would let requests of
-- this database collide with, or replay, idempotency keys another installation used.
CREATE TRIGGER installation_no_update BEFORE UPDATE OR DELETE ON installation
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_update();
CREATE TRIGGER installation_no_truncate BEFORE TRUNCATE ON installation
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_update();

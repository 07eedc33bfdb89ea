-- The audit tables are append-only. 0001 refused updates only; this refuses deleting rows and
-- emptying the tables too (TRUNCATE skips row triggers, so it needs a statement trigger of its
-- own). `billing_refuse_update` raises for whichever operation fires it.
CREATE TRIGGER billing_transitions_no_delete BEFORE DELETE ON billing_transitions
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_update();
CREATE TRIGGER webhook_event_audit_no_delete BEFORE DELETE ON webhook_event_audit
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_update();
CREATE TRIGGER billing_transitions_no_truncate BEFORE TRUNCATE ON billing_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_update();
CREATE TRIGGER webhook_event_audit_no_truncate BEFORE TRUNCATE ON webhook_event_audit
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_update();

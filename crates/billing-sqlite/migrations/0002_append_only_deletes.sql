-- The audit tables are append-only. 0001 refused updates only; this refuses deletes too. SQLite
-- has no TRUNCATE, and a table with a delete trigger is never emptied by the truncate shortcut.
CREATE TRIGGER billing_transitions_no_delete BEFORE DELETE ON billing_transitions
BEGIN
    SELECT RAISE(ABORT, 'billing_transitions is append-only');
END;
CREATE TRIGGER webhook_event_audit_no_delete BEFORE DELETE ON webhook_event_audit
BEGIN
    SELECT RAISE(ABORT, 'webhook_event_audit is append-only');
END;

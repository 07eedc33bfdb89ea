-- Outbox rows that can never be delivered: a notice that does not decode (written by a newer
-- version, or edited by hand) is dead-lettered instead of failing every claim it is part of.
-- `dead_at` says when it was given up on and `last_error` why; claims skip such rows, and an
-- operator finds them with `SELECT id, org_id, kind, last_error FROM notification_outbox WHERE
-- dead_at IS NOT NULL`.
ALTER TABLE notification_outbox ADD COLUMN dead_at timestamptz;
ALTER TABLE notification_outbox ADD COLUMN last_error text;
DROP INDEX notification_outbox_pending_idx;
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (id) WHERE delivered_at IS NULL AND dead_at IS NULL;

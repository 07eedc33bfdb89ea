-- How many times an event's lease ran out before its holder finished it: the worker died (a
-- crash, an abort, a killed process) or stalled. A claim of an event still marked processing
-- adds one; the worker dead-letters an event that reached the policy's cap, so an event that
-- kills every process that takes it cannot take them down one after another forever. A replay
-- starts the count again.
ALTER TABLE webhook_events ADD COLUMN lease_expiries integer NOT NULL DEFAULT 0;

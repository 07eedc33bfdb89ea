-- The billing schema for SQLite. It mirrors the Postgres schema; timestamps are INTEGER
-- microseconds since the Unix epoch (the precision Postgres keeps), lists are JSON text.

-- One row per organization, created on first reference on the free plan. The pending checkout
-- and the recent plan changes (the 5-per-minute limit) are columns here rather than tables of
-- their own, so the optimistic `version` check covers them together with the rest of the state.
CREATE TABLE organizations (
    org_id                    TEXT PRIMARY KEY NOT NULL,
    plan                      TEXT NOT NULL,
    subscribed_plan           TEXT,
    status                    TEXT NOT NULL,
    cancel_at_period_end      INTEGER NOT NULL,
    period_start              INTEGER,
    period_end                INTEGER,
    scheduled_plan            TEXT,
    scheduled_at              INTEGER,
    grace_until               INTEGER,
    checkout_session_id       TEXT,
    checkout_plan             TEXT,
    checkout_created_at       INTEGER,
    last_attempt_at           INTEGER,
    last_attempt_amount       INTEGER,
    last_attempt_currency     TEXT,
    last_attempt_invoice_id   TEXT,
    last_success_at           INTEGER,
    last_success_amount       INTEGER,
    last_success_currency     TEXT,
    last_success_invoice_id   TEXT,
    stripe_customer_id        TEXT UNIQUE,
    stripe_subscription_id    TEXT UNIQUE,
    canceled_at               INTEGER,
    recent_plan_changes       TEXT NOT NULL,
    watermark_created         INTEGER,
    watermark_event_id        TEXT,
    watermark_subscription_id TEXT,
    ended_subscriptions       TEXT NOT NULL,
    next_timer_at             INTEGER,
    version                   INTEGER NOT NULL CHECK (version >= 0),
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    CHECK ((period_start IS NULL) = (period_end IS NULL))
);

CREATE INDEX organizations_next_timer_idx ON organizations (next_timer_at, org_id) WHERE next_timer_at IS NOT NULL;
CREATE INDEX organizations_status_idx ON organizations (status, org_id);
CREATE INDEX organizations_checkout_session_idx ON organizations (checkout_session_id) WHERE checkout_session_id IS NOT NULL;

-- The webhook ledger: every verified Stripe event once, and where it is in its life.
CREATE TABLE webhook_events (
    event_id        TEXT PRIMARY KEY NOT NULL,
    event_type      TEXT NOT NULL,
    stripe_created  INTEGER NOT NULL,
    api_version     TEXT,
    livemode        INTEGER NOT NULL,
    org_id          TEXT,
    payload         BLOB NOT NULL,
    verified_by     INTEGER,
    status          TEXT NOT NULL DEFAULT 'received'
                    CHECK (status IN ('received', 'processing', 'processed', 'ignored', 'stale', 'failed', 'dead')),
    lease_holder    TEXT,
    lease_until     INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER,
    last_error      TEXT,
    received_at     INTEGER NOT NULL,
    processed_at    INTEGER,
    CHECK (status <> 'processing' OR (lease_holder IS NOT NULL AND lease_until IS NOT NULL))
);

-- The claim query walks unfinished events oldest first and probes each organization's queue.
CREATE INDEX webhook_events_due_idx ON webhook_events (stripe_created, event_id)
    WHERE status IN ('received', 'processing', 'failed');
CREATE INDEX webhook_events_org_queue_idx ON webhook_events (org_id, stripe_created, event_id)
    WHERE status IN ('received', 'processing', 'failed');
-- Leased events only: the "is this organization busy" probe of every claim.
CREATE INDEX webhook_events_in_flight_idx ON webhook_events (org_id, lease_until) WHERE status = 'processing';
-- Monitoring: by status, by organization, by type and time.
CREATE INDEX webhook_events_status_idx ON webhook_events (status, received_at DESC);
CREATE INDEX webhook_events_org_idx ON webhook_events (org_id, received_at DESC);
CREATE INDEX webhook_events_type_idx ON webhook_events (event_type, received_at DESC);

-- Operator actions on ledger events (replays), append-only.
CREATE TABLE webhook_event_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL REFERENCES webhook_events (event_id),
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX webhook_event_audit_event_idx ON webhook_event_audit (event_id, id);

-- The audit trail of plan and status transitions, append-only.
CREATE TABLE billing_transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL,
    from_plan   TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_plan     TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    cause_kind  TEXT NOT NULL,
    cause_ref   TEXT,
    actor_kind  TEXT,
    actor_id    TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX billing_transitions_org_idx ON billing_transitions (org_id, at DESC, id DESC);

CREATE TRIGGER billing_transitions_append_only BEFORE UPDATE ON billing_transitions
BEGIN
    SELECT RAISE(ABORT, 'billing_transitions is append-only');
END;
CREATE TRIGGER webhook_event_audit_append_only BEFORE UPDATE ON webhook_event_audit
BEGIN
    SELECT RAISE(ABORT, 'webhook_event_audit is append-only');
END;

-- Notices waiting for the notifier, written in the same transaction as the state change.
CREATE TABLE notification_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    notice       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER,
    delivered_at INTEGER
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (id) WHERE delivered_at IS NULL;

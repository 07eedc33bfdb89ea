-- The billing schema: organizations' state, the webhook ledger, the audit trail and the outbox.

-- One row per organization, created on first reference on the free plan. The pending checkout
-- and the recent plan changes (the 5-per-minute limit) are columns here rather than tables of
-- their own, so the optimistic `version` check covers them together with the rest of the state.
CREATE TABLE organizations (
    org_id                    text PRIMARY KEY,
    plan                      text NOT NULL,
    subscribed_plan           text,
    status                    text NOT NULL,
    cancel_at_period_end      boolean NOT NULL,
    period_start              timestamptz,
    period_end                timestamptz,
    scheduled_plan            text,
    scheduled_at              timestamptz,
    grace_until               timestamptz,
    checkout_session_id       text,
    checkout_plan             text,
    checkout_created_at       timestamptz,
    last_attempt_at           timestamptz,
    last_attempt_amount       bigint,
    last_attempt_currency     text,
    last_attempt_invoice_id   text,
    last_success_at           timestamptz,
    last_success_amount       bigint,
    last_success_currency     text,
    last_success_invoice_id   text,
    stripe_customer_id        text,
    stripe_subscription_id    text,
    canceled_at               timestamptz,
    recent_plan_changes       timestamptz[] NOT NULL,
    watermark_created         timestamptz,
    watermark_event_id        text,
    watermark_subscription_id text,
    ended_subscriptions       text[] NOT NULL,
    next_timer_at             timestamptz,
    version                   bigint NOT NULL CHECK (version >= 0),
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL,
    CONSTRAINT organizations_stripe_customer_id_key UNIQUE (stripe_customer_id),
    CONSTRAINT organizations_stripe_subscription_id_key UNIQUE (stripe_subscription_id),
    CONSTRAINT organizations_period_check CHECK ((period_start IS NULL) = (period_end IS NULL))
);

CREATE INDEX organizations_next_timer_idx ON organizations (next_timer_at, org_id) WHERE next_timer_at IS NOT NULL;
CREATE INDEX organizations_status_idx ON organizations (status, org_id);
CREATE INDEX organizations_checkout_session_idx ON organizations (checkout_session_id) WHERE checkout_session_id IS NOT NULL;

-- The webhook ledger: every verified Stripe event once, and where it is in its life.
CREATE TABLE webhook_events (
    event_id        text PRIMARY KEY,
    event_type      text NOT NULL,
    stripe_created  timestamptz NOT NULL,
    api_version     text,
    livemode        boolean NOT NULL,
    org_id          text,
    payload         bytea NOT NULL,
    verified_by     integer,
    status          text NOT NULL DEFAULT 'received'
                    CHECK (status IN ('received', 'processing', 'processed', 'ignored', 'stale', 'failed', 'dead')),
    lease_holder    text,
    lease_until     timestamptz,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,
    last_error      text,
    received_at     timestamptz NOT NULL,
    processed_at    timestamptz,
    CONSTRAINT webhook_events_lease_check CHECK (status <> 'processing' OR (lease_holder IS NOT NULL AND lease_until IS NOT NULL))
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
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text NOT NULL REFERENCES webhook_events (event_id),
    action      text NOT NULL,
    actor       text NOT NULL,
    from_status text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX webhook_event_audit_event_idx ON webhook_event_audit (event_id, id);

-- The audit trail of plan and status transitions, append-only.
CREATE TABLE billing_transitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      text NOT NULL,
    from_plan   text NOT NULL,
    from_status text NOT NULL,
    to_plan     text NOT NULL,
    to_status   text NOT NULL,
    cause_kind  text NOT NULL,
    cause_ref   text,
    actor_kind  text,
    actor_id    text,
    at          timestamptz NOT NULL
);
CREATE INDEX billing_transitions_org_idx ON billing_transitions (org_id, at DESC, id DESC);

CREATE FUNCTION billing_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER billing_transitions_append_only BEFORE UPDATE ON billing_transitions
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_update();
CREATE TRIGGER webhook_event_audit_append_only BEFORE UPDATE ON webhook_event_audit
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_update();

-- Notices waiting for the notifier, written in the same transaction as the state change.
CREATE TABLE notification_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       text NOT NULL,
    kind         text NOT NULL,
    notice       jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    lease_until  timestamptz,
    delivered_at timestamptz
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (id) WHERE delivered_at IS NULL;

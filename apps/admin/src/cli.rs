//! The command line: the settings shared with the server, `--json`, then one operator command.

use billing_core::ports::EventStatus;
use billing_core::{OrgId, RefundReason, StripeChargeId, StripeEventId};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::since::{parse_duration, parse_since, Since};

/// Operator commands for the billing service.
///
/// They read billing-server's store and Stripe settings from the same flags, environment
/// variables and `--config` file, so they act on the same database and Stripe account; the
/// file's other keys are the server's own and left to it. Exit status: 0 success, 1 failure,
/// 2 invalid arguments, 3 a check found something.
#[derive(Debug, Parser)]
#[command(name = "billing-admin", version)]
pub struct Cli {
    #[command(flatten)]
    pub settings: billing_wiring::config::SharedArgs,
    /// Print the result as JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stripe events in the webhook ledger.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Organizations' billing state.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Payments: failures, and refunds (recovery procedure 3).
    #[command(subcommand)]
    Payments(PaymentsCommand),
    /// Organizations whose state disagrees with their last processed events (EC-14); exits 3
    /// when any does.
    Consistency {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

/// Who asks, for the audit trail.
#[derive(Debug, Clone, Args)]
pub struct ActorArg {
    /// Who asks, for the audit trail (default: the user running the command).
    #[arg(long = "actor", env = "USER", default_value = "operator")]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Lists ledger events, newest first.
    List {
        /// Only events in this status (received, processing, processed, ignored, stale, failed, dead).
        #[arg(long)]
        status: Option<EventStatus>,
        /// Only events of this Stripe type, e.g. invoice.payment_failed.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only events of this organization.
        #[arg(long)]
        org: Option<OrgId>,
        /// Only events received since: a duration (7d, 12h) or an RFC 3339 time.
        #[arg(long, value_parser = parse_since)]
        since: Option<Since>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Events that failed and wait for a retry, then those given up on (dead), newest first.
    Failed {
        /// Only events received since: a duration (7d, 12h) or an RFC 3339 time.
        #[arg(long, value_parser = parse_since)]
        since: Option<Since>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Events whose processing took longer than `--over` after their receipt, newest first.
    Slow {
        /// How long is too long, e.g. 5s or 2m.
        #[arg(long, value_parser = parse_duration, default_value = "5s")]
        over: chrono::Duration,
        /// Only events received since: a duration (7d, 12h) or an RFC 3339 time.
        #[arg(long, value_parser = parse_since)]
        since: Option<Since>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Event ids stored more than once (the ledger's primary key keeps this empty); exits 3
    /// when there are any.
    Duplicates,
    /// How many events are received, in flight or waiting to retry.
    Backlog,
    /// Shows every field of one ledger event.
    Show { id: StripeEventId },
    /// Sends a finished or dead event through processing again, with a fresh retry budget.
    Replay {
        id: StripeEventId,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Fetches the events Stripe created in a time range and records those the ledger lacks,
    /// for deliveries that were lost (Stripe keeps events for 30 days); each one recorded is
    /// noted with the actor. Needs STRIPE_SECRET_KEY.
    Recover {
        /// Start of the range (RFC 3339), e.g. the start of an outage.
        #[arg(long)]
        since: DateTime<Utc>,
        /// End of the range (RFC 3339); now when omitted.
        #[arg(long)]
        until: Option<DateTime<Utc>>,
        /// Pages of 100 events to fetch at most; a larger range is reported as unfinished.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        max_pages: u32,
        #[command(flatten)]
        actor: ActorArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Organizations in past_due, with their grace deadlines and the amounts that failed.
    PastDue {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Cancels the organization's subscription in Stripe now (EC-4B: no refund), moves it to
    /// the free plan's limits at once and keeps its data; audited with the operator. Asks for the
    /// organization id to be typed unless --yes. Needs STRIPE_SECRET_KEY.
    CancelNow {
        org: OrgId,
        #[command(flatten)]
        actor: ActorArg,
        /// Do not ask for confirmation (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Shows an organization's billing state.
    Show { org: OrgId },
    /// Re-reads the subscription from Stripe and applies it (Stripe is the source of truth),
    /// audited with the operator; one organization, or with --all every organization with a
    /// live subscription. Asks for confirmation unless --dry-run or --yes. Exits 3 when a dry
    /// run finds drift or --all could not reconcile some organization. Needs STRIPE_SECRET_KEY.
    Reconcile(ReconcileArgs),
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The organization to reconcile.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub org: Option<OrgId>,
    /// Every organization with a live subscription, in pages by id; one failure is reported and
    /// the others go on.
    #[arg(long)]
    pub all: bool,
    /// Show how the stored state differs from Stripe, field by field, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --all: the pause between two organizations (one Stripe read each). The default,
    /// 250ms, stays far below Stripe's read limits, so a scheduled run never crowds out the
    /// server's own calls.
    #[arg(long, value_parser = parse_duration, default_value = "250ms")]
    pub pace: chrono::Duration,
    /// With --all: organizations read from the store per page.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: u32,
    #[command(flatten)]
    pub actor: ActorArg,
    /// Do not ask for confirmation (for scripts and schedules).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// Failed payments (invoice.payment_failed events) with organization, amount, invoice, when,
    /// and whether the organization has paid since.
    Failures {
        /// Failures received since: a duration (7d, 12h) or an RFC 3339 time.
        #[arg(long, value_parser = parse_since, default_value = "7d")]
        since: Since,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Refunds a charge of the organization through Stripe (recovery procedure 3), after checking
    /// the charge was made to the organization's own Stripe customer; with --cancel, then cancels
    /// the subscription now as cancel-now does. Audited with the operator. Asks for the
    /// organization id to be typed unless --yes. Needs STRIPE_SECRET_KEY.
    Refund(RefundArgs),
}

#[derive(Debug, Args)]
pub struct RefundArgs {
    pub org: OrgId,
    /// The charge to refund, ch_...
    #[arg(long)]
    pub charge: StripeChargeId,
    /// Minor units (cents) in the charge's currency; what is left of the charge when omitted.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub amount: Option<i64>,
    /// duplicate, fraudulent or requested_by_customer.
    #[arg(long)]
    pub reason: Option<RefundReason>,
    /// Cancel the subscription immediately once the refund is made.
    #[arg(long)]
    pub cancel: bool,
    #[command(flatten)]
    pub actor: ActorArg,
    /// Do not ask for confirmation (for scripts).
    #[arg(long)]
    pub yes: bool,
}

//! The command line: the settings shared with the server, then one operator command.

use billing_core::ports::EventStatus;
use billing_core::{OrgId, StripeEventId};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use crate::since::{parse_duration, parse_since, Since};

/// Operator commands for the billing service.
///
/// They read billing-server's store and Stripe settings from the same flags, environment
/// variables and `--config` file, so they act on the same database and Stripe account; the
/// file's other keys are the server's own and left to it.
#[derive(Debug, Parser)]
#[command(name = "billing-admin", version)]
pub struct Cli {
    #[command(flatten)]
    pub settings: billing_wiring::config::SharedArgs,
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
    /// Event ids stored more than once (the ledger's primary key keeps this empty).
    Duplicates,
    /// How many events are received, in flight or waiting to retry.
    Backlog,
    /// Shows every field of one ledger event.
    Show { id: StripeEventId },
    /// Sends a finished or dead event through processing again, with a fresh retry budget.
    Replay {
        id: StripeEventId,
        /// Who asks, for the audit trail.
        #[arg(long, env = "USER", default_value = "operator")]
        actor: String,
    },
    /// Fetches the events Stripe created in a time range and records those the ledger lacks,
    /// for deliveries that were lost (Stripe keeps events for 30 days). Needs STRIPE_SECRET_KEY.
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
        /// Who asks, for the audit trail.
        #[arg(long, env = "USER", default_value = "operator")]
        actor: String,
        /// Do not ask for confirmation (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Prints an organization's billing state as JSON.
    Show { org: OrgId },
    /// Re-reads the organization's subscription from Stripe and applies it (Stripe is the source
    /// of truth), then prints the state. Needs STRIPE_SECRET_KEY.
    Reconcile {
        org: OrgId,
        /// Print how the stored state differs from Stripe's, field by field, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

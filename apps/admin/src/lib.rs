//! Operator commands for the billing service: inspect and replay ledger events, recover events
//! whose webhook deliveries were lost, the runbook's monitoring queries, reconcile organizations
//! with Stripe, refund payments and check the store's consistency. Each prints a table, or JSON
//! with `--json`, and exits with a status scripts can use ([`output::status`]).

pub mod cli;
pub mod confirm;
pub mod consistency;
pub mod context;
pub mod error;
pub mod events;
pub mod monitor;
pub mod orgs;
pub mod output;
pub mod payments;
pub mod reconcile;
pub mod recovery;
pub mod since;
pub mod views;

use billing_core::ports::LedgerFilter;

use crate::cli::{Cli, Command, EventsCommand, OrgsCommand, PaymentsCommand};
use crate::context::Admin;
use crate::error::AdminError;
use crate::output::Report;

/// Runs one command: asks for confirmation first when it is destructive, then opens the store.
///
/// # Errors
/// [`AdminError`] saying what failed.
pub async fn run(cli: Cli) -> Result<Report, AdminError> {
    if let Some((warning, expected)) = confirm::required(&cli.command) {
        confirm::typed(&warning, &expected)?;
    }
    let admin = Admin::open(billing_wiring::config::from_args(cli.settings)?).await?;
    run_on(&admin, cli.command).await
}

/// Runs one command on an open store, without asking for confirmation.
///
/// # Errors
/// [`AdminError`] saying what failed.
pub async fn run_on(admin: &Admin, command: Command) -> Result<Report, AdminError> {
    match command {
        Command::Events(command) => run_events(admin, command).await,
        Command::Orgs(command) => run_orgs(admin, command).await,
        Command::Payments(PaymentsCommand::Failures { since, limit }) => payments::failures(admin, since.resolve(admin.now()), limit).await,
        Command::Payments(PaymentsCommand::Refund(args)) => payments::refund(admin, &args).await,
        Command::Consistency { limit } => consistency::check(admin, limit).await,
    }
}

async fn run_orgs(admin: &Admin, command: OrgsCommand) -> Result<Report, AdminError> {
    match command {
        OrgsCommand::PastDue { limit } => monitor::past_due(admin, limit).await,
        OrgsCommand::Show { org } => orgs::show(admin, &org).await,
        OrgsCommand::CancelNow { org, actor, .. } => orgs::cancel_now(admin, &org, &actor.name).await,
        OrgsCommand::Reconcile(args) => match (&args.org, args.all) {
            (Some(org), false) => reconcile::one(admin, org, &args).await,
            (Some(_) | None, true) | (None, false) => reconcile::all(admin, &args).await,
        },
    }
}

async fn run_events(admin: &Admin, command: EventsCommand) -> Result<Report, AdminError> {
    match command {
        EventsCommand::List { status, event_type, org, since, limit } => {
            let since = since.map(|s| s.resolve(admin.now()));
            let filter = LedgerFilter { status, event_type, org_id: org, since, slower_than: None, limit };
            events::list(admin, &filter).await
        }
        EventsCommand::Failed { since, limit } => monitor::failed(admin, since.map(|s| s.resolve(admin.now())), limit).await,
        EventsCommand::Slow { over, since, limit } => monitor::slow(admin, over, since.map(|s| s.resolve(admin.now())), limit).await,
        EventsCommand::Duplicates => monitor::duplicates(admin).await,
        EventsCommand::Backlog => monitor::backlog(admin).await,
        EventsCommand::Show { id } => events::show(admin, &id).await,
        EventsCommand::Replay { id, actor } => events::replay(admin, &id, &actor.name).await,
        EventsCommand::Recover { since, until, max_pages, actor } => {
            let until = until.unwrap_or_else(|| admin.now());
            let pages = usize::try_from(max_pages).unwrap_or(usize::MAX);
            recovery::recover(admin, since, until, pages, &actor.name).await?.report()
        }
    }
}

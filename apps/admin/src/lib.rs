//! Operator commands for the billing service: inspect and replay ledger events, recover events
//! whose webhook deliveries were lost, the runbook's monitoring queries, and inspect or reconcile
//! an organization with Stripe.

pub mod cli;
pub mod confirm;
pub mod context;
pub mod error;
pub mod events;
pub mod monitor;
pub mod orgs;
pub mod since;

use billing_core::ports::LedgerFilter;

use crate::cli::{Cli, Command, EventsCommand, OrgsCommand};
use crate::context::Admin;
use crate::error::AdminError;

/// Runs one command and returns what to print.
///
/// # Errors
/// [`AdminError`] saying what failed.
pub async fn run(cli: Cli) -> Result<String, AdminError> {
    if let Command::Orgs(OrgsCommand::CancelNow { org, yes: false, .. }) = &cli.command {
        confirm::typed(
            &format!("This cancels {org}'s subscription in Stripe now, without a refund, and moves it to the free plan."),
            org.as_str(),
        )?;
    }
    let admin = Admin::open(billing_wiring::config::from_args(cli.settings)?).await?;
    match cli.command {
        Command::Events(command) => run_events(&admin, command).await,
        Command::Orgs(OrgsCommand::PastDue { limit }) => monitor::past_due(&admin, limit).await,
        Command::Orgs(OrgsCommand::Show { org }) => orgs::show(&admin, &org).await,
        Command::Orgs(OrgsCommand::Reconcile { org, dry_run: false }) => orgs::reconcile(&admin, &org).await,
        Command::Orgs(OrgsCommand::Reconcile { org, dry_run: true }) => orgs::drift(&admin, &org).await,
        Command::Orgs(OrgsCommand::CancelNow { org, actor, .. }) => orgs::cancel_now(&admin, &org, &actor).await,
    }
}

async fn run_events(admin: &Admin, command: EventsCommand) -> Result<String, AdminError> {
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
        EventsCommand::Replay { id, actor } => events::replay(admin, &id, &actor).await,
        EventsCommand::Recover { since, until, max_pages } => {
            let until = until.unwrap_or_else(|| admin.now());
            let pages = usize::try_from(max_pages).unwrap_or(usize::MAX);
            Ok(events::recover(admin, since, until, pages).await?.to_string())
        }
    }
}

//! Confirmation of destructive commands: the operator types what is about to be changed.

use std::io::{BufRead, Write};

use crate::cli::{Command, EventsCommand, OrgsCommand, PaymentsCommand, ReconcileArgs, RefundArgs};
use crate::error::AdminError;

/// The word typed to confirm `orgs reconcile --all`.
pub const ALL: &str = "all";

/// The warning and the text to type that `command` needs before it changes anything: every
/// destructive command (cancel-now, refund, reconcile without --dry-run) unless `--yes`.
pub fn required(command: &Command) -> Option<(String, String)> {
    match command {
        Command::Orgs(OrgsCommand::CancelNow { org, yes, .. }) => (!yes).then(|| {
            let warning = format!("This cancels {org}'s subscription in Stripe now, without a refund, and moves it to the free plan.");
            (warning, org.to_string())
        }),
        Command::Payments(PaymentsCommand::Refund(args)) => (!args.yes).then(|| refund_warning(args)),
        Command::Orgs(OrgsCommand::Reconcile(args)) => (!args.yes && !args.dry_run).then(|| reconcile_warning(args)),
        Command::Orgs(OrgsCommand::PastDue { .. } | OrgsCommand::Show { .. })
        | Command::Payments(PaymentsCommand::Failures { .. })
        | Command::Consistency { .. }
        | Command::Events(
            EventsCommand::List { .. }
            | EventsCommand::Failed { .. }
            | EventsCommand::Slow { .. }
            | EventsCommand::Duplicates
            | EventsCommand::Backlog
            | EventsCommand::Show { .. }
            | EventsCommand::Replay { .. }
            | EventsCommand::Recover { .. },
        ) => None,
    }
}

fn refund_warning(args: &RefundArgs) -> (String, String) {
    let amount = args.amount.map_or_else(|| "what is left of".to_owned(), |a| format!("{a} minor units of"));
    let then = if args.cancel { ", then cancels its subscription now" } else { "" };
    (format!("This refunds {amount} charge {} to {}'s customer through Stripe{then}.", args.charge, args.org), args.org.to_string())
}

fn reconcile_warning(args: &ReconcileArgs) -> (String, String) {
    match &args.org {
        Some(org) if !args.all => (format!("This applies Stripe's subscription to {org}."), org.to_string()),
        Some(_) | None => ("This applies Stripe's subscription to every organization with a live one.".to_owned(), ALL.to_owned()),
    }
}

/// Prints `warning` and asks for `expected` to be typed on stdin; anything else (or no input at
/// all, as from a script that forgot `--yes`) refuses. Prompts go to stderr, so stdout keeps only
/// the command's output.
///
/// # Errors
/// [`AdminError::NotConfirmed`] unless the line read is `expected`.
pub fn typed(warning: &str, expected: &str) -> Result<(), AdminError> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{warning}\nType {expected} to confirm: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    // An unreadable stdin reads as no answer, which refuses.
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer_matches(&answer, expected).then_some(()).ok_or_else(|| AdminError::NotConfirmed(expected.to_owned()))
}

fn answer_matches(answer: &str, expected: &str) -> bool {
    answer.trim() == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Command {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([&["billing-admin"], args].concat()).unwrap_or_else(|e| panic!("{e}"));
        cli.command
    }

    #[test]
    fn destructive_commands_ask_unless_yes_and_dry_runs_and_reads_never_ask() {
        let expected = |args: &[&str]| required(&parsed(args)).map(|(_, typed)| typed);
        assert_eq!(expected(&["orgs", "cancel-now", "org_42"]).as_deref(), Some("org_42"));
        assert_eq!(expected(&["payments", "refund", "org_42", "--charge", "ch_1"]).as_deref(), Some("org_42"));
        assert_eq!(expected(&["orgs", "reconcile", "org_42"]).as_deref(), Some("org_42"));
        assert_eq!(expected(&["orgs", "reconcile", "--all"]).as_deref(), Some(ALL));
        for quiet in [
            &["orgs", "cancel-now", "org_42", "--yes"][..],
            &["payments", "refund", "org_42", "--charge", "ch_1", "--yes"],
            &["orgs", "reconcile", "org_42", "--dry-run"],
            &["orgs", "reconcile", "--all", "--dry-run"],
            &["orgs", "reconcile", "--all", "--yes"],
            &["orgs", "show", "org_42"],
            &["events", "list"],
            &["consistency"],
        ] {
            assert_eq!(expected(quiet), None, "{quiet:?}");
        }
        let (warning, _) =
            required(&parsed(&["payments", "refund", "org_42", "--charge", "ch_1", "--amount", "500", "--cancel"])).unwrap_or_default();
        assert!(warning.contains("500 minor units of charge ch_1") && warning.contains("cancels its subscription"), "{warning}");
    }

    #[test]
    fn only_the_exact_id_confirms() {
        assert!(answer_matches("org_42\n", "org_42"));
        assert!(answer_matches("  org_42  ", "org_42"));
        assert!(!answer_matches("yes\n", "org_42"));
        assert!(!answer_matches("", "org_42"));
        assert!(!answer_matches("org_4", "org_42"));
    }
}

//! Generates the state/transition table of `docs/state-machine.md` from `decide` and checks that
//! the document matches it. Run with `UPDATE_DOCS=1` to rewrite the table after a change.

use billing_core::testing::*;
use billing_core::{decide, Actor, BillingState, Command, Input, InvoiceFact, StripeFact, SubscriptionStatus, Timer, TransitionError};

const BEGIN: &str = "<!-- BEGIN GENERATED TABLE -->";
const END: &str = "<!-- END GENERATED TABLE -->";

/// A state in `status` on the Team plan (or a fresh organization for `none`).
fn state_in(status: SubscriptionStatus) -> BillingState {
    let rules = rules();
    if status == SubscriptionStatus::None {
        return new_org();
    }
    let fetched = Input::SubscriptionFetched(snapshot("price_team", status));
    decide(&rules, &new_org(), fetched, at(10)).map(|d| d.state).unwrap_or_else(|e| panic!("{e}"))
}

fn failed() -> InvoiceFact {
    invoice_fact("in_1", 9_900)
}

/// The columns: a name and the input with the time it is applied at.
fn inputs() -> Vec<(&'static str, Input, i64)> {
    let cmd = |c| Input::Command { actor: Actor::System, command: c };
    let ev = |f| Input::Stripe(event(50, 20, f));
    vec![
        ("snapshot active", ev(StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::Active))), 20),
        ("snapshot past_due", ev(StripeFact::SubscriptionChanged(snapshot("price_team", SubscriptionStatus::PastDue))), 20),
        ("subscription deleted", ev(StripeFact::SubscriptionDeleted(snapshot("price_team", SubscriptionStatus::Canceled))), 20),
        ("invoice payment failed", ev(StripeFact::InvoicePaymentFailed(failed())), 20),
        ("invoice paid", ev(StripeFact::InvoicePaid(failed())), 20),
        ("start checkout (team)", cmd(Command::StartCheckout { plan: plan("team") }), 20),
        ("cancel at period end", cmd(Command::CancelAtPeriodEnd), 20),
        ("reactivate", cmd(Command::Reactivate), 20),
        ("upgrade (enterprise)", cmd(Command::change_plan(plan("enterprise"))), 20),
        ("downgrade (solo)", cmd(Command::change_plan(plan("solo"))), 20),
        ("admin cancel now", cmd(Command::AdminCancelNow), 20),
        ("grace expired", Input::Timer(Timer::GraceExpired), 8 * DAY),
    ]
}

fn error_name(e: &TransitionError) -> String {
    let debug = format!("{e:?}");
    debug.split([' ', '(', '{']).next().unwrap_or("Error").to_owned()
}

fn cell(status: SubscriptionStatus, input: Input, t: i64) -> String {
    let before = state_in(status);
    match decide(&rules(), &before, input, at(t)) {
        Err(e) => format!("✗ {}", error_name(&e)),
        Ok(d) if d.state == before && d.effects.is_empty() => "·".to_owned(),
        Ok(d) => {
            let calls = d.effects.iter().filter(|e| matches!(e, billing_core::Effect::Stripe(_))).count();
            let stripe = if calls > 0 { " +Stripe" } else { "" };
            format!("{} / {}{}", d.state.status().as_str(), d.state.plan(), stripe)
        }
    }
}

fn table() -> String {
    let columns = inputs();
    let mut out = String::from("| state (on Team) |");
    for (name, _, _) in &columns {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(columns.len()));
    out.push('\n');
    for status in SubscriptionStatus::ALL {
        out.push_str(&format!("| `{}` |", status.as_str()));
        for (_, input, t) in inputs() {
            out.push_str(&format!(" {} |", cell(status, input, t)));
        }
        out.push('\n');
    }
    out
}

#[test]
fn state_machine_doc_matches_the_generated_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/state-machine.md");
    let doc = std::fs::read_to_string(path).expect("docs/state-machine.md exists");
    let (head, rest) = doc.split_once(BEGIN).expect("the doc has the begin marker");
    let (_, tail) = rest.split_once(END).expect("the doc has the end marker");
    let expected = format!("{head}{BEGIN}\n{}{END}{tail}", table());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &expected).expect("the doc is writable");
        return;
    }
    assert!(doc == expected, "docs/state-machine.md is out of date; rerun with UPDATE_DOCS=1 and review the diff");
}

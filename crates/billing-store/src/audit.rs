//! Audit rows of the `billing_transitions` table: the cause as kind, reference and actor columns.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use billing_core::ids::{CheckoutSessionId, OrgId, PlanId, StripeChargeId, StripeEventId};
use billing_core::{Actor, AuditCause, AuditEntry, Currency, Money, SubscriptionStatus, Timer};
use chrono::{DateTime, Utc};

use crate::error::CodecError;

/// One transition row; `cause_ref` is the event id, Checkout session id, command name or timer name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub org_id: String,
    pub from_plan: String,
    pub from_status: String,
    pub to_plan: String,
    pub to_status: String,
    pub cause_kind: String,
    pub cause_ref: Option<String>,
    pub actor_kind: Option<String>,
    pub actor_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// Columns of a transition row, in [`AuditRow`] field order, for INSERT and SELECT lists.
pub const AUDIT_COLUMNS: &str = "org_id, from_plan, from_status, to_plan, to_status, cause_kind, cause_ref, actor_kind, actor_id, at";

/// The command names `billing-core` uses today; stored names are matched against these first.
const COMMAND_NAMES: [&str; 7] = [
    "start_checkout",
    "checkout_opened",
    "cancel_at_period_end",
    "reactivate",
    "change_plan",
    "cancel_scheduled_change",
    "admin_cancel_now",
];

/// The audit entry as columns.
pub fn encode_audit(entry: &AuditEntry) -> AuditRow {
    let (kind, reference, actor) = match &entry.cause {
        AuditCause::StripeEvent(id) => ("stripe_event", Some(id.as_str().to_owned()), None),
        AuditCause::Checkout(session) => ("checkout", Some(session.as_str().to_owned()), None),
        AuditCause::Command { name, actor } => ("command", Some((*name).to_owned()), Some(actor)),
        AuditCause::Timer(timer) => ("timer", Some(timer.as_str().to_owned()), None),
        AuditCause::Reconcile { actor } => ("reconcile", None, Some(actor)),
        AuditCause::Refund { actor, charge, amount } => ("refund", Some(encode_refund(charge, *amount)), Some(actor)),
    };
    let (actor_kind, actor_id) = match actor {
        None => (None, None),
        Some(Actor::User(id)) => (Some("user"), Some(id.clone())),
        Some(Actor::Admin(id)) => (Some("admin"), Some(id.clone())),
        Some(Actor::System) => (Some("system"), None),
    };
    AuditRow {
        org_id: entry.org_id.as_str().to_owned(),
        from_plan: entry.from_plan.as_str().to_owned(),
        from_status: entry.from_status.as_str().to_owned(),
        to_plan: entry.to_plan.as_str().to_owned(),
        to_status: entry.to_status.as_str().to_owned(),
        cause_kind: kind.to_owned(),
        cause_ref: reference,
        actor_kind: actor_kind.map(str::to_owned),
        actor_id,
        at: entry.at,
    }
}

/// A `'static` command name for a stored one. Names written by a newer version are interned
/// once each, so memory stays bounded by the number of distinct command names.
fn command_name(raw: &str) -> &'static str {
    if let Some(known) = COMMAND_NAMES.iter().find(|n| **n == raw) {
        return known;
    }
    static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = INTERNED.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(name) = names.get(raw) {
        return name;
    }
    let name: &'static str = Box::leak(raw.to_owned().into_boxed_str());
    names.insert(name);
    name
}

fn parse_timer(raw: &str) -> Option<Timer> {
    match raw {
        "period_end" => Some(Timer::PeriodEnd),
        "grace_expired" => Some(Timer::GraceExpired),
        "pending_checkout_expired" => Some(Timer::PendingCheckoutExpired),
        _ => None,
    }
}

fn decode_actor(kind: Option<&str>, id: Option<String>) -> Result<Actor, CodecError> {
    match (kind, id) {
        (Some("user"), Some(id)) => Ok(Actor::User(id)),
        (Some("admin"), Some(id)) => Ok(Actor::Admin(id)),
        (Some("system"), _) => Ok(Actor::System),
        (other, _) => Err(CodecError::bad("actor_kind", other.unwrap_or("NULL"))),
    }
}

fn decode_cause(row: &AuditRow) -> Result<AuditCause, CodecError> {
    let reference = || row.cause_ref.clone().ok_or(CodecError::Missing { column: "cause_ref", because: "cause_kind" });
    match row.cause_kind.as_str() {
        "stripe_event" => {
            let raw = reference()?;
            StripeEventId::parse(raw.clone()).map(AuditCause::StripeEvent).map_err(|_| CodecError::bad("cause_ref", raw))
        }
        "checkout" => {
            let raw = reference()?;
            CheckoutSessionId::parse(raw.clone()).map(AuditCause::Checkout).map_err(|_| CodecError::bad("cause_ref", raw))
        }
        "command" => Ok(AuditCause::Command {
            name: command_name(&reference()?),
            actor: decode_actor(row.actor_kind.as_deref(), row.actor_id.clone())?,
        }),
        "timer" => {
            let raw = reference()?;
            parse_timer(&raw).map(AuditCause::Timer).ok_or_else(|| CodecError::bad("cause_ref", raw))
        }
        // Rows written before reconciles named who asked for them have no actor: they were the
        // server's own periodic reconciles.
        "reconcile" => match row.actor_kind {
            None => Ok(AuditCause::Reconcile { actor: Actor::System }),
            Some(_) => Ok(AuditCause::Reconcile { actor: decode_actor(row.actor_kind.as_deref(), row.actor_id.clone())? }),
        },
        "refund" => {
            let (charge, amount) = decode_refund(&reference()?)?;
            Ok(AuditCause::Refund { actor: decode_actor(row.actor_kind.as_deref(), row.actor_id.clone())?, charge, amount })
        }
        other => Err(CodecError::bad("cause_kind", other)),
    }
}

/// A refund's reference: `<charge id> <amount in minor units> <currency>`. Neither part ever
/// contains a space, so the row keeps the table's columns.
fn encode_refund(charge: &StripeChargeId, amount: Money) -> String {
    format!("{charge} {} {}", amount.minor_units(), amount.currency())
}

/// Reads back what [`encode_refund`] wrote.
fn decode_refund(raw: &str) -> Result<(StripeChargeId, Money), CodecError> {
    let bad = || CodecError::bad("cause_ref", raw);
    let [charge, minor, currency] = raw.split(' ').collect::<Vec<_>>()[..] else { return Err(bad()) };
    let charge = StripeChargeId::parse(charge).map_err(|_| bad())?;
    let minor: i64 = minor.parse().map_err(|_| bad())?;
    let currency = Currency::parse(currency).map_err(|_| bad())?;
    Ok((charge, Money::new(minor, currency)))
}

fn status(column: &'static str, raw: &str) -> Result<SubscriptionStatus, CodecError> {
    SubscriptionStatus::parse(raw).ok_or_else(|| CodecError::bad(column, raw))
}

fn plan(column: &'static str, raw: &str) -> Result<PlanId, CodecError> {
    PlanId::parse(raw).map_err(|_| CodecError::bad(column, raw))
}

/// The audit entry the columns describe.
///
/// # Errors
/// [`CodecError`] for a value the domain would never have written.
pub fn decode_audit(row: AuditRow) -> Result<AuditEntry, CodecError> {
    Ok(AuditEntry {
        org_id: OrgId::parse(row.org_id.clone()).map_err(|_| CodecError::bad("org_id", &row.org_id))?,
        from_plan: plan("from_plan", &row.from_plan)?,
        from_status: status("from_status", &row.from_status)?,
        to_plan: plan("to_plan", &row.to_plan)?,
        to_status: status("to_status", &row.to_status)?,
        cause: decode_cause(&row)?,
        at: row.at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cause: AuditCause) -> AuditEntry {
        AuditEntry {
            org_id: OrgId::parse("org_1").unwrap_or_else(|e| panic!("{e}")),
            from_plan: PlanId::parse("free").unwrap_or_else(|e| panic!("{e}")),
            from_status: SubscriptionStatus::None,
            to_plan: PlanId::parse("team").unwrap_or_else(|e| panic!("{e}")),
            to_status: SubscriptionStatus::Active,
            cause,
            at: DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn every_cause_and_actor_round_trips() {
        let causes = [
            AuditCause::StripeEvent(StripeEventId::parse("evt_1").unwrap_or_else(|e| panic!("{e}"))),
            AuditCause::Checkout(CheckoutSessionId::parse("cs_test_1").unwrap_or_else(|e| panic!("{e}"))),
            AuditCause::Command { name: "change_plan", actor: Actor::User("u_1".into()) },
            AuditCause::Command { name: "admin_cancel_now", actor: Actor::Admin("ops@example.com".into()) },
            AuditCause::Command { name: "some_future_command", actor: Actor::System },
            AuditCause::Timer(Timer::PeriodEnd),
            AuditCause::Timer(Timer::GraceExpired),
            AuditCause::Timer(Timer::PendingCheckoutExpired),
            AuditCause::Reconcile { actor: Actor::System },
            AuditCause::Reconcile { actor: Actor::Admin("alice".into()) },
            AuditCause::Refund {
                actor: Actor::Admin("bob".into()),
                charge: StripeChargeId::parse("ch_test_1").unwrap_or_else(|e| panic!("{e}")),
                amount: Money::new(1500, Currency::parse("eur").unwrap_or_else(|e| panic!("{e}"))),
            },
        ];
        for cause in causes {
            let original = entry(cause);
            assert_eq!(decode_audit(encode_audit(&original)).ok(), Some(original));
        }
    }

    #[test]
    fn a_checkout_cause_is_stored_as_its_session_id_and_refused_without_one() {
        let session = CheckoutSessionId::parse("cs_test_1").unwrap_or_else(|e| panic!("{e}"));
        let row = encode_audit(&entry(AuditCause::Checkout(session)));
        assert_eq!((row.cause_kind.as_str(), row.cause_ref.as_deref(), row.actor_kind.as_deref()), ("checkout", Some("cs_test_1"), None));
        let missing = AuditRow { cause_ref: None, ..row.clone() };
        assert!(matches!(decode_audit(missing), Err(CodecError::Missing { column: "cause_ref", .. })));
        let not_a_session = AuditRow { cause_ref: Some("evt_1".to_owned()), ..row };
        assert!(matches!(decode_audit(not_a_session), Err(CodecError::BadValue { column: "cause_ref", .. })));
    }

    #[test]
    fn a_reconcile_stored_before_it_named_an_actor_reads_back_as_the_servers() {
        let mut row = encode_audit(&entry(AuditCause::Reconcile { actor: Actor::Admin("alice".into()) }));
        assert_eq!(
            (row.cause_kind.as_str(), row.actor_kind.as_deref(), row.actor_id.as_deref()),
            ("reconcile", Some("admin"), Some("alice"))
        );
        (row.actor_kind, row.actor_id) = (None, None);
        assert_eq!(decode_audit(row).map(|e| e.cause).ok(), Some(AuditCause::Reconcile { actor: Actor::System }));
    }

    #[test]
    fn a_refund_is_stored_as_charge_amount_and_currency_and_anything_else_is_refused() {
        let charge = StripeChargeId::parse("ch_test_1").unwrap_or_else(|e| panic!("{e}"));
        let cause = AuditCause::Refund { actor: Actor::Admin("bob".into()), charge, amount: Money::new(2900, Currency::USD) };
        let row = encode_audit(&entry(cause));
        assert_eq!(row.cause_ref.as_deref(), Some("ch_test_1 2900 usd"));
        for bad in ["ch_test_1 2900", "ch_test_1 2900 usd extra", "ch/1 2900 usd", "ch_test_1 lots usd", "ch_test_1 2900 dollars"] {
            let broken = AuditRow { cause_ref: Some(bad.to_owned()), ..row.clone() };
            assert!(matches!(decode_audit(broken), Err(CodecError::BadValue { column: "cause_ref", .. })), "{bad}");
        }
    }

    #[test]
    fn unknown_command_names_are_interned_once() {
        assert!(std::ptr::eq(command_name("renamed_command"), command_name("renamed_command")));
    }
}

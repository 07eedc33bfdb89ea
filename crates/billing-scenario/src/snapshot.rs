//! The organization's billing as `GET /api/billing/subscription` reports it, and how a step prints it.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// An amount in minor units with its currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount < 0 { "-" } else { "" };
        let units = self.amount.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", units / 100, units % 100, self.currency.to_uppercase())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScheduledChange {
    pub plan: String,
    pub effective_at: DateTime<Utc>,
}

/// A payment the server heard of, failed or paid.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payment {
    #[serde(alias = "failed_at")]
    pub at: DateTime<Utc>,
    pub amount: i64,
    pub currency: String,
}

impl Payment {
    pub fn money(&self) -> Money {
        Money { amount: self.amount, currency: self.currency.clone() }
    }
}

/// A banner; only its kind is printed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notice {
    pub kind: String,
}

/// What one read of the subscription shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Snapshot {
    pub plan: String,
    pub status: String,
    pub cancel_at_period_end: bool,
    pub current_period_end: Option<DateTime<Utc>>,
    pub scheduled_change: Option<ScheduledChange>,
    pub grace_until: Option<DateTime<Utc>>,
    pub failed_payment: Option<Payment>,
    pub last_payment: Option<Payment>,
    #[serde(default)]
    pub notices: Vec<Notice>,
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plan {} ({})", self.plan, self.status)?;
        if let Some(end) = self.current_period_end {
            let verb = match (self.status.as_str(), self.cancel_at_period_end) {
                ("canceled", _) => "ended",
                (_, true) => "ends",
                (_, false) => "renews",
            };
            write!(f, ", {verb} {}", day(end))?;
        }
        if let Some(change) = &self.scheduled_change {
            write!(f, ", changes to {} on {}", change.plan, day(change.effective_at))?;
        }
        if let Some(failed) = &self.failed_payment {
            write!(f, ", {} failed", failed.money())?;
        }
        if let Some(grace) = self.grace_until {
            write!(f, ", grace until {}", day(grace))?;
        }
        if let Some(paid) = &self.last_payment {
            write!(f, ", last paid {} on {}", paid.money(), day(paid.at))?;
        }
        if !self.notices.is_empty() {
            let kinds: Vec<&str> = self.notices.iter().map(|n| n.kind.as_str()).collect();
            write!(f, ", banners: {}", kinds.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_prints_minor_units_as_a_decimal_amount_with_its_currency() {
        let owed = Money { amount: 20_000, currency: "usd".into() };
        let credit = Money { amount: -705, currency: "eur".into() };

        assert_eq!(owed.to_string(), "200.00 USD");
        assert_eq!(credit.to_string(), "-7.05 EUR");
    }

    #[test]
    fn a_past_due_snapshot_prints_the_failed_amount_and_the_grace_deadline() {
        let snapshot: Snapshot = serde_json::from_value(serde_json::json!({
            "plan": "team", "status": "past_due", "cancel_at_period_end": false,
            "current_period_end": "2026-02-01T00:00:00Z", "scheduled_change": null,
            "grace_until": "2026-02-08T00:00:00Z",
            "failed_payment": {"failed_at": "2026-02-01T00:00:00Z", "amount": 9900, "currency": "usd"},
            "last_payment": null, "notices": [{"kind": "payment_failed"}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));

        let line = snapshot.to_string();

        assert_eq!(
            line,
            "plan team (past_due), renews 2026-02-01 00:00 UTC, 99.00 USD failed, grace until 2026-02-08 00:00 UTC, banners: payment_failed"
        );
    }
}

//! The Stripe endpoints we call, one module per resource, as inherent methods of
//! [`crate::StripeClient`] named after Stripe's API (`customers_create`, ...). They return the
//! lenient wire types; [`crate::provider`] turns them into billing-core's.

mod charges;
mod checkout;
mod customers;
mod events;
mod invoices;
mod payment_intents;
mod schedules;
mod subscriptions;

pub use events::{EventListFilter, EventPage, FetchedEvent};
pub use schedules::DowngradePhases;

use crate::convert::ConvertError;

/// Stripe's longest accepted idempotency key.
pub(crate) const MAX_KEY_LEN: usize = 255;

/// The key of one step of a multi-call operation: `{key}:{step}`, shortened to Stripe's limit
/// (from the operation key, so the step stays distinct). Retrying the whole operation derives
/// the same keys again.
pub(crate) fn step_key(key: &str, step: &str) -> String {
    let room = MAX_KEY_LEN.saturating_sub(step.len() + 1);
    let mut cut = key.len().min(room);
    while !key.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}:{step}", &key[..cut])
}

/// An id read from a response, checked before it goes into a URL path.
pub(crate) fn path_segment<'a>(field: &'static str, raw: &'a str) -> Result<&'a str, ConvertError> {
    let safe = !raw.is_empty() && raw.len() <= MAX_KEY_LEN && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if safe {
        Ok(raw)
    } else {
        Err(ConvertError::UnsafeId(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_keys_append_the_step_and_stay_within_the_limit() {
        assert_eq!(step_key("billing:downgrade:org_1:v3", "create"), "billing:downgrade:org_1:v3:create");
        let long = "k".repeat(255);
        let derived = step_key(&long, "phases");
        assert_eq!(derived.len(), 255);
        assert!(derived.ends_with(":phases"));
    }

    #[test]
    fn ids_with_path_characters_are_refused() {
        assert!(path_segment("schedule", "sub_sched_1Abc").is_ok());
        assert!(path_segment("schedule", "../v1/charges").is_err());
        assert!(path_segment("schedule", "").is_err());
    }
}

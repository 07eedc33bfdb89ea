//! Objects rendered as the JSON Stripe sends, on top of Stripe's own example objects
//! ([`crate::templates`]) so that every field Stripe sends is present.

mod billing;
mod charge;
mod customer;
mod event;
mod schedule;
mod subscription;

pub use billing::{invoice, invoice_status, invoice_with_payments};
pub use charge::{charge, invoice_payments, payment_intent, refund};
pub use customer::{checkout_session, customer};
pub use event::event;
pub use schedule::schedule;
pub use subscription::subscription;

use serde_json::{Map, Value};

use crate::state::Metadata;

/// Sets `object[key]`, whatever `object` held before.
pub fn set(object: &mut Value, key: &str, value: impl Into<Value>) {
    if let Value::Object(map) = object {
        map.insert(key.to_owned(), value.into());
    }
}

/// Sets `object[path...]` one level at a time, creating objects on the way.
pub(crate) fn set_at(object: &mut Value, path: &[&str], value: impl Into<Value>) {
    match path {
        [] => {}
        [last] => set(object, last, value),
        [first, rest @ ..] => {
            if !object.get(first).is_some_and(Value::is_object) {
                set(object, first, Value::Object(Map::new()));
            }
            if let Some(inner) = object.get_mut(*first) {
                set_at(inner, rest, value);
            }
        }
    }
}

/// The id of the customer's saved test card.
pub(crate) fn payment_method_id(customer: &str) -> String {
    format!("pm_{}", customer.trim_start_matches("cus_"))
}

/// Metadata as a JSON object.
pub(crate) fn metadata(metadata: &Metadata) -> Value {
    Value::Object(metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_paths_are_created_or_overwritten() {
        let mut object = json!({"a": {"b": 1}, "c": null});

        set_at(&mut object, &["a", "b"], 2);
        set_at(&mut object, &["c", "d"], "x");

        assert_eq!(object, json!({"a": {"b": 2}, "c": {"d": "x"}}));
    }
}

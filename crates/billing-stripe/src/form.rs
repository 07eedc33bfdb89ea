//! The one form encoder: a small tree of fields flattened into Stripe's bracket notation.
//!
//! `Form::new().map("subscription_data", Form::new().map("metadata", Form::new().text("org_id", "org_42")))`
//! becomes `subscription_data[metadata][org_id]=org_42`; lists of forms get an index
//! (`line_items[0][price]`), lists of plain values get empty brackets (`expand[]=subscription`).
//! Percent-encoding of the pairs is left to reqwest (`.form()` / `.query()`).

/// A form body (or query) under construction. Field order is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    fields: Vec<(String, Node)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Value(String),
    Map(Form),
    Indexed(Vec<Form>),
    Array(Vec<String>),
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// `key=value`. An empty value is how Stripe unsets a field.
    pub fn text(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((key.into(), Node::Value(value.into())));
        self
    }

    /// `key=value` when `value` is present, nothing otherwise.
    pub fn opt_text(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.text(key, value),
            None => self,
        }
    }

    /// `key=true` or `key=false`.
    pub fn flag(self, key: impl Into<String>, value: bool) -> Self {
        self.text(key, if value { "true" } else { "false" })
    }

    /// `key=<decimal integer>`, used for amounts, counts and unix timestamps.
    pub fn int(self, key: impl Into<String>, value: i64) -> Self {
        self.text(key, value.to_string())
    }

    /// `key[inner_key]=…` for every field of `inner`.
    pub fn map(mut self, key: impl Into<String>, inner: Form) -> Self {
        self.fields.push((key.into(), Node::Map(inner)));
        self
    }

    /// `key[0][…]`, `key[1][…]`, … for a list of objects.
    pub fn items(mut self, key: impl Into<String>, items: Vec<Form>) -> Self {
        self.fields.push((key.into(), Node::Indexed(items)));
        self
    }

    /// `key[]=a&key[]=b` for a list of plain values (`expand[]`, `types[]`).
    pub fn array<I, V>(mut self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.fields.push((key.into(), Node::Array(values)));
        self
    }

    /// The flattened `(name, value)` pairs, in the order the fields were added.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (key, node) in &self.fields {
            flatten(key.clone(), node, &mut out);
        }
        out
    }
}

fn flatten(name: String, node: &Node, out: &mut Vec<(String, String)>) {
    match node {
        Node::Value(value) => out.push((name, value.clone())),
        Node::Map(form) => {
            for (key, inner) in &form.fields {
                flatten(format!("{name}[{key}]"), inner, out);
            }
        }
        Node::Indexed(forms) => {
            for (index, form) in forms.iter().enumerate() {
                for (key, inner) in &form.fields {
                    flatten(format!("{name}[{index}][{key}]"), inner, out);
                }
            }
        }
        Node::Array(values) => {
            out.extend(values.iter().map(|value| (format!("{name}[]"), value.clone())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn flat_fields_keep_their_names_and_order() {
        let form = Form::new().text("mode", "subscription").flag("cancel_at_period_end", true).int("proration_date", 1_788_000_000);

        assert_eq!(form.to_pairs(), pairs(&[("mode", "subscription"), ("cancel_at_period_end", "true"), ("proration_date", "1788000000")]));
    }

    #[test]
    fn nested_maps_use_one_bracket_per_level() {
        let metadata = Form::new().text("org_id", "org_42");
        let form = Form::new().map("subscription_data", Form::new().map("metadata", metadata));

        assert_eq!(form.to_pairs(), pairs(&[("subscription_data[metadata][org_id]", "org_42")]));
    }

    #[test]
    fn lists_of_objects_are_indexed_and_can_nest_further() {
        let phase0 = Form::new().items("items", vec![Form::new().text("price", "price_team").int("quantity", 1)]);
        let phase1 = Form::new().map("duration", Form::new().text("interval", "month"));
        let form = Form::new().items("phases", vec![phase0, phase1]);

        assert_eq!(
            form.to_pairs(),
            pairs(&[
                ("phases[0][items][0][price]", "price_team"),
                ("phases[0][items][0][quantity]", "1"),
                ("phases[1][duration][interval]", "month"),
            ])
        );
    }

    #[test]
    fn lists_of_values_use_empty_brackets() {
        let form = Form::new().array("types", ["invoice.paid", "invoice.payment_failed"]);

        assert_eq!(form.to_pairs(), pairs(&[("types[]", "invoice.paid"), ("types[]", "invoice.payment_failed")]));
    }

    #[test]
    fn absent_optionals_and_empty_containers_yield_nothing() {
        let form = Form::new().opt_text("email", None::<String>).map("metadata", Form::new()).items("items", vec![]);

        assert!(form.to_pairs().is_empty());
    }

    #[test]
    fn an_empty_value_is_kept_to_unset_a_field() {
        let form = Form::new().map("metadata", Form::new().text("org_id", ""));

        assert_eq!(form.to_pairs(), pairs(&[("metadata[org_id]", "")]));
    }
}

//! Form bodies and queries in Stripe's bracket notation, decoded with `serde_qs`.
//!
//! reqwest percent-encodes the brackets (`line_items%5B0%5D%5Bprice%5D`), so the non-strict mode
//! that decodes them is used.

use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Deepest nesting accepted (`phases[0][items][0][price]` is four levels).
const MAX_DEPTH: usize = 6;

/// Decodes a form body or query string into `T`; anything it cannot read is a 400.
pub fn decode<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let config = serde_qs::Config::new(MAX_DEPTH, false);
    config.deserialize_bytes(raw).map_err(|error| ApiError::bad_body(format!("Invalid request parameters: {error}")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Item {
        price: String,
        quantity: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        line_items: Vec<Item>,
        #[serde(default)]
        metadata: BTreeMap<String, String>,
        #[serde(default)]
        expand: Vec<String>,
    }

    #[test]
    fn percent_encoded_brackets_nest_into_lists_and_maps() {
        let raw = b"line_items%5B0%5D%5Bprice%5D=price_team_monthly&line_items%5B0%5D%5Bquantity%5D=1&metadata%5Borg_id%5D=org_42&expand%5B%5D=a&expand%5B%5D=b";

        let body: Body = decode(raw).unwrap();

        assert_eq!(body.line_items[0].price, "price_team_monthly");
        assert_eq!(body.line_items[0].quantity, Some(1));
        assert_eq!(body.metadata.get("org_id").map(String::as_str), Some("org_42"));
        assert_eq!(body.expand, vec!["a", "b"]);
    }

    #[test]
    fn a_non_numeric_quantity_is_a_bad_request() {
        let error = decode::<Body>(b"line_items[0][price]=p&line_items[0][quantity]=many").unwrap_err();

        assert_eq!(error.status, 400);
    }
}

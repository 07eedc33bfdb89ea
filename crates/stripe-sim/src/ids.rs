//! Object ids shaped like Stripe's: a type prefix, an underscore and random alphanumerics.

use rand::distributions::Alphanumeric;
use rand::Rng;

/// A fresh id such as `cus_Pq7Yb2WmXc41KaZ3nL0sTq9e`.
pub fn new_id(prefix: &str) -> String {
    let tail: String = rand::thread_rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect();
    format!("{prefix}_{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_are_distinct() {
        let first = new_id("cus");
        let second = new_id("cus");

        assert!(first.starts_with("cus_"));
        assert_eq!(first.len(), 28);
        assert_ne!(first, second);
    }
}

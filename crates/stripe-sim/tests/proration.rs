//! Invoice previews of an immediate price change, read through billing-stripe's client and
//! compared with billing-core's own proration arithmetic.

#![allow(clippy::unwrap_used)]

mod common;

use billing_core::ports::{PaymentProvider, PriceChange};
use billing_core::proration::immediate_charge;
use billing_core::{BillingPeriod, CheckoutSessionId, Currency, Money, StripePriceId};
use billing_stripe::StripeClient;
use common::{post, start, subscribe};
use stripe_sim::SimHandle;

/// A Team subscription, and the change to `price` at `seconds` into its period.
async fn team_and_change(sim: &SimHandle, client: &StripeClient, price: &str) -> (PriceChange, BillingPeriod) {
    let (_, done) = subscribe(sim, client, "price_team_monthly", "4242424242424242").await;
    let session: CheckoutSessionId = done["checkout_session"]["id"].as_str().unwrap().parse().unwrap();
    let info = client.retrieve_checkout_session(&session).await.unwrap();
    let subscription = client.retrieve_subscription(info.subscription.as_ref().unwrap()).await.unwrap();
    let change = PriceChange {
        customer: subscription.customer_id.clone(),
        subscription: subscription.id.clone(),
        price: StripePriceId::parse(price).unwrap(),
        proration_date: subscription.period.start(),
    };
    (change, subscription.period)
}

#[tokio::test]
async fn an_upgrade_preview_charges_exactly_what_the_core_computes_anywhere_in_the_period() {
    let (sim, client) = start();
    let (mut change, period) = team_and_change(&sim, &client, "price_enterprise_monthly").await;
    let usd = |cents| Money::new(cents, Currency::USD);
    // Odd offsets, so the shares are fractions of a cent and the rounding shows.
    for seconds in [0, 1, 7_777, 86_399, 1_296_001, 2_591_999, 2_592_000] {
        change.proration_date = period.start() + chrono::Duration::seconds(seconds);
        let preview = client.preview_proration(&change).await.unwrap();
        let expected = immediate_charge(usd(9_900), usd(49_900), period, change.proration_date).unwrap();
        assert_eq!((preview.proration, preview.amount_due), (expected, expected), "{seconds} s into the period");
    }
}

#[tokio::test]
async fn a_downgrade_preview_credits_the_difference_and_asks_for_nothing() {
    let (sim, client) = start();
    let (mut change, period) = team_and_change(&sim, &client, "price_solo_monthly").await;
    change.proration_date = period.start() + chrono::Duration::days(15);
    let preview = client.preview_proration(&change).await.unwrap();
    // Half of 29.00 charged, half of 99.00 credited.
    assert_eq!(preview.proration, Money::new(1_450 - 4_950, Currency::USD));
    assert_eq!(preview.amount_due, Money::new(0, Currency::USD));
}

#[tokio::test]
async fn a_preview_of_another_customers_subscription_or_an_unknown_price_is_refused() {
    let (sim, client) = start();
    let (change, _) = team_and_change(&sim, &client, "price_enterprise_monthly").await;
    let base = [("subscription", change.subscription.as_str()), ("subscription_details[items][0][price]", "price_enterprise_monthly")];
    let other = [&base[..], &[("customer", "cus_someone_else")]].concat();
    let (status, body) = post(&sim, "/v1/invoices/create_preview", &other, None).await;
    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("customer")), "{body}");
    let (status, body) = post(&sim, "/v1/invoices/create_preview", &[("subscription", change.subscription.as_str())], None).await;
    assert_eq!(status, 400, "no item to change: {body}");
    let unknown = PriceChange { price: StripePriceId::parse("price_nobody_sells").unwrap(), ..change };
    let refused = client.preview_proration(&unknown).await;
    assert!(matches!(refused, Err(billing_core::ports::PaymentError::NotFound { .. })), "{refused:?}");
}

#[tokio::test]
async fn a_preview_after_a_create_prorations_change_shows_what_the_next_change_then_charges() {
    let (sim, client) = start();
    let (change, period) = team_and_change(&sim, &client, "price_enterprise_monthly").await;
    let sub = change.subscription.as_str();
    let item = common::get(&sim, &format!("/v1/subscriptions/{sub}")).await.1["items"]["data"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/subscriptions/{sub}");
    let at = (period.start() + chrono::Duration::days(10)).timestamp().to_string();
    let first = [("items[0][id]", item.as_str()), ("items[0][price]", "price_enterprise_monthly"), ("proration_date", &at)];
    assert_eq!(post(&sim, &path, &first, None).await.0, 200);
    let later = (period.start() + chrono::Duration::days(20)).timestamp().to_string();
    let preview_form = [
        ("subscription", sub),
        ("subscription_details[items][0][id]", item.as_str()),
        ("subscription_details[items][0][price]", "price_team_monthly"),
        ("subscription_details[proration_behavior]", "always_invoice"),
        ("subscription_details[proration_date]", &later),
    ];

    let (status, preview) = post(&sim, "/v1/invoices/create_preview", &preview_form, None).await;
    let second = [
        ("items[0][id]", item.as_str()),
        ("items[0][price]", "price_team_monthly"),
        ("proration_behavior", "always_invoice"),
        ("proration_date", &later),
        ("expand[]", "latest_invoice"),
    ];
    let (changed, charged) = post(&sim, &path, &second, None).await;

    assert_eq!((status, changed), (200, 200), "{preview} {charged}");
    let invoice = &charged["latest_invoice"];
    assert_eq!(preview["lines"]["data"].as_array().unwrap().len(), 4, "{preview}");
    for field in ["total", "amount_due", "subtotal"] {
        assert_eq!(preview[field], invoice[field], "{field}");
    }
    let amounts = |invoice: &serde_json::Value| -> Vec<i64> {
        invoice["lines"]["data"].as_array().unwrap().iter().map(|line| line["amount"].as_i64().unwrap()).collect()
    };
    assert_eq!(amounts(&preview), amounts(invoice));
}

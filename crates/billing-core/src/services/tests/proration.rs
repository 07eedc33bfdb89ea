use super::*;
use crate::policy::ChangeDirection;
use crate::ports::ProrationPreview;

#[tokio::test]
async fn upgrade_quote_asks_stripe_at_now_and_matches_our_estimate() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let mut payments = MockPaymentProvider::new();
    payments
        .expect_preview_proration()
        .withf(|c| c.price == price("price_enterprise") && c.subscription == sub("sub_1") && c.proration_date == at(15 * DAY))
        .times(1)
        .returning(|c| Ok(ProrationPreview { proration: usd(20_000), amount_due: usd(20_000), proration_date: c.proration_date }));
    repo.expect_commit().never();
    let quote = service(repo, payments, 15 * DAY).preview_proration(&org("org_1"), &plan("enterprise")).await.unwrap();
    assert_eq!(quote.direction, ChangeDirection::Upgrade);
    assert_eq!(quote.estimate, usd(20_000), "Team to Enterprise at half the period");
    assert_eq!(quote.stripe.map(|p| p.proration), Some(usd(20_000)));
}

#[tokio::test]
async fn downgrade_quote_is_zero_and_does_not_call_stripe() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let mut payments = MockPaymentProvider::new();
    payments.expect_preview_proration().never();
    let quote = service(repo, payments, 15 * DAY).preview_proration(&org("org_1"), &plan("solo")).await.unwrap();
    assert_eq!((quote.direction, quote.estimate, quote.stripe), (ChangeDirection::Downgrade, usd(0), None));
}

#[tokio::test]
async fn quote_without_a_subscription_is_a_typed_error() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, new_org());
    let err = service(repo, MockPaymentProvider::new(), 0).preview_proration(&org("org_1"), &plan("team")).await.unwrap_err();
    assert!(matches!(err, crate::services::BillingError::Transition(crate::decide::TransitionError::NoSubscription)));
}

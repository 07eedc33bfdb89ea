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

fn preview_at(amount: i64) -> impl Fn(&crate::ports::PriceChange) -> Result<ProrationPreview, crate::ports::PaymentError> {
    move |c| Ok(ProrationPreview { proration: usd(amount), amount_due: usd(amount), proration_date: c.proration_date })
}

fn quote(amount: i64, price_id: &str) -> crate::services::QuoteLock {
    crate::services::QuoteLock { price: price(price_id), proration_date: at(15 * DAY), amount: usd(amount) }
}

#[tokio::test]
async fn a_quoted_upgrade_prorates_at_the_quotes_instant_when_the_price_still_holds() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let mut payments = MockPaymentProvider::new();
    payments.expect_preview_proration().withf(|c| c.proration_date == at(15 * DAY)).times(1).returning(preview_at(20_000));
    payments
        .expect_change_price_now()
        .withf(|c, _| c.proration_date == at(15 * DAY))
        .times(1)
        .returning(|_, _| Ok(snapshot("price_enterprise", SubscriptionStatus::Active)));
    repo.expect_commit().times(1).returning(|_| Ok(5));
    let request = crate::services::PlanChangeRequest {
        quote: Some(quote(20_000, "price_enterprise")),
        ..crate::services::PlanChangeRequest::to(plan("enterprise"))
    };
    // Five minutes after the quote: the change still uses the quoted instant.
    let state = service(repo, payments, 15 * DAY + 300).change_plan(&org("org_1"), crate::input::Actor::System, request).await.unwrap();
    assert_eq!(state.plan(), &plan("enterprise"));
}

#[tokio::test]
async fn a_quote_is_refused_when_stripe_now_charges_another_amount_or_the_price_moved() {
    for (stripe_now, quoted_price) in [(21_000, "price_enterprise"), (20_000, "price_team")] {
        let mut repo = MockBillingRepository::new();
        loads(&mut repo, team_state());
        let mut payments = MockPaymentProvider::new();
        payments.expect_preview_proration().returning(preview_at(stripe_now));
        payments.expect_change_price_now().never();
        repo.expect_commit().never();
        let request = crate::services::PlanChangeRequest {
            quote: Some(quote(20_000, quoted_price)),
            ..crate::services::PlanChangeRequest::to(plan("enterprise"))
        };
        let err = service(repo, payments, 15 * DAY).change_plan(&org("org_1"), crate::input::Actor::System, request).await.unwrap_err();
        let crate::services::BillingError::QuoteChanged { quoted, current } = err else { panic!("expected quote_changed, got {err}") };
        assert_eq!((quoted, current), (usd(20_000), usd(stripe_now)));
    }
}

#[tokio::test]
async fn downgrade_quote_takes_effect_at_period_end_at_the_new_price() {
    let mut repo = MockBillingRepository::new();
    loads(&mut repo, team_state());
    let quote = service(repo, MockPaymentProvider::new(), 15 * DAY).preview_proration(&org("org_1"), &plan("solo")).await.unwrap();
    assert_eq!((quote.effective_at, quote.charge_now()), (period(0).end(), usd(0)));
    assert_eq!(quote.next_invoice, usd(2_900));
}

//! Recording events an operator fetched from Stripe's API after their deliveries were lost,
//! audited with the operator page by page.

use super::{mode_mismatch, IntakeError, IntakeOutcome, StripeMode, VerifiedDelivery, WebhookIntake};
use crate::ports::{BillingRepository, Clock, RecordOutcome, WebhookLedger};

impl<R, L, C> WebhookIntake<R, L, C>
where
    R: BillingRepository + ?Sized,
    L: WebhookLedger + ?Sized,
    C: Clock + ?Sized,
{
    /// Records a page of fetched events as [`Self::record`] records each delivery (the
    /// organization resolved the same way, the other mode set aside), and notes `actor` as who
    /// recovered each event recorded, in the same transaction as the page; events the ledger
    /// holds already change nothing and get no note. Answers for each event in order.
    ///
    /// # Errors
    /// [`IntakeError`] when storage fails; then nothing of the page was recorded.
    pub async fn record_recovered(&self, deliveries: Vec<VerifiedDelivery>, actor: &str) -> Result<Vec<IntakeOutcome>, IntakeError> {
        let mut events = Vec::with_capacity(deliveries.len());
        let mut modes = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let received = StripeMode::of(delivery.livemode);
            if let Some(expected) = self.expected_mode.filter(|m| *m != received) {
                events.push(self.new_event(delivery, None, Some(mode_mismatch(expected, received))));
                modes.push(Some((expected, received)));
            } else {
                let org_id = self.resolve_org(&delivery).await?;
                events.push(self.new_event(delivery, org_id, None));
                modes.push(None);
            }
        }
        let recorded = self.ledger.record_recovered(&events, actor, self.clock.now()).await?;
        Ok(recorded
            .into_iter()
            .zip(modes)
            .map(|outcome| match outcome {
                (RecordOutcome::Recorded, Some((expected, received))) => IntakeOutcome::IgnoredForMode { expected, received },
                (RecordOutcome::Recorded, None) => IntakeOutcome::Recorded,
                (RecordOutcome::Duplicate, _) => IntakeOutcome::Duplicate,
            })
            .collect())
    }
}

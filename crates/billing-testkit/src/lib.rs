//! Test support for the billing stores.
//!
//! - [`contract`]: the port contract suite, written once and generic over the store; a store
//!   crate runs all of it with [`contract_tests!`].
//! - [`fresh_postgres_database`]: an empty database on `DATABASE_URL`, or on a throwaway
//!   cluster this crate starts under the target directory when no URL is set.
//! - [`fixtures`]: identifiers, times, ledger events and realistic states.
//! - [`migrator_up_to`]: a store's first migrations alone, to test upgrades of stored data.
//! - [`OwnedCluster`], [`server`] and [`stripe_events`]: a durable cluster, release server
//!   processes and generated signed deliveries, for whole-system runs (chaos, the server
//!   benchmark); [`find_tool`] finds client programs such as `pgbench`.

pub mod contract;
pub mod fixtures;
mod migrations;
mod postgres;
pub mod server;
pub mod stripe_events;

pub use migrations::migrator_up_to;
pub use postgres::{find_tool, fresh_postgres_database, try_fresh_postgres_database, OwnedCluster};

/// Expands to one `#[tokio::test]` per contract test, each on a fresh store.
///
/// `$factory` is an async function returning `(store, guard)`; the guard (a temporary
/// directory, say) lives until the test ends. The calling crate needs `tokio` as a
/// dev-dependency.
///
/// With `raw_sql = $raw`, the tests that corrupt rows by hand run too: `$raw(&store, &guard)`
/// returns a [`contract::RawSql`] on the store's database.
#[macro_export]
macro_rules! contract_tests {
    ($factory:path, raw_sql = $raw:path) => {
        $crate::contract_tests!($factory);
        $crate::contract_tests!(@raw $factory, $raw;
            an_undecodable_notice_is_reported_alone_and_once_dead_lettered_never_claimed_again,
        );
    };
    ($factory:path) => {
        $crate::contract_tests!(@each $factory;
            recording_an_event_twice_reports_a_duplicate_and_changes_nothing,
            thirty_two_concurrent_writers_record_each_event_exactly_once,
            a_batch_of_deliveries_is_recorded_in_one_call_answering_each_in_order,
            concurrent_overlapping_batches_record_each_event_exactly_once,
            assigning_an_organization_to_an_event_is_visible_and_unknown_events_are_not_found,
            an_organization_learned_late_is_applied_at_once_when_nothing_else_waits,
            an_organization_learned_late_waits_for_its_event_in_flight,
            an_organization_learned_late_waits_behind_an_older_unfinished_event,
            assigning_an_organization_needs_the_lease,
            eight_concurrent_claimers_never_double_claim_or_run_two_events_of_one_org,
            an_organizations_events_are_claimed_one_at_a_time_oldest_created_first,
            an_expired_lease_is_reclaimed_and_the_old_holder_loses_it,
            release_returns_an_event_without_counting_the_attempt,
            a_commit_writes_state_audit_outbox_and_event_status_together,
            a_commit_with_a_stale_version_conflicts_and_writes_nothing,
            a_commit_whose_lease_was_lost_rolls_back_everything,
            a_batch_commits_its_good_items_together_and_rolls_back_each_failing_one_alone,
            a_batch_writes_its_items_in_order,
            a_stripe_customer_or_subscription_belongs_to_one_organization,
            a_failed_event_is_retried_on_the_backoff_schedule,
            an_event_goes_dead_after_the_configured_attempts,
            an_event_set_aside_as_ignored_keeps_its_reason_and_can_be_replayed,
            an_event_recorded_set_aside_is_never_claimed_until_replayed,
            a_claim_counts_the_leases_that_ran_out_and_a_replay_resets_the_count,
            replay_moves_a_finished_or_dead_event_back_to_due_and_audits_it,
            the_seed_monitoring_queries_find_what_they_look_for,
            every_ledger_filter_narrows_the_list_alone_and_all_together,
            load_or_create_makes_one_free_organization_at_version_zero,
            a_fully_populated_billing_state_round_trips_exactly,
            remembered_invoices_round_trip_in_their_order,
            due_timers_lists_organizations_whose_timer_has_passed_oldest_first,
            audit_rows_of_every_cause_are_listed_newest_first,
            the_outbox_hands_each_notice_out_once_until_its_lease_expires,
            delivering_a_notice_twice_succeeds_and_delivering_an_unknown_one_fails,
            pending_checkout_and_hosted_invoice_urls_round_trip_through_commit_and_load,
            a_checkout_fulfilled_on_the_customers_return_is_audited_as_that_checkout,
            the_first_installation_id_is_kept_and_later_candidates_get_it_back,
            racing_first_calls_agree_on_one_installation_id,
            paid_organizations_are_paged_by_id_leaving_out_free_and_ended_ones,
            the_consistency_check_reports_each_disagreement_made_on_purpose_and_nothing_else,
            recovered_events_are_recorded_once_with_who_recovered_them,
            ledger_rows_come_with_their_payloads_under_the_lists_filter,
        );
    };
    (@raw $factory:path, $raw:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, guard) = $factory().await;
                let raw = $raw(&store, &guard);
                $crate::contract::$name(::std::sync::Arc::new(store), &raw).await;
            }
        )*
    };
    (@each $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, _guard) = $factory().await;
                $crate::contract::$name(::std::sync::Arc::new(store)).await;
            }
        )*
    };
}

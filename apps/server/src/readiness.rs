//! Readiness answered from a cached database check, so unauthenticated probes cannot exhaust the
//! connection pool: at most one check runs at a time, and at most one per `max_age`.
//!
//! The storage ports offer no ping, only the ledger's backlog count; caching it keeps a flood of
//! probes down to one query per second whatever the query costs.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The outcome of one check and when it started.
#[derive(Debug, Clone, Copy)]
struct Snapshot {
    at: Instant,
    /// The backlog when the database answered; `None` when it did not.
    backlog: Option<u64>,
}

/// The latest database check, shared by every probe.
#[derive(Debug)]
pub struct Readiness {
    max_age: Duration,
    timeout: Duration,
    latest: Mutex<Option<Snapshot>>,
    /// Held by the one probe that is checking.
    checking: tokio::sync::Mutex<()>,
}

impl Readiness {
    /// Results are reused for `max_age`; a check that takes longer than `timeout` means not ready.
    pub fn new(max_age: Duration, timeout: Duration) -> Self {
        Self { max_age, timeout, latest: Mutex::new(None), checking: tokio::sync::Mutex::new(()) }
    }

    fn latest(&self) -> Option<Snapshot> {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self, now: Instant) -> Option<Snapshot> {
        self.latest().filter(|s| now.saturating_duration_since(s.at) < self.max_age)
    }

    /// The backlog when the database answered the latest check, `None` when it did not. Runs
    /// `probe` only when the latest result is older than `max_age` and no other check is running;
    /// meanwhile other probes answer from the latest result, or wait for the very first one.
    pub async fn check<F, Fut, E>(&self, now: Instant, probe: F) -> Option<u64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<u64, E>>,
    {
        if let Some(snapshot) = self.fresh(now) {
            return snapshot.backlog;
        }
        let _checking = match self.checking.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.latest() {
                Some(snapshot) => return snapshot.backlog,
                None => self.checking.lock().await,
            },
        };
        // The check this probe waited for may have just stored a result.
        if let Some(snapshot) = self.fresh(now) {
            return snapshot.backlog;
        }
        let backlog = tokio::time::timeout(self.timeout, probe()).await.ok().and_then(Result::ok);
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = Some(Snapshot { at: now, backlog });
        backlog
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use futures_util::future::join_all;

    use super::*;

    fn readiness() -> Readiness {
        Readiness::new(Duration::from_secs(1), Duration::from_secs(5))
    }

    /// A probe that counts its runs and answers `backlog` after yielding, like a query would.
    fn counted(calls: &Arc<AtomicUsize>, backlog: u64) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u64, ()>>>> {
        let calls = calls.clone();
        move || {
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok(backlog)
            })
        }
    }

    #[tokio::test]
    async fn concurrent_probes_share_one_check() {
        let (readiness, calls, now) = (readiness(), Arc::new(AtomicUsize::new(0)), Instant::now());
        let answers = join_all((0..50).map(|_| readiness.check(now, counted(&calls, 7)))).await;
        assert!(answers.iter().all(|a| *a == Some(7)), "{answers:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_result_is_reused_for_a_second_then_checked_again() {
        let (readiness, calls, start) = (readiness(), Arc::new(AtomicUsize::new(0)), Instant::now());
        assert_eq!(readiness.check(start, counted(&calls, 1)).await, Some(1));
        assert_eq!(readiness.check(start + Duration::from_millis(999), counted(&calls, 2)).await, Some(1));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(readiness.check(start + Duration::from_secs(1), counted(&calls, 2)).await, Some(2));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn while_a_check_runs_other_probes_answer_from_the_latest_result() {
        let (readiness, calls, start) = (readiness(), Arc::new(AtomicUsize::new(0)), Instant::now());
        assert_eq!(readiness.check(start, counted(&calls, 1)).await, Some(1));
        let later = start + Duration::from_secs(5);
        let gate = tokio::sync::Notify::new();
        let slow = readiness.check(later, || async {
            gate.notified().await;
            Ok::<_, ()>(2)
        });
        let others = async {
            let answers = join_all((0..10).map(|_| readiness.check(later, counted(&calls, 3)))).await;
            gate.notify_one();
            answers
        };
        let (slow, others) = tokio::join!(slow, others);
        assert_eq!((slow, calls.load(Ordering::SeqCst)), (Some(2), 1));
        assert!(others.iter().all(|a| *a == Some(1)), "{others:?}");
    }

    #[tokio::test]
    async fn a_failing_or_hanging_database_is_not_ready() {
        assert_eq!(readiness().check(Instant::now(), || async { Err::<u64, _>("down") }).await, None);
        let impatient = Readiness::new(Duration::from_secs(1), Duration::from_millis(20));
        // The outer limit turns a check that never gives up into a failure rather than a hang.
        let hanging =
            tokio::time::timeout(Duration::from_secs(5), impatient.check(Instant::now(), std::future::pending::<Result<u64, ()>>));
        assert_eq!(hanging.await, Ok(None));
    }
}

//! The installation id: the first candidate stored is the database's for good.

use std::collections::HashSet;
use std::sync::Arc;

use billing_core::ids::InstallationId;

use super::Store;

fn installation(raw: &str) -> InstallationId {
    InstallationId::parse(raw).unwrap()
}

/// The first call stores its candidate; later calls, whatever they offer, get that one back.
pub async fn the_first_installation_id_is_kept_and_later_candidates_get_it_back<S: Store>(store: Arc<S>) {
    let first = installation("inst_7d1c9a5e0b3f4e2a8c6d");
    assert_eq!(store.ensure_installation_id(&first).await.unwrap(), first);
    assert_eq!(store.ensure_installation_id(&installation("inst_other")).await.unwrap(), first);
    assert_eq!(store.ensure_installation_id(&first).await.unwrap(), first);
}

/// First calls racing each other with different candidates all come back with the same one,
/// which is one of theirs, and it stays.
pub async fn racing_first_calls_agree_on_one_installation_id<S: Store>(store: Arc<S>) {
    let candidates: Vec<InstallationId> = (0..16).map(|n| installation(&format!("inst_racer_{n}"))).collect();
    let tasks: Vec<_> = candidates
        .iter()
        .cloned()
        .map(|candidate| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.ensure_installation_id(&candidate).await.unwrap() })
        })
        .collect();
    let mut answers = HashSet::new();
    for task in tasks {
        answers.insert(task.await.unwrap());
    }
    assert_eq!(answers.len(), 1, "every racer gets the same id: {answers:?}");
    let winner = answers.into_iter().next().unwrap();
    assert!(candidates.contains(&winner), "{winner} was one of the candidates");
    assert_eq!(store.ensure_installation_id(&installation("inst_late")).await.unwrap(), winner);
}

/// Two store instances on one database (two processes, say) racing their first calls agree on
/// one id. Not part of [`crate::contract_tests!`], whose factory opens one store per test: each
/// store crate opens both instances itself and calls this.
pub async fn instances_sharing_a_database_agree_on_the_installation_id<S: Store>(a: Arc<S>, b: Arc<S>) {
    let (mine, theirs) = (installation("inst_instance_a"), installation("inst_instance_b"));
    let (from_a, from_b) = tokio::join!(a.ensure_installation_id(&mine), b.ensure_installation_id(&theirs));
    let (from_a, from_b) = (from_a.unwrap(), from_b.unwrap());
    assert_eq!(from_a, from_b);
    assert!(from_a == mine || from_a == theirs, "{from_a}");
    assert_eq!(b.ensure_installation_id(&installation("inst_restart")).await.unwrap(), from_a);
}

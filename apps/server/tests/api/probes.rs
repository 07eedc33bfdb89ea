//! `/metrics` behind `METRICS_TOKEN`; readiness keeps answering under a flood of probes.

use crate::helpers::*;

async fn metrics_with(app: &TestApp, authorization: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn with_a_metrics_token_metrics_answer_only_to_that_bearer_token() {
    let app = spawn_with(|s| s.metrics_token = Some("metrics-NOT-A-REAL-TOKEN".to_owned().into())).await;
    let (status, body) = metrics_with(&app, None).await;
    assert_eq!(status, 401);
    assert!(body.contains("\"error\":\"missing_token\""), "{body}");
    let (status, body) = metrics_with(&app, Some("Bearer metrics-NOT-A-REAL-TOKEn")).await;
    assert_eq!(status, 401);
    assert!(body.contains("\"error\":\"invalid_token\""), "{body}");
    assert_eq!(metrics_with(&app, Some("Basic metrics-NOT-A-REAL-TOKEN")).await.0, 401);
    let (status, body) = metrics_with(&app, Some("Bearer metrics-NOT-A-REAL-TOKEN")).await;
    assert_eq!(status, 200);
    assert!(body.contains("billing_ledger_backlog"), "{body}");
}

#[tokio::test]
async fn without_a_metrics_token_metrics_stay_open() {
    let app = spawn_app(Store::Sqlite).await;
    assert_eq!(metrics_with(&app, None).await.0, 200);
}

#[tokio::test]
async fn a_flood_of_readiness_probes_is_answered() {
    let app = spawn_app(Store::Sqlite).await;
    let probes = (0..200).map(|_| app.get("/readyz", None));
    let statuses: Vec<u16> = futures_util::future::join_all(probes).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

//! Two instances on one Postgres database receiving the same events concurrently.

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_apply_each_event_once() {
    let (database, _) = database(Store::Postgres).await;
    let a = spawn_on(database.clone(), None, false).await;
    let b = spawn_on(database, None, false).await;
    let names = [
        "customer.subscription.created.json",
        "checkout.session.completed.json",
        "customer.subscription.updated.plan_change.json",
        "invoice.paid.json",
        "invoice.payment_succeeded.json",
        "customer.subscription.updated.cancel_at_period_end.json",
    ];
    let mut sends = Vec::new();
    for name in names {
        let body = fixture(name);
        for app in [&a, &b] {
            let (client, address, body) = (app.client.clone(), app.address.clone(), body.clone());
            sends.push(tokio::spawn(async move {
                let header = sign(&body, WEBHOOK_SECRET);
                let res = client
                    .post(format!("{address}/api/webhooks/stripe"))
                    .header("Stripe-Signature", header)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let json: serde_json::Value = res.json().await.unwrap();
                (status, json["duplicate"].as_bool().unwrap_or(false))
            }));
        }
    }
    let mut duplicates = 0;
    for send in sends {
        let (status, duplicate) = send.await.unwrap();
        assert_eq!(status, 200);
        duplicates += usize::from(duplicate);
    }
    assert_eq!(duplicates, names.len(), "each event is recorded by exactly one instance");
    let s = a.subscription_when("org_42", |s| s["cancel_at_period_end"] == true).await;
    assert_eq!((s["plan"].as_str(), s["status"].as_str()), (Some("enterprise"), Some("active")));
    assert_eq!(b.subscription("org_42").await, s, "both instances read the same state");
}

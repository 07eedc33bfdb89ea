//! Stripe as wiremock plays it for the billing API tests: objects in the pinned version's shapes.

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::*;

pub const SUB: &str = "sub_test_1RvK8mQ2bT7xZqLm";
pub const CUSTOMER: &str = "cus_test_Pq7Yb2WmXc41Ka";
pub const SESSION: &str = "cs_test_session_1";
pub const CHECKOUT_URL: &str = "https://checkout.stripe.com/c/pay/cs_test_session_1";

/// The fixture subscription of `org_42`, on `price`, timestamps moved to now.
pub fn subscription_on(price: &str) -> Value {
    let mut event = fixture_json("customer.subscription.updated.plan_change.json");
    event["data"]["object"]["items"]["data"][0]["price"]["id"] = price.into();
    event["data"]["object"]["items"]["data"][0]["plan"]["id"] = price.into();
    event["data"]["object"].clone()
}

/// Puts `org_42` on the plan sold at `price` through a delivered webhook.
pub async fn subscribe(app: &TestApp, price: &str, plan: &str) {
    let mut event = fixture_json("customer.subscription.updated.plan_change.json");
    event["data"]["object"] = subscription_on(price);
    assert_eq!(app.deliver(&body(&event)).await.status(), 200);
    app.subscription_when("org_42", |s| s["plan"] == plan).await;
}

pub async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: Value) {
    Mock::given(method(verb)).and(path(route)).respond_with(ResponseTemplate::new(status).set_body_json(body)).mount(server).await;
}

pub async fn customer_and_session(server: &MockServer) {
    mount(server, "POST", "/v1/customers", 200, json!({"id": CUSTOMER, "object": "customer", "metadata": {"org_id": "org_42"}})).await;
    let expires = chrono::Utc::now().timestamp() + 86_000;
    let session = json!({"id": SESSION, "object": "checkout.session", "url": CHECKOUT_URL, "expires_at": expires, "status": "open", "mode": "subscription"});
    mount(server, "POST", "/v1/checkout/sessions", 200, session).await;
}

/// A Checkout session as `GET /v1/checkout/sessions/{id}` returns it.
pub fn session(org: &str, status: &str, payment_status: &str) -> Value {
    json!({"id": SESSION, "object": "checkout.session", "url": null, "status": status, "payment_status": payment_status,
        "mode": "subscription", "customer": CUSTOMER, "subscription": SUB, "client_reference_id": org, "metadata": {"org_id": org}})
}

/// An invoice preview whose proration lines add up to `proration`.
pub fn preview(proration: i64) -> Value {
    json!({"id": "upcoming_in_1", "object": "invoice", "currency": "usd", "amount_due": proration, "amount_paid": 0, "total": proration,
    "lines": {"object": "list", "has_more": false, "data": [
        {"id": "il_1", "amount": -(proration / 2), "currency": "usd", "parent": {"subscription_item_details": {"proration": true}}},
        {"id": "il_2", "amount": proration + proration / 2, "currency": "usd", "parent": {"subscription_item_details": {"proration": true}}}
    ]}})
}

/// Requests Stripe received at `route` with `verb`.
pub async fn received(server: &MockServer, verb: &str, route: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap_or_default();
    all.into_iter().filter(|r| r.method.as_str() == verb && r.url.path() == route).collect()
}

/// The form body of a request as `(name, value)` pairs.
pub fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

pub fn field(request: &Request, name: &str) -> Option<String> {
    form(request).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

pub fn idempotency_key(request: &Request) -> Option<String> {
    request.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl TestApp {
    pub async fn send(&self, verb: reqwest::Method, route: &str, role: billing_server::auth::Role, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(verb, format!("{}{route}", self.address)).bearer_auth(token("org_42", role, 600));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn owner_post(&self, route: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, route, billing_server::auth::Role::Owner, Some(body)).await
    }
}

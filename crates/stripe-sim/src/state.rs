//! The simulator's in-memory world: every object by id, the event log and the idempotency store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;
use tokio::sync::watch;

use crate::config::{PriceConfig, SimConfig};
use crate::idempotency::IdempotencyStore;
use crate::payments::{Charge, PaymentIntent, Refund};
use crate::schedule::Schedule;
use crate::webhooks::{Faults, WebhookEndpoint};

/// String metadata, as Stripe keeps it.
pub type Metadata = BTreeMap<String, String>;

/// What happens when a customer's saved card is charged, by Stripe's test card numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    /// 4242 4242 4242 4242.
    Succeeds,
    /// 4000 0000 0000 0341: attaches, every charge fails.
    AttachesThenFails,
    /// 4000 0000 0000 9995: declined with `insufficient_funds`.
    Declines,
    /// 4000 0027 6000 3184: every payment needs authentication.
    RequiresAuthentication,
}

impl CardOutcome {
    /// The outcome of a test card number (spaces allowed); `None` for numbers not simulated.
    pub fn from_number(number: &str) -> Option<Self> {
        let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        match digits.as_str() {
            "4242424242424242" => Some(Self::Succeeds),
            "4000000000000341" => Some(Self::AttachesThenFails),
            "4000000000009995" => Some(Self::Declines),
            "4000002760003184" => Some(Self::RequiresAuthentication),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub created: i64,
    pub email: Option<String>,
    pub metadata: Metadata,
    pub card: Option<CardOutcome>,
}

/// A price change left waiting for its invoice's payment (`payment_behavior=pending_if_incomplete`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpdate {
    pub price: String,
    pub expires_at: i64,
    /// The open invoice whose payment applies the change.
    pub invoice: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Open,
    Complete,
    Expired,
}

#[derive(Debug, Clone)]
pub struct CheckoutSession {
    pub id: String,
    pub created: i64,
    pub customer: String,
    pub price: String,
    pub client_reference_id: Option<String>,
    pub metadata: Metadata,
    pub subscription_metadata: Metadata,
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub expires_at: i64,
    pub status: SessionStatus,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    /// `subscription_data[trial_period_days]`, counted from completion.
    pub trial_period_days: Option<i64>,
    /// `subscription_data[trial_end]`.
    pub trial_end: Option<i64>,
}

/// A billing portal session: whose portal its page shows and where its "Return" link goes.
#[derive(Debug, Clone)]
pub struct PortalSession {
    pub id: String,
    pub customer: String,
    pub return_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubStatus {
    Incomplete,
    Trialing,
    Active,
    PastDue,
    Unpaid,
    Canceled,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub created: i64,
    pub customer: String,
    pub item_id: String,
    pub price: String,
    pub status: SubStatus,
    pub period_start: i64,
    pub period_end: i64,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub latest_invoice: Option<String>,
    pub metadata: Metadata,
    /// The schedule controlling the subscription, while one does.
    pub schedule: Option<String>,
    pub pending_update: Option<PendingUpdate>,
    /// Proration lines of `create_prorations` changes, billed with the next invoice.
    pub pending_lines: Vec<InvoiceLine>,
    pub trial_start: Option<i64>,
    pub trial_end: Option<i64>,
    /// Whether `customer.subscription.trial_will_end` went out.
    pub trial_will_end_sent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
}

#[derive(Debug, Clone)]
pub struct InvoiceLine {
    pub id: String,
    pub amount: i64,
    pub price: String,
    pub proration: bool,
    pub period_start: i64,
    pub period_end: i64,
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: String,
    /// Creation order across the simulator, for lists: several invoices share a second.
    pub seq: u64,
    pub created: i64,
    pub customer: String,
    pub subscription: String,
    pub subscription_item: String,
    pub currency: String,
    pub billing_reason: &'static str,
    pub lines: Vec<InvoiceLine>,
    pub status: InvoiceStatus,
    pub attempt_count: u32,
    pub paid_at: Option<i64>,
    /// When the next automatic payment attempt is due; `None` when none is scheduled.
    pub next_payment_attempt: Option<i64>,
    /// The PaymentIntent collecting the invoice, from its first payment attempt on.
    pub payment_intent: Option<String>,
}

impl Invoice {
    /// The sum of the lines.
    pub fn total(&self) -> i64 {
        self.lines.iter().map(|line| line.amount).sum()
    }

    /// What the customer owes: the total, or nothing when it is a credit.
    pub fn amount_due(&self) -> i64 {
        self.total().max(0)
    }
}

/// One event, with the object snapshot taken when it happened.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub created: i64,
    pub object: Value,
    pub previous_attributes: Option<Value>,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// The delivery faults in force when the event happened, so that switching them does not
    /// race with the delivery task.
    pub faults: Faults,
}

/// Everything the simulator knows.
#[derive(Debug, Default)]
pub struct State {
    /// Where the simulator listens, for the URLs it hands out.
    pub base_url: String,
    pub prices: Vec<PriceConfig>,
    pub api_version: String,
    pub customers: HashMap<String, Customer>,
    pub sessions: HashMap<String, CheckoutSession>,
    pub portal_sessions: HashMap<String, PortalSession>,
    pub subscriptions: HashMap<String, Subscription>,
    pub invoices: HashMap<String, Invoice>,
    pub payment_intents: HashMap<String, PaymentIntent>,
    pub charges: HashMap<String, Charge>,
    pub refunds: HashMap<String, Refund>,
    pub schedules: HashMap<String, Schedule>,
    /// Oldest first; `GET /v1/events` reverses it.
    pub events: Vec<Event>,
    pub idempotency: IdempotencyStore,
    /// Registered endpoints, oldest first.
    pub webhook_endpoints: Vec<WebhookEndpoint>,
    /// By event id, the endpoints that have not acknowledged it yet (`pending_webhooks`).
    pub pending: HashMap<String, BTreeSet<String>>,
    pub faults: Faults,
    /// Tells the delivery task that the event log grew.
    pub signal: EventSignal,
    pub dunning: crate::config::Dunning,
}

/// The sending side of the "new events" signal; its value is the length of the event log.
#[derive(Debug)]
pub struct EventSignal(pub watch::Sender<usize>);

impl Default for EventSignal {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl State {
    /// A world holding only the configured prices.
    pub fn new(config: &SimConfig) -> Self {
        Self { prices: config.prices.clone(), api_version: config.api_version.clone(), dunning: config.dunning.clone(), ..Self::default() }
    }

    /// The configured price `id`.
    pub fn price(&self, id: &str) -> Option<&PriceConfig> {
        self.prices.iter().find(|price| price.id == id)
    }

    /// How many endpoints have not acknowledged event `id`.
    pub fn pending_webhooks(&self, id: &str) -> usize {
        self.pending.get(id).map_or(0, BTreeSet::len)
    }
}

/// Who caused a change: the API request (with its idempotency key), or Stripe itself (`None`).
#[derive(Debug, Clone, Default)]
pub struct Cause {
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

impl State {
    /// Appends an event of `event_type` about `object` at `created`, and returns its id.
    pub fn emit(&mut self, cause: &Cause, created: i64, event_type: &str, object: Value, previous: Option<Value>) -> String {
        let id = crate::ids::new_id("evt");
        let waiting: BTreeSet<String> =
            self.webhook_endpoints.iter().filter(|endpoint| endpoint.subscribes(event_type)).map(|endpoint| endpoint.id.clone()).collect();
        if !waiting.is_empty() {
            self.pending.insert(id.clone(), waiting);
        }
        self.events.push(Event {
            id: id.clone(),
            event_type: event_type.to_owned(),
            created,
            object,
            previous_attributes: previous,
            request_id: cause.request_id.clone(),
            idempotency_key: cause.idempotency_key.clone(),
            faults: self.faults,
        });
        self.signal.0.send_replace(self.events.len());
        id
    }
}

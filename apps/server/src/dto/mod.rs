//! The JSON shapes of the API, built from domain types at the edge; the organization view lives
//! in billing-wiring, since billing-admin prints it too.

mod catalog;
mod commands;
mod invoices;

pub use self::catalog::{EntitlementsResponse, NextChangeDto, PlanDto, PlanPriceDto, PlansResponse};
pub(crate) use commands::plan_id;
pub use commands::{
    ChangePlanBody, CheckoutBody, CheckoutResponse, PortalResponse, ProrationBody, ProrationResponse, UsageBody, VerifySessionBody,
};
pub use invoices::{InvoiceDto, InvoicesResponse, OrganizationView, ViewerDto};

pub use billing_wiring::view::{
    FailedPaymentDto, LimitsDto, MoneyDto, NoticeDto, OrganizationDto, OrganizationResponse, PaymentDto, ScheduledChangeDto,
    SubscriptionDto,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The webhook acknowledgement; sent only once the event is durably recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    pub received: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    pub status: &'static str,
}

//! The organization's invoices as the billing page lists them, and the caller's own role.

use billing_core::InvoiceSummary;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use billing_wiring::view::OrganizationResponse;

/// One invoice: amounts in minor units beside the currency, and Stripe's links to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceDto {
    pub id: String,
    pub number: Option<String>,
    pub created: DateTime<Utc>,
    /// `open`, `paid`, `uncollectible` or `void` (drafts are not listed).
    pub status: &'static str,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    /// Stripe's page of the invoice, where an open one can be paid.
    pub hosted_invoice_url: Option<String>,
    pub invoice_pdf: Option<String>,
}

impl From<InvoiceSummary> for InvoiceDto {
    fn from(i: InvoiceSummary) -> Self {
        Self {
            id: i.id.to_string(),
            number: i.number,
            created: i.created,
            status: i.status.as_str(),
            amount_due: i.amount_due.minor_units(),
            amount_paid: i.amount_paid.minor_units(),
            currency: i.amount_due.currency().to_string(),
            hosted_invoice_url: i.hosted_invoice_url,
            invoice_pdf: i.invoice_pdf,
        }
    }
}

/// `GET /api/billing/invoices`: newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoicesResponse {
    pub invoices: Vec<InvoiceDto>,
}

/// Who is asking, so a page can offer only what the caller may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewerDto {
    pub user_id: String,
    pub role: Role,
    /// Owners and admins may change billing; members only read.
    pub can_manage: bool,
}

impl From<&AuthUser> for ViewerDto {
    fn from(user: &AuthUser) -> Self {
        Self { user_id: user.user_id.clone(), role: user.role, can_manage: user.require_owner().is_ok() }
    }
}

/// `GET /api/organization`: the organization, and the caller's role in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    #[serde(flatten)]
    pub organization: OrganizationResponse,
    pub viewer: ViewerDto,
}

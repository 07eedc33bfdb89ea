//! The OpenAPI 3 document of this API, generated from the handlers' annotations.

use actix_web::{get, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::Role;
use crate::dto::{
    ChangePlanBody, CheckoutBody, CheckoutResponse, EntitlementsResponse, FailedPaymentDto, HealthDto, InvoiceDto, InvoicesResponse,
    LimitsDto, MoneyDto, NextChangeDto, NoticeDto, OrganizationDto, OrganizationResponse, OrganizationView, PaymentDto, PlanDto,
    PlanPriceDto, PlansResponse, PortalResponse, ProrationBody, ProrationResponse, ScheduledChangeDto, SubscriptionDto, TokenResponse,
    UsageBody, VerifySessionBody, ViewerDto, WebhookAck,
};
use crate::error::{ErrorBody, ExceededLimitDto};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "billing", description = "Subscription billing for plans sold through Stripe"),
    paths(
        super::health::healthz, super::health::readyz, super::health::metrics,
        super::auth::refresh, super::billing::organization, super::billing::subscription,
        super::billing::plans, super::billing::entitlements, super::billing::invoices,
        super::checkout::start, super::checkout::portal, super::checkout::verify,
        super::plan::cancel, super::plan::reactivate, super::plan::change, super::plan::release_scheduled, super::plan::proration,
        super::webhook::receive, document
    ),
    components(schemas(
        ErrorBody, HealthDto, LimitsDto, MoneyDto, NoticeDto, OrganizationDto, OrganizationResponse,
        ScheduledChangeDto, SubscriptionDto, TokenResponse, WebhookAck,
        ExceededLimitDto, FailedPaymentDto, PaymentDto, PlansResponse, PlanDto, PlanPriceDto, EntitlementsResponse, NextChangeDto,
        CheckoutBody, CheckoutResponse, PortalResponse, VerifySessionBody, ChangePlanBody, UsageBody, ProrationBody, ProrationResponse,
        InvoiceDto, InvoicesResponse, OrganizationView, ViewerDto, Role
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
#[get("/api/openapi.json")]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

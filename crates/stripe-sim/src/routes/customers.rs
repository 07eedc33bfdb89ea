//! `/v1/customers` and `/v1/billing_portal/sessions`.

use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::handle;
use crate::error::ApiError;
use crate::form::decode;
use crate::ids::new_id;
use crate::render;
use crate::server::Sim;
use crate::state::{Customer, Metadata, PortalSession};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/customers", web::post().to(create))
        .route("/v1/customers/{id}", web::get().to(retrieve))
        .route("/v1/billing_portal/sessions", web::post().to(portal_session));
}

#[derive(Debug, Deserialize)]
struct CreateCustomer {
    email: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

async fn create(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CreateCustomer = decode(&body)?;
        let customer = Customer { id: new_id("cus"), created: ctx.now, email: form.email, metadata: form.metadata, card: None };
        let object = render::customer(&customer)?;
        state.emit(&ctx.cause, ctx.now, "customer.created", object.clone(), None);
        state.customers.insert(customer.id.clone(), customer);
        Ok(object)
    })
}

async fn retrieve(req: HttpRequest, id: Path<String>, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &Bytes::new(), &sim, |state, _| {
        let customer = state.customers.get(id.as_str()).ok_or_else(|| ApiError::missing("customer", "id", &id))?;
        render::customer(customer)
    })
}

#[derive(Debug, Deserialize)]
struct CreatePortalSession {
    customer: Option<String>,
    return_url: Option<String>,
}

async fn portal_session(req: HttpRequest, body: Bytes, sim: Data<Sim>) -> HttpResponse {
    handle(&req, &body, &sim, |state, ctx| {
        let form: CreatePortalSession = decode(&body)?;
        let customer = form.customer.ok_or_else(|| ApiError::invalid_param("customer", "Missing required param: customer."))?;
        if !state.customers.contains_key(&customer) {
            return Err(ApiError::missing("customer", "customer", &customer));
        }
        super::web_url("return_url", form.return_url.as_deref())?;
        let id = new_id("bps");
        let mut object = crate::templates::template(crate::templates::Kind::PortalSession)?;
        for (key, value) in [
            ("id", json!(id)),
            ("customer", json!(customer)),
            ("created", json!(ctx.now)),
            ("return_url", json!(form.return_url.clone())),
            ("url", json!(format!("{}/p/session/{id}", state.base_url))),
            ("flow", json!(null)),
            ("configuration", json!("bpc_simulated_default")),
        ] {
            render::set(&mut object, key, value);
        }
        state.portal_sessions.insert(id.clone(), PortalSession { id, customer, return_url: form.return_url });
        Ok(object)
    })
}

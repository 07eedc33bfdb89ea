//! Entry point: read configuration, start logging, build and run the application.

use billing_server::{config, startup::Application, telemetry};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = config::load()?;
    telemetry::init(settings.log_json);
    Application::build(settings).await?.run_until_stopped().await
}

//! `billing-demo`: starts the server in demo mode on a free loopback port, walks one organization
//! through a whole subscription lifecycle against the embedded Stripe simulator, and prints the
//! organization's billing after each step. No real money moves.

use anyhow::Context;
use billing_scenario::{Lifecycle, ServerApi, SimApi, Step};
use billing_server::startup::Application;
use clap::Parser;
use secrecy::ExposeSecret;

fn print(number: &mut usize, step: &Step) {
    *number += 1;
    println!("{number}. {}", step.title);
    if let Some(detail) = &step.detail {
        println!("   {detail}");
    }
    println!("   -> {}\n", step.state);
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // The server's environment variables apply (a `DATABASE_URL`, say), but not its flags; unless
    // `BIND_ADDR` says otherwise, a free loopback port keeps clear of a server already running.
    let args = billing_server::config::Args::parse_from(["billing-demo"]);
    let mut settings = billing_server::config::from_args(args).context("the settings are invalid")?;
    settings.demo = true;
    if std::env::var_os("BIND_ADDR").is_none() {
        settings.bind_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    }
    let app = Application::build(settings).await?;
    let demo = app.demo().context("demo mode did not start its simulator")?;
    let api = ServerApi::new(demo.base_url.clone(), demo.owner_token.expose_secret());
    let sim = SimApi::new(demo.sim.base_url.clone());
    println!("DEMO -- NO REAL MONEY MOVES. Stripe is simulated at {}; the server runs at {}.", sim.base_url(), demo.base_url);
    println!("Organization {} walks through a subscription's life:\n", demo.org);
    let server = tokio::spawn(app.run_until_stopped());
    let mut number = 0;
    let outcome = Lifecycle::new(api, sim).run(|step| print(&mut number, step)).await;
    server.abort();
    outcome.context("the demo stopped")?;
    println!("Done. Run `cargo run --release -p billing-server -- --demo` to try it by hand.");
    Ok(())
}

//! The standalone `stripe-sim` binary: the simulator on a loopback port until interrupted.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use clap::Parser;
use stripe_sim::{SimConfig, Simulator};

/// Serves the simulated Stripe API on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "stripe-sim", version)]
struct Args {
    /// The loopback port to listen on; 0 picks a free one.
    #[arg(long, env = "STRIPE_SIM_PORT", default_value_t = 12111)]
    port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    // Loopback only: the simulator has no authentication worth the name.
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))?;
    let handle = Simulator::start_on(SimConfig::default(), listener)?;
    println!("stripe-sim listening on {}", handle.base_url);
    tokio::signal::ctrl_c().await?;
    handle.stop().await;
    Ok(())
}

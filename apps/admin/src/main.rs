//! Entry point: parse the command, run it, print its result or the error, and exit with the
//! status of [`billing_admin::output::status`].

use std::process::ExitCode;

use billing_admin::cli::Cli;
use billing_admin::output::status;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // Invalid arguments exit with clap's usage status, 2.
    let cli = Cli::parse();
    let json = cli.json;
    // Logs go to stderr so that stdout holds only the command's output.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match billing_admin::run(cli).await {
        Ok(report) => {
            println!("{}", report.render(json));
            ExitCode::from(report.exit_status())
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(status::FAILURE)
        }
    }
}

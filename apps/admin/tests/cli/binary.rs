//! The built binary: its exit codes and what goes to stdout and stderr.

use std::process::{Command, Output};

/// Runs `billing-admin` with only the given environment, so the caller's cannot leak in.
fn run(args: &[&str], database: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_billing-admin"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["events", "--help"], &dir.path().join("b.sqlite"));
    assert!(out.status.success());
    for command in ["list", "show", "replay", "recover"] {
        assert!(text(&out.stdout).contains(command), "{command} missing:\n{}", text(&out.stdout));
    }
}

#[tokio::test]
async fn a_listing_prints_to_stdout_and_an_unknown_event_exits_with_1_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::created_database(dir.path()).await;
    let listed = run(&["events", "list"], &db);
    assert_eq!((listed.status.code(), text(&listed.stdout).trim()), (Some(0), "0 event(s)"));

    let missing = run(&["events", "show", "evt_missing"], &db);
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
    assert!(text(&missing.stderr).contains("event evt_missing is not in the ledger"), "{}", text(&missing.stderr));
}

#[test]
fn a_bad_argument_exits_with_2_and_names_the_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["events", "list", "--status", "lost"], &dir.path().join("b.sqlite"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected received, processing"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn recovery_without_a_stripe_key_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::created_database(dir.path()).await;
    let out = run(&["events", "recover", "--since", "2026-11-01T00:00:00Z"], &db);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("STRIPE_SECRET_KEY is not set"), "{}", text(&out.stderr));
}

#[test]
fn a_missing_embedded_database_is_refused_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.sqlite");
    let out = run(&["events", "list", "--status", "dead"], &db);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no embedded database at"), "{}", text(&out.stderr));
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn zero_pages_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["events", "recover", "--since", "2026-11-01T00:00:00Z", "--max-pages", "0"], &dir.path().join("b.sqlite"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_offers_the_shared_settings_and_none_of_the_servers_own() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("b.sqlite");
    let pages = [&["--help"][..], &["events", "--help"], &["events", "list", "--help"], &["orgs", "--help"], &["orgs", "show", "--help"]];
    for args in pages {
        let out = run(args, &database);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        for server_only in
            ["BIND_ADDR", "Address to listen on", "BILLING_WORKERS", "BILLING_BATCH_SIZE", "JWT_", "TRUSTED_PROXIES", "METRICS_TOKEN"]
        {
            assert!(!help.contains(server_only), "{args:?} offers {server_only}:\n{help}");
        }
    }
    let help = text(&run(&["--help"], &database).stdout);
    for shared in ["DATABASE_URL", "STRIPE_SECRET_KEY", "BILLING_CONFIG", "BILLING_PLANS_FILE"] {
        assert!(help.contains(shared), "{shared} missing:\n{help}");
    }
}

#[tokio::test]
async fn the_servers_configuration_file_serves_the_commands_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::created_database(dir.path()).await;
    let config = dir.path().join("billing.toml");
    let file = format!("bind_addr = \"127.0.0.1:9000\"\nworkers = 4\njwt_ttl_secs = 600\ndatabase_url = \"sqlite://{}\"\n", db.display());
    std::fs::write(&config, file).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_billing-admin"))
        .args(["events", "list"])
        .env_clear()
        .env("BILLING_CONFIG", &config)
        .output()
        .expect("the binary runs");
    assert_eq!((out.status.code(), text(&out.stdout).trim()), (Some(0), "0 event(s)"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn cancelling_now_without_yes_changes_nothing_unless_the_organization_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::created_database(dir.path()).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-admin"))
        .args(["orgs", "cancel-now", "org_42"])
        .env_clear()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, b"yes\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Type org_42 to confirm") && stderr.contains("not confirmed"), "{stderr}");
    assert!(!stderr.contains("STRIPE_SECRET_KEY"), "refused before anything else is tried: {stderr}");
}

//! The built binary: its exit codes (0, 1, 2 and 3) and what goes to stdout and stderr.

use std::process::{Command, Output, Stdio};

use billing_admin::output::status;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    for command in ["list", "show", "replay", "recover", "failed", "slow", "duplicates", "backlog"] {
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
    assert_eq!(out.status.code(), Some(i32::from(status::USAGE)));
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
    let pages = [
        &["--help"][..],
        &["events", "--help"],
        &["events", "list", "--help"],
        &["orgs", "--help"],
        &["orgs", "show", "--help"],
        &["payments", "--help"],
        &["payments", "refund", "--help"],
        &["consistency", "--help"],
    ];
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

/// Runs `billing-admin` on the Postgres database at `url`, with Stripe at `stripe` when given and
/// the fixtures' prices, feeding `stdin` when given.
fn run_on_postgres(args: &[&str], url: &str, stripe: Option<&MockServer>, stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_billing-admin"));
    command.args(args).env_clear().env("DATABASE_URL", url).env("USER", "carol");
    command.env("STRIPE_PRICE_TEAM", "price_team_monthly").env("STRIPE_PRICE_ENTERPRISE", "price_business_monthly");
    command.env("STRIPE_PRICE_SOLO", "price_solo_monthly");
    if let Some(server) = stripe {
        command.env("STRIPE_SECRET_KEY", "sk_test_admin").env("STRIPE_API_BASE", server.uri()).env("STRIPE_MAX_RETRIES", "0");
    }
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::io::Write::write_all(&mut pipe, input).unwrap();
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn json_goes_to_stdout_alone_and_a_clean_check_exits_0() {
    let (_admin, url) = crate::helpers::admin(None).await;
    let listed = run_on_postgres(&["--json", "events", "list"], &url, None, None);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("stdout is JSON only");
    assert_eq!(json, serde_json::json!({"events": []}));
    for check in [&["events", "duplicates"][..], &["consistency"]] {
        let out = run_on_postgres(check, &url, None, None);
        assert_eq!(out.status.code(), Some(i32::from(status::SUCCESS)), "{check:?}: {}", text(&out.stderr));
    }
    let backlog = run_on_postgres(&["events", "backlog", "--json"], &url, None, None);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&backlog.stdout).ok(),
        Some(serde_json::json!({"backlog": 0})),
        "--json anywhere"
    );
}

#[tokio::test]
async fn a_consistency_problem_exits_3_with_the_table_on_stdout() {
    use billing_testkit::fixtures::{at, commit_of, decide_event, org, rules, subscription_event};
    let (admin, url) = crate::helpers::admin(None).await;
    let rules = rules();
    let state = admin.repo.load_or_create(&org(1), rules.catalog.free_plan().id()).await.unwrap();
    let ghost =
        decide_event(&rules, &state, subscription_event("ghost", 1, billing_core::SubscriptionStatus::Active, "price_team", 10), at(10));
    admin.repo.commit(commit_of(&rules, &ghost, None, at(10))).await.unwrap();
    let out = run_on_postgres(&["consistency"], &url, None, None);
    assert_eq!(out.status.code(), Some(i32::from(status::FOUND)), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("watermark_event_not_processed") && text(&out.stdout).contains("evt_ghost"),
        "{}",
        text(&out.stdout)
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn a_dry_run_that_finds_drift_exits_3_and_one_that_finds_none_exits_0() {
    let stripe = MockServer::start().await;
    let (admin, url) = crate::helpers::admin(Some(&stripe)).await;
    crate::orgs::enterprise_org(&admin, &stripe).await;
    let same = crate::helpers::fixture_json("customer.subscription.updated.plan_change.json")["data"]["object"].clone();
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(same))
        .up_to_n_times(1)
        .mount(&stripe)
        .await;
    let agrees = run_on_postgres(&["orgs", "reconcile", "org_42", "--dry-run"], &url, Some(&stripe), None);
    assert_eq!(agrees.status.code(), Some(0), "{}", text(&agrees.stderr));
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::orgs::moved_to_team()))
        .mount(&stripe)
        .await;
    let drifted = run_on_postgres(&["orgs", "reconcile", "org_42", "--dry-run", "--json"], &url, Some(&stripe), None);
    assert_eq!(drifted.status.code(), Some(i32::from(status::FOUND)), "{}", text(&drifted.stderr));
    let json: serde_json::Value = serde_json::from_slice(&drifted.stdout).unwrap();
    assert_eq!(json["drift"][0]["stripe"], "team");
    let all = run_on_postgres(&["orgs", "reconcile", "--all", "--dry-run", "--pace", "0s"], &url, Some(&stripe), None);
    assert_eq!(all.status.code(), Some(i32::from(status::FOUND)), "{}", text(&all.stderr));
    assert!(text(&all.stdout).contains("checked 1 organization(s): 1 differ from Stripe, 0 failed"), "{}", text(&all.stdout));
}

#[tokio::test]
async fn destructive_commands_change_nothing_unless_confirmed_and_the_operator_defaults_to_user() {
    let stripe = MockServer::start().await;
    let (admin, url) = crate::helpers::admin(Some(&stripe)).await;
    crate::orgs::enterprise_org(&admin, &stripe).await;
    Mock::given(method("GET"))
        .and(path("/v1/subscriptions/sub_test_1RvK8mQ2bT7xZqLm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::orgs::moved_to_team()))
        .mount(&stripe)
        .await;
    let refund = run_on_postgres(&["payments", "refund", "org_42", "--charge", "ch_1"], &url, Some(&stripe), Some(b"yes\n"));
    assert_eq!(refund.status.code(), Some(1));
    assert!(
        text(&refund.stderr).contains("Type org_42 to confirm") && text(&refund.stderr).contains("not confirmed"),
        "{}",
        text(&refund.stderr)
    );
    let all = run_on_postgres(&["orgs", "reconcile", "--all"], &url, Some(&stripe), Some(b"org_42\n"));
    assert_eq!(all.status.code(), Some(1));
    assert!(text(&all.stderr).contains("Type all to confirm"), "{}", text(&all.stderr));
    assert_eq!(admin.repo.load(&"org_42".parse().unwrap()).await.unwrap().unwrap().plan().as_str(), "enterprise", "nothing changed");

    let confirmed = run_on_postgres(&["orgs", "reconcile", "org_42"], &url, Some(&stripe), Some(b"org_42\n"));
    assert_eq!(confirmed.status.code(), Some(0), "{}", text(&confirmed.stderr));
    let audit = admin.repo.audit_trail(&"org_42".parse().unwrap(), 1).await.unwrap();
    assert_eq!(audit[0].cause, billing_core::AuditCause::Reconcile { actor: billing_core::Actor::Admin("carol".into()) });
}

#[test]
fn invalid_arguments_of_the_new_commands_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.sqlite");
    for args in [
        &["orgs", "reconcile"][..],
        &["orgs", "reconcile", "org_42", "--all"],
        &["payments", "refund", "org_42", "--charge", "ch_1", "--amount", "0"],
        &["payments", "refund", "org_42", "--charge", "ch 1"],
        &["payments", "refund", "org_42", "--charge", "ch_1", "--reason", "mistake"],
        &["payments", "failures", "--since", "last week"],
        &["orgs", "reconcile", "--all", "--page-size", "0"],
    ] {
        let out = run(args, &db);
        assert_eq!(out.status.code(), Some(i32::from(status::USAGE)), "{args:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

//! The shared settings: defaults, store selection, bounds, the file and secrets kept out of `Debug`.

use super::*;
use secrecy::ExposeSecret;

fn with(f: impl FnOnce(&mut SharedArgs)) -> Result<SharedSettings, ConfigError> {
    let mut args = SharedArgs::default();
    f(&mut args);
    resolve(args, SharedFileConfig::default())
}

#[test]
fn no_configuration_means_the_embedded_store_and_no_stripe() {
    let s = with(|_| {}).unwrap();
    assert_eq!(s.database, DatabaseConfig::Sqlite { path: PathBuf::from("data/billing.sqlite") });
    assert!(s.stripe_secret_key.is_none() && s.stripe_prices.iter().all(|(_, price)| price.is_none()));
    assert_eq!(s.stripe_api_base, "https://api.stripe.com");
    assert_eq!((s.stripe_timeout_secs, s.stripe_max_retries, s.grace_days), (10, 2, 7));
    assert_eq!((s.database_statement_timeout_secs, s.statement_timeout()), (30, Duration::from_secs(30)));
}

#[test]
fn postgres_and_sqlite_urls_select_the_store() {
    let pg = with(|a| a.database_url = Some("postgres://u@h/db".into())).unwrap();
    assert_eq!(pg.database, DatabaseConfig::Postgres { url: "postgres://u@h/db".into() });
    let lite = with(|a| a.database_url = Some("sqlite:///tmp/x.db".into())).unwrap();
    assert_eq!(lite.database, DatabaseConfig::Sqlite { path: PathBuf::from("/tmp/x.db") });
    let err = with(|a| a.database_url = Some("mysql://h/db".into())).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { var: "DATABASE_URL", .. }));
}

#[test]
fn database_passwords_never_print() {
    let s = with(|a| a.database_url = Some("postgres://billing:hunter2@db.internal:5432/billing".into())).unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("billing:***@db.internal"), "{shown}");
}

#[test]
fn database_credentials_in_query_parameters_never_print() {
    let url = "postgres://billing@db.internal/billing?sslmode=verify-full&password=hunter2&sslpassword=k3yphrase";
    let shown = format!("{:?}", with(|a| a.database_url = Some(url.into())).unwrap());
    assert!(!shown.contains("hunter2") && !shown.contains("k3yphrase"), "{shown}");
    assert!(shown.contains("sslmode=verify-full&password=***&sslpassword=***"), "{shown}");
}

#[test]
fn the_stripe_key_is_trimmed_and_never_prints() {
    let s = with(|a| a.stripe_secret_key = Some("  sk_test_S3CRET  ".into())).unwrap();
    assert_eq!(s.stripe_secret_key.as_ref().map(|k| k.expose_secret()), Some("sk_test_S3CRET"));
    assert!(!format!("{s:?}").contains("S3CRET"));
    assert!(with(|a| a.stripe_secret_key = Some("   ".into())).unwrap().stripe_secret_key.is_none(), "blank is unset");
    let err = with(|a| a.stripe_api_base = Some("ftp://stripe.example".into())).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { var: "STRIPE_API_BASE", .. }), "{err}");
}

#[test]
fn shared_settings_outside_their_bounds_are_refused_naming_the_variable() {
    type Set = fn(&mut SharedArgs);
    let cases: [(&str, Set, Set); 4] = [
        ("BILLING_GRACE_DAYS", |a| a.grace_days = Some(0), |a| a.grace_days = Some(i64::MAX / 86_400)),
        ("STRIPE_TIMEOUT_SECS", |a| a.stripe_timeout_secs = Some(0), |a| a.stripe_timeout_secs = Some(u64::MAX)),
        ("STRIPE_MAX_RETRIES", |a| a.stripe_max_retries = Some(11), |a| a.stripe_max_retries = Some(u32::MAX)),
        (
            "DATABASE_STATEMENT_TIMEOUT_SECS",
            |a| a.database_statement_timeout_secs = Some(0),
            |a| a.database_statement_timeout_secs = Some(3601),
        ),
    ];
    for (var, low, high) in cases {
        for set in [low, high] {
            let err = with(set).unwrap_err();
            assert!(matches!(err, ConfigError::OutOfRange { var: v, .. } if v == var), "{var}: {err}");
            assert!(err.to_string().contains(var), "{err}");
        }
    }
    let edges = with(|a| {
        a.grace_days = Some(365);
        a.stripe_max_retries = Some(0);
        a.database_statement_timeout_secs = Some(3600);
    });
    assert!(edges.is_ok(), "{edges:?}");
    let mut coded = defaults().unwrap();
    coded.grace_days = 0;
    assert!(coded.validate().is_err_and(|e| e.to_string().contains("BILLING_GRACE_DAYS")));
}

#[test]
fn the_file_fills_what_flags_and_environment_leave_unset_and_skips_the_servers_keys() {
    let file: SharedFileConfig =
        parse_file("bind_addr = \"127.0.0.1:9000\"\ngrace_days = 14\nstripe_max_retries = 5\nworkers = 4\n").unwrap();
    let s = resolve(SharedArgs { stripe_max_retries: Some(1), ..SharedArgs::default() }, file).unwrap();
    assert_eq!((s.grace_days, s.stripe_max_retries), (14, 1));
    assert!(parse_file::<SharedFileConfig>("grace_days = \"a week\"").is_err());
}

#[test]
fn an_unreadable_file_is_named_without_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = read_file::<SharedFileConfig>(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::File { ref path, .. } if *path == missing), "{err}");
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "stripe_secret_key = sk_test_UNQUOTED").unwrap();
    let err = read_file::<SharedFileConfig>(&broken).unwrap_err();
    assert!(err.to_string().contains("broken.toml") && !err.to_string().contains("UNQUOTED"), "{err}");
}

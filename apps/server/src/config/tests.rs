use super::*;
use secrecy::ExposeSecret;

fn with(f: impl FnOnce(&mut Args)) -> Result<Settings, ConfigError> {
    let mut args = Args::default();
    f(&mut args);
    resolve(args, FileConfig::default())
}

#[test]
fn no_configuration_means_loopback_and_the_embedded_store() {
    let s = with(|_| {}).unwrap();
    assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(s.database, DatabaseConfig::Sqlite { path: PathBuf::from("data/billing.sqlite") });
    assert!(s.stripe_secret_key.is_none() && s.jwt_secret.is_none() && s.stripe_webhook_secrets.is_empty());
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
fn webhook_secrets_are_a_comma_separated_list() {
    let s = with(|a| a.stripe_webhook_secret = Some("whsec_a, whsec_b,,".into())).unwrap();
    let secrets: Vec<&str> = s.stripe_webhook_secrets.iter().map(|s| s.expose_secret()).collect();
    assert_eq!(secrets, ["whsec_a", "whsec_b"]);
}

#[test]
fn invalid_values_name_their_variable_and_never_echo_secrets() {
    let err = with(|a| a.bind_addr = Some("nowhere".into())).unwrap_err();
    assert!(err.to_string().contains("BIND_ADDR"));
    let err = with(|a| a.workers = Some(0)).unwrap_err();
    assert!(err.to_string().contains("BILLING_WORKERS"));
    let err = with(|a| a.max_attempts = Some(0)).unwrap_err();
    assert!(err.to_string().contains("BILLING_MAX_ATTEMPTS"));
    let s = with(|a| a.jwt_secret = Some("super-secret-value".into())).unwrap();
    assert!(!format!("{s:?}").contains("super-secret-value"));
}

#[test]
fn database_passwords_never_print() {
    let s = with(|a| a.database_url = Some("postgres://billing:hunter2@db.internal:5432/billing".into())).unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("billing:***@db.internal"), "{shown}");
}

#[test]
fn the_file_fills_what_flags_and_environment_leave_unset() {
    let file = FileConfig::parse("bind_addr = \"127.0.0.1:9000\"\nworkers = 4\n").unwrap();
    let args = Args { workers: Some(1), ..Args::default() };
    let s = resolve(args, file).unwrap();
    assert_eq!((s.bind_addr.port(), s.workers), (9000, 1));
    assert!(FileConfig::parse("colour = \"red\"").is_err());
}

#[test]
fn the_notice_webhook_url_must_be_http_and_never_prints() {
    for bad in ["ftp://hooks.example/x", "https://hooks example/x", "http://"] {
        let err = with(|a| a.notify_webhook_url = Some(bad.into())).unwrap_err();
        assert!(err.to_string().contains("NOTIFY_WEBHOOK_URL") && !err.to_string().contains("hooks"), "{err}");
    }
    let s = with(|a| {
        a.notify_webhook_url = Some("https://hooks.example/T0KEN-in-path".into());
        a.notify_webhook_secret = Some("nsec_value".into());
    })
    .unwrap();
    assert_eq!(s.notify_webhook_url.as_ref().map(|u| u.expose_secret().to_owned()).as_deref(), Some("https://hooks.example/T0KEN-in-path"));
    let shown = format!("{s:?}");
    assert!(!shown.contains("T0KEN") && !shown.contains("nsec_value"), "{shown}");
}

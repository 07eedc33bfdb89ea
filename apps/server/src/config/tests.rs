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
    let s = with(|a| a.jwt_secret = Some("super-secret-value-of-at-least-32-bytes".into())).unwrap();
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

#[test]
fn duration_settings_outside_their_bounds_are_refused_naming_the_variable() {
    type Set = fn(&mut Args);
    let cases: [(&str, Set, Set); 10] = [
        ("JWT_TTL_SECS", |a| a.jwt_ttl_secs = Some(0), |a| a.jwt_ttl_secs = Some(i64::MAX)),
        ("JWT_REFRESH_WINDOW_SECS", |a| a.jwt_refresh_window_secs = Some(0), |a| a.jwt_refresh_window_secs = Some(i64::MAX)),
        ("JWT_MAX_SESSION_SECS", |a| a.jwt_max_session_secs = Some(59), |a| a.jwt_max_session_secs = Some(i64::MAX)),
        ("BILLING_GRACE_DAYS", |a| a.grace_days = Some(0), |a| a.grace_days = Some(i64::MAX / 86_400)),
        ("WEBHOOK_TOLERANCE_SECS", |a| a.webhook_tolerance_secs = Some(0), |a| a.webhook_tolerance_secs = Some(3601)),
        ("STRIPE_TIMEOUT_SECS", |a| a.stripe_timeout_secs = Some(0), |a| a.stripe_timeout_secs = Some(u64::MAX)),
        ("STRIPE_MAX_RETRIES", |a| a.stripe_max_retries = Some(11), |a| a.stripe_max_retries = Some(u32::MAX)),
        ("BODY_READ_TIMEOUT_SECS", |a| a.body_read_timeout_secs = Some(0), |a| a.body_read_timeout_secs = Some(61)),
        ("BILLING_RETRY_HORIZON_SECS", |a| a.retry_horizon_secs = Some(3599), |a| a.retry_horizon_secs = Some(2_592_001)),
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
        a.webhook_tolerance_secs = Some(3600);
        a.grace_days = Some(365);
        a.stripe_max_retries = Some(0);
        a.body_read_timeout_secs = Some(60);
        a.retry_horizon_secs = Some(3600);
        a.database_statement_timeout_secs = Some(3600);
    });
    assert!(edges.is_ok(), "{edges:?}");
}

#[test]
fn a_jwt_secret_shorter_than_32_bytes_is_refused_naming_the_variable_but_not_the_secret() {
    let err = with(|a| a.jwt_secret = Some("  a-secret-of-exactly-31-bytes-xy  ".into())).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { var: "JWT_SECRET", .. }), "{err}");
    assert!(!err.to_string().contains("exactly-31"), "{err}");
    assert!(with(|a| a.jwt_secret = Some("a-secret-of-exactly-32-bytes-xyz".into())).is_ok());
    let mut coded = defaults().unwrap();
    coded.jwt_secret = Some(SecretString::from("short"));
    assert!(coded.validate().is_err_and(|e| e.to_string().contains("JWT_SECRET")));
}

#[test]
fn database_credentials_in_query_parameters_never_print() {
    let url = "postgres://billing@db.internal/billing?sslmode=verify-full&password=hunter2&sslpassword=k3yphrase";
    let shown = format!("{:?}", with(|a| a.database_url = Some(url.into())).unwrap());
    assert!(!shown.contains("hunter2") && !shown.contains("k3yphrase"), "{shown}");
    assert!(shown.contains("sslmode=verify-full&password=***&sslpassword=***"), "{shown}");
}

#[test]
fn trusted_proxies_are_addresses_or_cidr_ranges() {
    let s = with(|a| a.trusted_proxies = Some(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,".into())).unwrap();
    let shown: Vec<String> = s.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["10.0.0.0/8", "192.168.1.7/32", "fd00::/8"]);
    let err = with(|a| a.trusted_proxies = Some("10.0.0.0/8, load-balancer".into())).unwrap_err();
    assert!(err.to_string().contains("TRUSTED_PROXIES") && err.to_string().contains("load-balancer"), "{err}");
    assert!(with(|a| a.trusted_proxies = Some("10.0.0.0/33".into())).is_err());
}

#[test]
fn new_settings_default_to_the_documented_values() {
    let s = with(|_| {}).unwrap();
    assert_eq!((s.body_read_timeout_secs, s.jwt_max_session_secs), (5, 604_800));
    assert!(s.trusted_proxies.is_empty() && s.metrics_token.is_none() && s.jwt_issuer.is_none() && s.jwt_audience.is_none());
    let s = with(|a| {
        a.metrics_token = Some("metrics-T0KEN".into());
        a.jwt_issuer = Some(" https://app.example ".into());
        a.jwt_audience = Some("  ".into());
    })
    .unwrap();
    assert_eq!((s.jwt_issuer.as_deref(), s.jwt_audience.as_deref()), (Some("https://app.example"), None));
    assert!(!format!("{s:?}").contains("T0KEN"));
}

#[test]
fn the_retry_horizon_and_statement_timeout_default_to_three_days_and_thirty_seconds_and_read_the_file() {
    let s = with(|_| {}).unwrap();
    assert_eq!((s.retry_horizon_secs, s.database_statement_timeout_secs), (259_200, 30));
    let file = FileConfig::parse("retry_horizon_secs = 86400\ndatabase_statement_timeout_secs = 5").unwrap();
    let s = resolve(Args::default(), file).unwrap();
    assert_eq!((s.retry_horizon_secs, s.database_statement_timeout_secs), (86_400, 5));
}

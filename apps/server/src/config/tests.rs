//! The server's settings around the shared ones: defaults, bounds, the file and every variable name.

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
    assert_eq!(s.shared.database, DatabaseConfig::Sqlite { path: std::path::PathBuf::from("data/billing.sqlite") });
    assert!(s.shared.stripe_secret_key.is_none() && s.jwt_secret.is_none() && s.stripe_webhook_secrets.is_empty());
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
fn the_file_fills_what_flags_and_environment_leave_unset() {
    let file = FileConfig::parse("bind_addr = \"127.0.0.1:9000\"\nworkers = 4\ngrace_days = 14\n").unwrap();
    let args = Args { workers: Some(1), ..Args::default() };
    let s = resolve(args, file).unwrap();
    assert_eq!((s.bind_addr.port(), s.workers, s.shared.grace_days), (9000, 1, 14));
    let unknown = FileConfig::parse("database_url = \"sqlite://x.db\"\ncolour = \"red\"").unwrap_err();
    assert!(unknown.contains("unknown field `colour`"), "{unknown}");
    assert!(FileConfig::parse("workers = \"four\"").is_err() && FileConfig::parse("grace_days = \"a week\"").is_err());
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
    let cases: [(&str, Set, Set); 9] = [
        ("JWT_TTL_SECS", |a| a.jwt_ttl_secs = Some(0), |a| a.jwt_ttl_secs = Some(i64::MAX)),
        ("JWT_REFRESH_WINDOW_SECS", |a| a.jwt_refresh_window_secs = Some(0), |a| a.jwt_refresh_window_secs = Some(i64::MAX)),
        ("JWT_MAX_SESSION_SECS", |a| a.jwt_max_session_secs = Some(59), |a| a.jwt_max_session_secs = Some(i64::MAX)),
        ("WEBHOOK_TOLERANCE_SECS", |a| a.webhook_tolerance_secs = Some(0), |a| a.webhook_tolerance_secs = Some(3601)),
        ("BODY_READ_TIMEOUT_SECS", |a| a.body_read_timeout_secs = Some(0), |a| a.body_read_timeout_secs = Some(61)),
        ("BILLING_RETRY_HORIZON_SECS", |a| a.retry_horizon_secs = Some(3599), |a| a.retry_horizon_secs = Some(2_592_001)),
        ("DRIFT_CHECK_RATE", |a| a.drift_check_rate = Some(0), |a| a.drift_check_rate = Some(21)),
        ("DRIFT_CHECK_INTERVAL_SECS", |a| a.drift_check_interval_secs = Some(299), |a| a.drift_check_interval_secs = Some(604_801)),
        // The shared settings' bounds are billing-wiring's; one of them shows the server applies them.
        ("STRIPE_TIMEOUT_SECS", |a| a.shared.stripe_timeout_secs = Some(0), |a| a.shared.stripe_timeout_secs = Some(u64::MAX)),
    ];
    for (var, low, high) in cases {
        for set in [low, high] {
            let err = with(set).unwrap_err();
            let named = matches!(&err, ConfigError::OutOfRange { var: v, .. } | ConfigError::Invalid { var: v, .. } if *v == var);
            assert!(named, "{var}: {err}");
            assert!(err.to_string().contains(var), "{err}");
        }
    }
    let edges = with(|a| {
        a.webhook_tolerance_secs = Some(3600);
        a.body_read_timeout_secs = Some(60);
        a.retry_horizon_secs = Some(3600);
        a.drift_check_rate = Some(20);
        a.drift_check_interval_secs = Some(300);
    });
    assert!(edges.is_ok(), "{edges:?}");
    let off = with(|a| a.drift_check_interval_secs = Some(0));
    assert_eq!(off.map(|s| s.drift_check_interval_secs).ok(), Some(0), "0 turns drift checks off");
    let week = with(|a| a.drift_check_interval_secs = Some(604_800));
    assert!(week.is_ok(), "{week:?}");
    let mut coded = defaults().unwrap();
    coded.shared.database_statement_timeout_secs = 0;
    assert!(coded.validate().is_err_and(|e| e.to_string().contains("DATABASE_STATEMENT_TIMEOUT_SECS")));
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
    assert_eq!((s.drift_check_interval_secs, s.drift_check_rate), (21_600, 5));
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
    assert_eq!((s.retry_horizon_secs, s.shared.database_statement_timeout_secs), (259_200, 30));
    let file = FileConfig::parse("retry_horizon_secs = 86400\ndatabase_statement_timeout_secs = 5").unwrap();
    let s = resolve(Args::default(), file).unwrap();
    assert_eq!((s.retry_horizon_secs, s.shared.database_statement_timeout_secs), (86_400, 5));
}

#[test]
fn every_setting_keeps_its_environment_variable() {
    use clap::CommandFactory;
    let mut names: Vec<String> =
        Args::command().get_arguments().filter_map(|a| a.get_env()).map(|e| e.to_string_lossy().into_owned()).collect();
    names.sort();
    let mut expected: Vec<&str> = "BILLING_CONFIG BIND_ADDR DATABASE_URL STRIPE_SECRET_KEY STRIPE_API_BASE STRIPE_WEBHOOK_SECRET \
        STRIPE_PRICE_SOLO STRIPE_PRICE_TEAM STRIPE_PRICE_ENTERPRISE JWT_SECRET JWT_TTL_SECS JWT_REFRESH_WINDOW_SECS \
        JWT_MAX_SESSION_SECS JWT_ISSUER JWT_AUDIENCE APP_BASE_URL BILLING_PLANS_FILE BILLING_WORKERS BILLING_BATCH_SIZE \
        BILLING_GRACE_DAYS BILLING_MAX_ATTEMPTS BILLING_RETRY_HORIZON_SECS DATABASE_STATEMENT_TIMEOUT_SECS \
        WEBHOOK_TOLERANCE_SECS LOG_FORMAT NOTIFY_WEBHOOK_URL NOTIFY_WEBHOOK_SECRET STRIPE_TIMEOUT_SECS STRIPE_MAX_RETRIES \
        TRUSTED_PROXIES BODY_READ_TIMEOUT_SECS METRICS_TOKEN DRIFT_CHECK_INTERVAL_SECS DRIFT_CHECK_RATE BILLING_DEMO \
        PUBLIC_URL PAGES_FRAME_ANCESTORS"
        .split_whitespace()
        .collect();
    expected.sort_unstable();
    assert_eq!(names, expected, "every variable of the server keeps its name");
}

#[test]
fn a_file_with_every_key_still_reads() {
    let text = r#"
        bind_addr = "127.0.0.1:9001"
        database_url = "postgres://billing@db/billing"
        stripe_secret_key = "sk_test_file"
        stripe_api_base = "http://stripe.local"
        stripe_webhook_secret = "whsec_a,whsec_b"
        stripe_price_solo = "price_solo"
        stripe_price_team = "price_team"
        stripe_price_enterprise = "price_enterprise"
        jwt_secret = "a-secret-of-exactly-32-bytes-xyz"
        jwt_ttl_secs = 600
        jwt_refresh_window_secs = 300
        jwt_max_session_secs = 86400
        jwt_issuer = "https://app.example"
        jwt_audience = "billing-api"
        app_base_url = "https://app.example/"
        public_url = "https://billing.example/"
        pages_frame_ancestors = "https://app.example"
        plans_file = "plans.toml"
        workers = 3
        batch_size = 64
        grace_days = 10
        max_attempts = 5
        retry_horizon_secs = 7200
        database_statement_timeout_secs = 15
        webhook_tolerance_secs = 120
        log_format = "json"
        notify_webhook_url = "https://hooks.example/notices"
        notify_webhook_secret = "nsec_file"
        stripe_timeout_secs = 20
        stripe_max_retries = 4
        trusted_proxies = "10.0.0.0/8"
        body_read_timeout_secs = 9
        metrics_token = "metrics-file"
        drift_check_interval_secs = 3600
        drift_check_rate = 2
        demo = true
    "#;
    let s = resolve(Args::default(), FileConfig::parse(text).unwrap()).unwrap();
    assert_eq!((s.bind_addr.port(), s.workers, s.batch_size, s.max_attempts, s.log_json), (9001, 3, 64, 5, true));
    assert_eq!((s.shared.grace_days, s.shared.stripe_timeout_secs, s.shared.stripe_max_retries), (10, 20, 4));
    assert_eq!((s.app_base_url.as_str(), s.shared.stripe_prices[2].1.as_deref()), ("https://app.example", Some("price_enterprise")));
    assert_eq!((s.drift_check_interval_secs, s.drift_check_rate, s.demo), (3600, 2, true));
    assert_eq!((s.public_url.as_deref(), s.pages_frame_ancestors.as_str()), (Some("https://billing.example"), "https://app.example"));
}

#[test]
fn the_pages_have_no_public_url_and_no_framing_site_unless_configured() {
    let s = with(|_| {}).unwrap();
    assert_eq!((s.public_url, s.pages_frame_ancestors.as_str()), (None, "'none'"));
    let s = with(|a| {
        a.public_url = Some(" https://billing.example:8443/ ".into());
        a.pages_frame_ancestors = Some(" 'self'   https://app.example https://*.app.example:8443 ".into());
    })
    .unwrap();
    assert_eq!(s.public_url.as_deref(), Some("https://billing.example:8443"));
    assert_eq!(s.pages_frame_ancestors, "'self' https://app.example https://*.app.example:8443");
}

#[test]
fn a_public_url_or_frame_ancestors_that_could_break_out_are_refused_naming_the_variable() {
    let bad_urls = [
        "billing.example",
        "ftp://billing.example",
        "https://",
        "https://billing.example/?next=1",
        "https://billing.example/#top",
        "https://billing.example/base",
        "https://billing.example/base/",
        "https://user:pass@billing.example",
        "https://user@billing.example",
    ];
    for bad in bad_urls {
        let err = with(|a| a.public_url = Some(bad.into())).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "PUBLIC_URL", .. }), "{bad}: {err}");
        assert!(err.to_string().contains("no path"), "{bad}: {err}");
    }
    for bad in
        ["https://app.example; script-src *", "https://a.example, https://b.example", "'none' https://app.example", "'unsafe-inline'"]
    {
        let err = with(|a| a.pages_frame_ancestors = Some(bad.into())).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "PAGES_FRAME_ANCESTORS", .. }), "{bad}: {err}");
    }
}

#[test]
fn demo_mode_is_off_unless_asked_for() {
    assert!(!with(|_| {}).unwrap().demo);
    assert!(with(|a| a.demo = true).unwrap().demo);
    let args = Args::try_parse_from(["billing-server", "--demo"]).unwrap();
    assert!(resolve(args, FileConfig::default()).unwrap().demo);
}

#[test]
fn a_live_key_with_demo_mode_is_refused_naming_the_variable_but_not_the_key() {
    for prefix in ["sk", "rk"] {
        let key = format!("{prefix}_{}_DEMO-REFUSED-KEY", "live");
        let err = with(|a| {
            a.demo = true;
            a.shared.stripe_secret_key = Some(key.clone());
        })
        .unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "STRIPE_SECRET_KEY", .. }), "{err}");
        assert!(!err.to_string().contains("DEMO-REFUSED-KEY"), "{err}");
    }
    let live_without_demo = with(|a| a.shared.stripe_secret_key = Some(format!("sk_{}_x", "live")));
    assert!(live_without_demo.is_ok(), "{live_without_demo:?}");
    let test_key = with(|a| {
        a.demo = true;
        a.shared.stripe_secret_key = Some("sk_test_demo".into());
    });
    assert!(test_key.is_ok(), "{test_key:?}");
}

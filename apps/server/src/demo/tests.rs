//! Demo wiring that needs no running server: the simulator's settings, URLs and the banner.

use super::*;

#[test]
fn the_demo_uses_the_simulators_seeded_prices_and_a_generated_test_key() {
    let mut settings = crate::config::defaults().unwrap();
    let config = SimConfig::default();
    let sim_url = "http://127.0.0.1:4242";
    point_stripe_at(&mut settings, sim_url, &config);
    let prices: Vec<Option<&str>> = settings.shared.stripe_prices.iter().map(|(_, p)| p.as_deref()).collect();
    assert_eq!(prices, [Some("price_solo_monthly"), Some("price_team_monthly"), Some("price_enterprise_monthly")]);
    assert_eq!(settings.shared.stripe_api_base, sim_url);
    let key = settings.shared.stripe_secret_key.as_ref().unwrap().expose_secret().to_owned();
    assert!(key.starts_with(KEY_PREFIX) && key.len() == KEY_PREFIX.len() + 24, "{key}");
}

#[test]
fn a_missing_jwt_secret_is_generated_and_a_configured_one_kept() {
    let mut settings = crate::config::defaults().unwrap();
    fill_in(&mut settings);
    let generated = settings.jwt_secret.as_ref().unwrap().expose_secret().to_owned();
    assert!(generated.len() >= crate::config::MIN_JWT_SECRET_BYTES, "{}", generated.len());
    assert!(settings.validate().is_ok());
    assert_eq!(settings.shared.database, DatabaseConfig::Sqlite { path: PathBuf::from("data/demo.sqlite") });
    let mut again = crate::config::defaults().unwrap();
    fill_in(&mut again);
    assert_ne!(again.jwt_secret.as_ref().unwrap().expose_secret(), generated, "each run has its own secret");
    let mut configured = crate::config::defaults().unwrap();
    configured.jwt_secret = Some(SecretString::from("a-configured-secret-of-32-bytes-x"));
    configured.shared.database = DatabaseConfig::Sqlite { path: PathBuf::from("elsewhere.sqlite") };
    fill_in(&mut configured);
    assert_eq!(configured.jwt_secret.as_ref().unwrap().expose_secret(), "a-configured-secret-of-32-bytes-x");
    assert_eq!(configured.shared.database, DatabaseConfig::Sqlite { path: PathBuf::from("elsewhere.sqlite") });
}

#[test]
fn the_servers_own_url_is_loopback_when_it_listens_everywhere() {
    assert_eq!(own_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
    assert_eq!(own_url("[::]:8080".parse().unwrap()), "http://127.0.0.1:8080");
    assert_eq!(own_url("10.1.2.3:9000".parse().unwrap()), "http://10.1.2.3:9000");
    assert_eq!(own_url("[::1]:9000".parse().unwrap()), "http://[::1]:9000");
}

#[test]
fn the_owner_token_names_the_demo_organization_and_outlives_simulated_months() {
    let mut settings = crate::config::defaults().unwrap();
    fill_in(&mut settings);
    let now = Utc::now();
    let token = owner_token(&settings, "org_demo_x", now).unwrap();
    let authority = TokenAuthority::new(settings.jwt_secret.clone(), token_policy(&settings));
    let later = authority.verify(token.expose_secret(), now + chrono::Duration::days(300)).unwrap();
    assert_eq!((later.org.as_str(), later.role), ("org_demo_x", Role::Owner));
}

#[tokio::test]
async fn the_banner_says_no_real_money_moves_and_shows_the_token_pages_urls_and_helpers() {
    let sim = Simulator::start(SimConfig::default()).unwrap();
    let demo = Demo {
        sim: sim.clone(),
        base_url: "http://127.0.0.1:8080".into(),
        public_url: "https://billing.demo.example".into(),
        org: "org_demo_abc".into(),
        owner_token: SecretString::from("eyJ.demo-token.sig"),
    };
    let text = banner::text(&demo);
    for expected in [
        "NO REAL MONEY MOVES",
        "org_demo_abc",
        "TOKEN=eyJ.demo-token.sig",
        "http://127.0.0.1:8080/api/billing/checkout",
        &format!("{}/v1/test_helpers/checkout/sessions/$SESSION_ID/complete", sim.base_url),
        "card=4242424242424242",
        "https://billing.demo.example/pricing#token=eyJ.demo-token.sig",
        "https://billing.demo.example/billing#token=eyJ.demo-token.sig",
        &format!("{}/v1/test_helpers/test_clocks/clock_demo/advance", sim.base_url),
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    sim.stop().await;
}

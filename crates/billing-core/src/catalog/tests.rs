use super::*;
use crate::testing::{plan, price};

#[test]
fn default_catalog_has_the_documented_plans_and_limits() {
    let catalog = Catalog::default_catalog();
    let free = catalog.free_plan();
    assert_eq!(free.id().as_str(), "free");
    assert_eq!(free.limits().max_test_runs, Limit::Max(100));
    assert_eq!(free.limits().max_users, Limit::Max(3));
    let team = catalog.plan(&plan("team")).unwrap();
    assert_eq!(team.monthly_price().minor_units(), 9_900);
    assert_eq!(team.limits(), Limits { max_test_runs: Limit::Max(1000), max_users: Limit::Max(20), max_projects: Limit::Max(50) });
    let enterprise = catalog.plan(&plan("enterprise")).unwrap();
    assert_eq!(enterprise.monthly_price().minor_units(), 49_900);
    assert_eq!(enterprise.limits().max_users, Limit::Unlimited);
    assert!(catalog.plan(&plan("solo")).unwrap().rank() < team.rank());
}

#[test]
fn price_lookup_finds_the_plan_sold_through_it() {
    let catalog = Catalog::default_catalog().with_stripe_price(&plan("team"), price("price_team")).unwrap();
    assert_eq!(catalog.plan_for_price(&price("price_team")).map(|p| p.id().as_str()), Some("team"));
    assert!(catalog.plan_for_price(&price("price_other")).is_none());
}

#[test]
fn one_price_for_two_plans_is_rejected() {
    let catalog = Catalog::default_catalog().with_stripe_price(&plan("team"), price("price_x")).unwrap();
    assert_eq!(catalog.with_stripe_price(&plan("solo"), price("price_x")), Err(CatalogError::DuplicatePrice(price("price_x"))));
}

const DOC: &str = r#"
free_plan = "free"
[[plans]]
id = "free"
name = "Free"
rank = 0
monthly_price_minor_units = 0
max_test_runs = 10
max_users = 1
max_projects = 1
[[plans]]
id = "pro"
name = "Pro"
rank = 5
monthly_price_minor_units = 1000
currency = "EUR"
max_test_runs = "unlimited"
max_users = 5
max_projects = 5
stripe_price = "price_pro"
"#;

#[test]
fn toml_and_json_documents_load_into_the_same_catalog() {
    let err = Catalog::from_toml(DOC).unwrap_err();
    assert!(matches!(err, CatalogDocumentError::Invalid(CatalogError::MixedCurrencies(_))), "{err:?}");
    let same_currency = DOC.replace("currency = \"EUR\"\n", "");
    let from_toml = Catalog::from_toml(&same_currency).unwrap();
    let json = r#"{"free_plan":"free","plans":[
        {"id":"free","name":"Free","rank":0,"monthly_price_minor_units":0,"max_test_runs":10,"max_users":1,"max_projects":1},
        {"id":"pro","name":"Pro","rank":5,"monthly_price_minor_units":1000,"max_test_runs":"unlimited","max_users":5,"max_projects":5,"stripe_price":"price_pro"}]}"#;
    assert_eq!(Catalog::from_json(json).unwrap(), from_toml);
    assert_eq!(from_toml.plan_for_price(&price("price_pro")).unwrap().limits().max_test_runs, Limit::Unlimited);
}

#[test]
fn documents_breaking_a_rule_name_the_rule() {
    let dup_rank = DOC.replace("rank = 5", "rank = 0").replace("currency = \"EUR\"\n", "");
    assert!(matches!(Catalog::from_toml(&dup_rank), Err(CatalogDocumentError::Invalid(CatalogError::DuplicateRank(0)))));
    let dup_id = DOC.replace("id = \"pro\"", "id = \"free\"").replace("currency = \"EUR\"\n", "");
    assert!(matches!(Catalog::from_toml(&dup_id), Err(CatalogDocumentError::Invalid(CatalogError::DuplicatePlan(_)))));
    let no_free = DOC.replace("free_plan = \"free\"", "free_plan = \"basic\"").replace("currency = \"EUR\"\n", "");
    assert!(matches!(Catalog::from_toml(&no_free), Err(CatalogDocumentError::Invalid(CatalogError::MissingFreePlan(_)))));
    let bad_limit = DOC.replace("max_users = 5", "max_users = \"lots\"");
    assert!(matches!(Catalog::from_toml(&bad_limit), Err(CatalogDocumentError::Syntax(_))));
    let unknown_field = DOC.replace("rank = 5", "rank = 5\ncolour = \"red\"");
    assert!(matches!(Catalog::from_toml(&unknown_field), Err(CatalogDocumentError::Syntax(_))));
}

#[test]
fn a_free_plan_that_costs_has_a_price_or_is_not_the_lowest_is_refused() {
    let base = DOC.replace("currency = \"EUR\"\n", "");
    let costs = base.replacen("monthly_price_minor_units = 0", "monthly_price_minor_units = 100", 1);
    let priced = base.replacen("max_projects = 1\n", "max_projects = 1\nstripe_price = \"price_free\"\n", 1);
    let not_lowest = base.replace("rank = 0", "rank = 9");
    for doc in [costs, priced, not_lowest] {
        assert!(matches!(Catalog::from_toml(&doc), Err(CatalogDocumentError::Invalid(CatalogError::FreePlanNotFree(_)))), "{doc}");
    }
}

#[test]
fn plans_keep_their_display_names() {
    let catalog = Catalog::default_catalog();
    assert_eq!(catalog.plan(&plan("team")).map(Plan::name), Some("Team"));
    assert_eq!(catalog.free_plan().name(), "Free");
}

#[test]
fn usage_over_a_plans_limits_lists_each_exceeded_limit_by_name() {
    let solo = Catalog::default_catalog().plan(&plan("solo")).map(Plan::limits).unwrap();
    let at_limits = Usage { test_runs: 500, users: 1, projects: 10 };
    assert_eq!(solo.exceeded_by(&at_limits), vec![], "exactly at a limit is within it");
    let over = Usage { test_runs: 501, users: 2, projects: 11 };
    let names: Vec<_> = solo.exceeded_by(&over).iter().map(|x| (x.limit.as_str(), x.allowed, x.used)).collect();
    assert_eq!(names, vec![("test_runs", 500, 501), ("users", 1, 2), ("projects", 10, 11)]);
    let enterprise = Catalog::default_catalog().plan(&plan("enterprise")).map(Plan::limits).unwrap();
    assert_eq!(enterprise.exceeded_by(&Usage { test_runs: u64::MAX, users: u64::MAX, projects: 0 }), vec![], "unlimited is never exceeded");
}

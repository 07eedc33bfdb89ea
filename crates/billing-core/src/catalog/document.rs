//! The TOML/JSON catalog document and its conversion into a validated [`Catalog`].

use serde::Deserialize;

use super::{Catalog, CatalogError, Limit, Limits, PlanSpec};
use crate::ids::{IdError, PlanId, StripePriceId};
use crate::money::{Currency, Money, MoneyError};

/// Why a catalog document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogDocumentError {
    #[error("catalog document does not parse: {0}")]
    Syntax(String),
    #[error("catalog document has a bad identifier: {0}")]
    Id(#[from] IdError),
    #[error("catalog document has a bad currency: {0}")]
    Currency(#[from] MoneyError),
    #[error(transparent)]
    Invalid(#[from] CatalogError),
}

/// A limit as written in the document: a number or the word `unlimited`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum LimitDoc {
    Max(u64),
    Word(UnlimitedWord),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum UnlimitedWord {
    Unlimited,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanDoc {
    id: String,
    name: String,
    rank: u32,
    monthly_price_minor_units: i64,
    #[serde(default = "default_currency")]
    currency: String,
    max_test_runs: LimitDoc,
    max_users: LimitDoc,
    max_projects: LimitDoc,
    stripe_price: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogDoc {
    free_plan: String,
    plans: Vec<PlanDoc>,
}

fn default_currency() -> String {
    "usd".to_owned()
}

fn limit(doc: LimitDoc) -> Limit {
    match doc {
        LimitDoc::Max(n) => Limit::Max(n),
        LimitDoc::Word(UnlimitedWord::Unlimited) => Limit::Unlimited,
    }
}

impl TryFrom<PlanDoc> for PlanSpec {
    type Error = CatalogDocumentError;

    fn try_from(doc: PlanDoc) -> Result<Self, Self::Error> {
        let currency = Currency::parse(&doc.currency)?;
        let stripe_price = doc.stripe_price.map(StripePriceId::parse).transpose()?;
        Ok(PlanSpec {
            id: PlanId::parse(doc.id)?,
            name: doc.name,
            rank: doc.rank,
            monthly_price: Money::new(doc.monthly_price_minor_units, currency),
            limits: Limits {
                max_test_runs: limit(doc.max_test_runs),
                max_users: limit(doc.max_users),
                max_projects: limit(doc.max_projects),
            },
            stripe_price,
        })
    }
}

fn from_doc(doc: CatalogDoc) -> Result<Catalog, CatalogDocumentError> {
    let free = PlanId::parse(doc.free_plan)?;
    let specs = doc.plans.into_iter().map(PlanSpec::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(Catalog::new(specs, free)?)
}

pub(super) fn from_toml(text: &str) -> Result<Catalog, CatalogDocumentError> {
    let doc: CatalogDoc = toml::from_str(text).map_err(|e| CatalogDocumentError::Syntax(e.message().to_owned()))?;
    from_doc(doc)
}

pub(super) fn from_json(text: &str) -> Result<Catalog, CatalogDocumentError> {
    let doc: CatalogDoc = serde_json::from_str(text).map_err(|e| CatalogDocumentError::Syntax(e.to_string()))?;
    from_doc(doc)
}

/// The shipped catalog; the same text is documented in `docs/plans.md`.
pub(super) const DEFAULT_CATALOG_TOML: &str = include_str!("default_plans.toml");

pub(super) fn default_catalog() -> Catalog {
    match from_toml(DEFAULT_CATALOG_TOML) {
        Ok(catalog) => catalog,
        // The shipped document is checked by a unit test, so this arm is unreachable in practice.
        Err(e) => panic!("the built-in plan catalog is invalid: {e}"),
    }
}

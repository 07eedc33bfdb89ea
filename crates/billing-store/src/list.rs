//! The monitoring list of ledger entries: every set field of the filter narrows the selection.

use billing_core::ports::LedgerFilter;
use chrono::{DateTime, Utc};

use crate::db::{DbQuery, QueryExt};
use crate::dialect::Dialect;
use crate::ledger::{DEFAULT_LIST_LIMIT, LEDGER_COLUMNS};

/// One value the list statement binds.
enum Value<'a> {
    Text(&'a str),
    Time(DateTime<Utc>),
    Number(i64),
}

/// The values of a list statement, in the order of its `$N` placeholders. They wait here rather
/// than in sqlx's `QueryBuilder`, whose built query borrows the builder for as long as the
/// builder's own arguments live, which code generic over the database cannot then run.
pub(crate) struct ListArgs<'a>(Vec<Value<'a>>);

impl<'a> ListArgs<'a> {
    /// Adds `value` and returns its placeholder.
    fn push(&mut self, value: Value<'a>) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    /// Binds every value to `query`, times in dialect `D`'s encoding.
    pub(crate) fn bind<'q, D: Dialect>(self, query: DbQuery<'q, D::Db>) -> DbQuery<'q, D::Db>
    where
        'a: 'q,
    {
        self.0.into_iter().fold(query, |q, value| match value {
            Value::Text(text) => q.arg(text),
            Value::Time(at) => q.arg(D::time(at)),
            Value::Number(n) => q.arg(n),
        })
    }
}

/// The statement listing what `filter` selects, newest receipt first, and its values. The SQL
/// is built to the filter (rather than testing each parameter for NULL) so that each variant
/// gets a plan that uses the index it can.
/// With `with_payload`, each row also has the `payload` column.
pub(crate) fn list_statement<D: Dialect>(filter: &LedgerFilter, with_payload: bool) -> (String, ListArgs<'_>) {
    let mut args = ListArgs(Vec::new());
    let payload = if with_payload { ", payload" } else { "" };
    let mut sql = format!("SELECT {LEDGER_COLUMNS}{payload} FROM webhook_events WHERE 1 = 1");
    if let Some(status) = filter.status {
        sql += &format!(" AND status = {}", args.push(Value::Text(status.as_str())));
    }
    if let Some(event_type) = &filter.event_type {
        sql += &format!(" AND event_type = {}", args.push(Value::Text(event_type)));
    }
    if let Some(org) = &filter.org_id {
        sql += &format!(" AND org_id = {}", args.push(Value::Text(org.as_str())));
    }
    if let Some(since) = filter.since {
        sql += &format!(" AND received_at >= {}", args.push(Value::Time(since)));
    }
    if let Some(slower) = filter.slower_than {
        let micros = args.push(Value::Number(slower.num_microseconds().unwrap_or(i64::MAX)));
        sql += &format!(" AND processed_at - received_at > {micros}{}", D::MICROS_TO_INTERVAL);
    }
    let limit = if filter.limit == 0 { DEFAULT_LIST_LIMIT } else { filter.limit };
    sql += &format!(" ORDER BY received_at DESC, event_id DESC LIMIT {}", args.push(Value::Number(i64::from(limit))));
    (sql, args)
}

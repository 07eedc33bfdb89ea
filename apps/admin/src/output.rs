//! What a command prints: a readable table by default, JSON with `--json`, and whether a check
//! found something, which scripts read from the exit status.

use chrono::{DateTime, Utc};
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::Table;
use serde::Serialize;
use serde_json::Value;

use crate::error::AdminError;

/// The exit statuses of `billing-admin`.
pub mod status {
    /// The command did what it was asked, and a check found nothing.
    pub const SUCCESS: u8 = 0;
    /// The command failed; stderr says why.
    pub const FAILURE: u8 = 1;
    /// The arguments were invalid (clap's own status for usage errors).
    pub const USAGE: u8 = 2;
    /// A check found something: drift in a dry run, duplicate event ids, consistency problems,
    /// or organizations that `orgs reconcile --all` could not reconcile.
    pub const FOUND: u8 = 3;
}

/// A command's result, in both forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The readable form: tables and a summary line.
    pub text: String,
    /// The `--json` form, built from the admin crate's view types.
    pub json: Value,
    /// A check found something (exit status 3).
    pub found: bool,
}

impl Report {
    /// A report of `view` whose readable form is `text`.
    ///
    /// # Errors
    /// When the view cannot be turned into JSON (never for the crate's own view types).
    pub fn new(view: &impl Serialize, text: String) -> Result<Self, AdminError> {
        let json = serde_json::to_value(view).map_err(|e| AdminError::Unknown(e.into()))?;
        Ok(Self { text, json, found: false })
    }

    /// Marks whether a check found something.
    #[must_use]
    pub fn found(mut self, found: bool) -> Self {
        self.found = found;
        self
    }

    /// What to print on stdout.
    pub fn render(&self, json: bool) -> String {
        if json {
            serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| self.json.to_string())
        } else {
            self.text.clone()
        }
    }

    /// The exit status: [`status::FOUND`] when a check found something, else success.
    pub fn exit_status(&self) -> u8 {
        if self.found {
            status::FOUND
        } else {
            status::SUCCESS
        }
    }
}

/// A table with `header` and `rows`, followed by `summary` on its own line; only the summary
/// when there are no rows.
pub fn table<const N: usize>(header: [&str; N], rows: impl IntoIterator<Item = [String; N]>, summary: &str) -> String {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(header);
    for row in rows {
        table.add_row(row);
    }
    if table.row_count() == 0 {
        return summary.to_owned();
    }
    format!("{table}\n{summary}")
}

/// A two-column table of named values, for one object.
pub fn fields(rows: impl IntoIterator<Item = (String, String)>) -> String {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(["field", "value"]);
    for (name, value) in rows {
        table.add_row([name, value]);
    }
    table.to_string()
}

/// A time as RFC 3339, or `-`.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
}

/// A value or `-`.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_prints_its_table_or_its_json_and_exits_3_only_when_something_was_found() {
        let report = Report::new(&serde_json::json!({"n": 1}), "one".to_owned()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.render(false).as_str(), report.exit_status()), ("one", status::SUCCESS));
        assert_eq!(serde_json::from_str::<Value>(&report.render(true)).ok(), Some(serde_json::json!({"n": 1})));
        assert_eq!(report.found(true).exit_status(), status::FOUND);
    }

    #[test]
    fn a_table_has_a_header_row_per_item_and_the_summary_and_an_empty_one_only_the_summary() {
        let text = table(["id", "status"], [["evt_1".to_owned(), "dead".to_owned()]], "1 event(s)");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].contains("id") && lines[0].contains("status") && lines[2].contains("evt_1") && lines[2].contains("dead"),
            "{text}"
        );
        assert_eq!(lines[3], "1 event(s)");
        assert_eq!(table(["id"], Vec::<[String; 1]>::new(), "0 event(s)"), "0 event(s)");
    }
}

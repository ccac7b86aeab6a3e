//! The JSON report: the report model as is, pretty-printed.

use super::Report;

/// Render the report as JSON.
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("report serializes");
    out.push('\n');
    out
}

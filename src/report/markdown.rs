//! The Markdown report, rendered with handlebars from `templates/report.md.hbs` (embedded) or a
//! user's template. Written to read well as a GitHub issue body and as an Actions job summary.

use handlebars::{Handlebars, handlebars_helper};
use serde::Serialize;

use super::{Report, Status};

/// The built-in template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/report.md.hbs");

/// A template that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template does not compile.
    #[error("invalid template: {0}")]
    Parse(String),
    /// The template failed while rendering.
    #[error("template failed to render: {0}")]
    Render(String),
}

/// Render with the built-in template.
pub fn render(report: &Report) -> String {
    render_with(report, DEFAULT_TEMPLATE).expect("the built-in template renders")
}

/// Render with a template's text. Besides the report's fields, templates get `passing`,
/// `non_compliant`, `errors`, `compliant`, `no_ci`, `exempt`, `expired` and a `len` helper.
pub fn render_with(report: &Report, template: &str) -> Result<String, TemplateError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
    hb.register_escape_fn(escape);
    handlebars_helper!(len: |v: Json| v.as_array().map_or(0, Vec::len));
    hb.register_helper("len", Box::new(len));
    hb.register_template_string("report", template)
        .map_err(|e| TemplateError::Parse(e.to_string()))?;
    let view = View::new(report);
    let out = hb
        .render("report", &view)
        .map_err(|e| TemplateError::Render(e.to_string()))?;
    Ok(tidy(&out))
}

/// Collapse runs of blank lines that conditional blocks leave behind.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}

/// Escape text from repositories and policies so it cannot break tables or inject HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// What templates see: the report plus groupings that are awkward to compute in handlebars.
#[derive(Serialize)]
struct View<'a> {
    #[serde(flatten)]
    report: &'a Report,
    passing: bool,
    non_compliant: Vec<RepoView>,
    errors: Vec<ErrorView>,
    compliant: Vec<&'a str>,
    no_ci: Vec<&'a str>,
    exempt: Vec<ExemptView>,
    expired: Vec<ExpiredView>,
}

#[derive(Serialize)]
struct RepoView {
    name: String,
    url: Option<String>,
    columns: Vec<String>,
    rows: Vec<RowView>,
    missing_any: Vec<String>,
}

#[derive(Serialize)]
struct RowView {
    job: String,
    note: Option<String>,
    file: String,
    line: usize,
    url: Option<String>,
    cells: Vec<&'static str>,
}

#[derive(Serialize)]
struct ErrorView {
    name: String,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct ExemptView {
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct ExpiredView {
    repo: String,
    reason: String,
    expires: String,
    rules: String,
    line: usize,
}

impl<'a> View<'a> {
    fn new(report: &'a Report) -> Self {
        let names = |s: Status| report.with_status(s).map(|r| r.name.as_str()).collect();
        let non_compliant = report
            .with_status(Status::NonCompliant)
            .map(|repo| {
                // Columns: the rules this repository misses somewhere, in policy order.
                let columns: Vec<String> = report
                    .rules
                    .iter()
                    .map(|r| r.id.clone())
                    .filter(|id| repo.jobs.iter().any(|j| j.missing.contains(id)))
                    .collect();
                let rows = repo
                    .jobs
                    .iter()
                    .filter(|j| !j.missing.is_empty())
                    .map(|j| RowView {
                        job: j.name.clone(),
                        note: if j.steps == 0 && j.verifiable {
                            Some("no steps".into())
                        } else {
                            j.not_verifiable
                                .as_ref()
                                .map(|w| format!("not verifiable: {w}"))
                        },
                        file: j.file.clone(),
                        line: j.line,
                        url: j.url.clone(),
                        cells: columns
                            .iter()
                            .map(|c| if j.missing.contains(c) { "❌" } else { "✅" })
                            .collect(),
                    })
                    .collect();
                RepoView {
                    name: repo.name.clone(),
                    url: repo.url.clone(),
                    columns,
                    rows,
                    missing_any: repo.missing.clone(),
                }
            })
            .collect();
        let errors = report
            .with_status(Status::Error)
            .map(|r| ErrorView {
                name: r.name.clone(),
                problems: r
                    .error
                    .iter()
                    .flat_map(|e| e.lines())
                    .map(str::to_string)
                    .collect(),
            })
            .collect();
        let exempt = report
            .with_status(Status::Exempt)
            .map(|r| ExemptView {
                name: r.name.clone(),
                reason: r
                    .exemptions
                    .iter()
                    .filter(|e| !e.expired)
                    .map(|e| e.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect();
        let expired = report
            .repositories
            .iter()
            .flat_map(|r| {
                r.exemptions
                    .iter()
                    .filter(|e| e.expired)
                    .map(|e| ExpiredView {
                        repo: r.name.clone(),
                        reason: e.reason.clone(),
                        expires: e.expires.clone().unwrap_or_default(),
                        rules: e.rules.join(", "),
                        line: e.policy_line,
                    })
            })
            .collect();
        View {
            report,
            passing: report.is_passing(),
            non_compliant,
            errors,
            compliant: names(Status::Compliant),
            no_ci: names(Status::NoCi),
            exempt,
            expired,
        }
    }
}

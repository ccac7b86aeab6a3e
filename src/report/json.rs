//! The JSON report: the stable document README.md describes, built from the report model.
//! Fields are added, never renamed; `missing` lists are derived from the findings.

use serde::Serialize;

use super::finding::{Finding, FindingKind};
use super::{
    ExemptionNote, JobReport, NotRunReport, Problem, Report, RuleInfo, Skipped, Status, Summary,
};

/// The document.
#[derive(Serialize)]
pub struct Document<'r> {
    schema_version: u32,
    source: &'r str,
    policy: &'r str,
    date: &'r str,
    summary: &'r Summary,
    rules: &'r [RuleInfo],
    repositories: Vec<Repository<'r>>,
    skipped: &'r [Skipped],
    partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<&'r str>,
}

#[derive(Serialize)]
struct Repository<'r> {
    name: &'r str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'r str>,
    jobs: Vec<Job<'r>>,
    not_run: &'r [NotRunReport],
    /// `any-job` rules no job satisfies.
    missing: Vec<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'r str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'r [Problem],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    exemptions: &'r [ExemptionNote],
}

#[derive(Serialize)]
struct Job<'r> {
    #[serde(flatten)]
    job: &'r JobReport,
    /// Rules this job misses, in policy order.
    missing: Vec<&'r str>,
}

/// The document of a report.
pub fn document(report: &Report) -> Document<'_> {
    let repositories = report
        .repositories
        .iter()
        .map(|r| Repository {
            name: &r.name,
            status: r.status,
            url: r.url.as_deref(),
            jobs: r
                .jobs
                .iter()
                .enumerate()
                .map(|(i, job)| Job {
                    job,
                    missing: missing(r.job_findings(i)),
                })
                .collect(),
            not_run: &r.not_run,
            missing: missing(r.repo_findings()),
            error: r.error.as_deref(),
            errors: &r.errors,
            exemptions: &r.exemptions,
        })
        .collect();
    Document {
        schema_version: report.schema_version,
        source: &report.source,
        policy: &report.policy,
        date: &report.date,
        summary: &report.summary,
        rules: &report.rules,
        repositories,
        skipped: &report.skipped,
        partial: report.partial,
        incomplete: report.incomplete.as_deref(),
    }
}

/// The rules some findings say are missing, in order.
fn missing<'r>(findings: impl Iterator<Item = &'r Finding>) -> Vec<&'r str> {
    findings
        .filter(|f| {
            matches!(
                f.kind,
                FindingKind::Missing | FindingKind::MissingEverywhere
            )
        })
        .map(|f| f.rule.as_str())
        .collect()
}

/// Render the report as JSON.
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&document(report)).expect("report serializes");
    out.push('\n');
    out
}

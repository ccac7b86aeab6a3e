//! The JSON report: the stable document README.md describes, built from the report model.
//! Fields are added, never renamed; `missing` lists are derived from the findings.

use serde::Serialize;

use super::finding::{Finding, FindingKind};
use super::{
    ExemptionNote, JobReport, NotRunReport, Problem, RepoReport, Report, RuleInfo, Skipped, Status,
    Summary,
};
use crate::ci::remote::Unfollowed;

/// The document.
#[derive(Serialize)]
pub struct Document<'r> {
    schema_version: u32,
    source: &'r super::Scanned,
    policy: &'r str,
    date: crate::policy::Date,
    summary: &'r Summary,
    rules: &'r [RuleInfo],
    repositories: Repositories<'r>,
    skipped: &'r [Skipped],
    partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<&'r str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'r [String],
}

#[derive(Serialize)]
struct Repository<'r> {
    name: &'r str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'r str>,
    /// Who owns its CI.
    owners: &'r [String],
    jobs: Vec<Job<'r>>,
    not_run: &'r [NotRunReport],
    /// `any-job` rules no job satisfies.
    missing: Vec<&'r str>,
    /// Warning findings: reported, never failing.
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'r str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'r [Problem],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    exemptions: &'r [ExemptionNote],
    /// Calls into other repositories that could not be followed.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unfollowed: &'r [Unfollowed],
}

#[derive(Serialize)]
struct Job<'r> {
    #[serde(flatten)]
    job: &'r JobReport,
    /// Link to the job in its file, when the repository is on the web.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// Rules this job misses, in policy order.
    missing: Vec<&'r str>,
    /// Every finding about this job, of every kind.
    violations: Vec<Violation<'r>>,
}

/// One finding about a job.
#[derive(Serialize)]
struct Violation<'r> {
    rule: &'r str,
    kind: FindingKind,
    severity: super::finding::Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// The step's text, for kinds that find a step.
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<&'r str>,
    /// Why what was found does not do (a refused version).
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'r str>,
}

impl<'r> From<&'r Finding> for Violation<'r> {
    fn from(f: &'r Finding) -> Self {
        Violation {
            rule: &f.rule,
            kind: f.kind,
            severity: f.severity,
            file: f.file.as_deref(),
            line: f.line,
            found: f.detail.as_deref(),
            why: f.why.as_deref(),
        }
    }
}

/// The document of a report.
pub fn document(report: &Report) -> Document<'_> {
    Document {
        schema_version: report.schema_version,
        source: &report.source,
        policy: &report.policy,
        date: report.date,
        summary: &report.summary,
        rules: &report.rules,
        repositories: Repositories(&report.repositories),
        skipped: &report.skipped,
        partial: report.partial,
        incomplete: report.incomplete.as_deref(),
        notes: &report.notes,
    }
}

/// The repositories, each shaped for the document only as it is written, so an organization's
/// document is never held whole.
pub struct Repositories<'r>(&'r [RepoReport]);

impl Serialize for Repositories<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(repository))
    }
}

fn repository(r: &RepoReport) -> Repository<'_> {
    Repository {
        name: &r.name,
        status: r.status,
        url: r.url.as_deref(),
        owners: &r.owners,
        jobs: r
            .jobs
            .iter()
            .enumerate()
            .map(|(i, job)| Job {
                job,
                url: r.line_url(&job.file, job.line),
                missing: missing(r.job_findings(i)),
                violations: r.job_findings(i).map(Violation::from).collect(),
            })
            .collect(),
        not_run: &r.not_run,
        missing: missing(r.repo_findings()),
        warnings: r.warnings(),
        error: r.error.as_deref(),
        errors: &r.errors,
        exemptions: &r.exemptions,
        unfollowed: &r.unfollowed,
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

/// Write the document to `out` as it is serialized, without building it as one string: an
/// organization's report can be tens of megabytes.
pub fn write(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    out.write_all(b"\n")
}

/// Render the report as JSON, as one string (for tests and small reports).
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&document(report)).expect("report serializes");
    out.push('\n');
    out
}

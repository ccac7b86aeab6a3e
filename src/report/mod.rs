//! The report model, shared by every output format: repositories, their jobs, and the findings
//! about them. The stable JSON document (README.md) is built from it in [`json`].

pub mod csv;
pub mod finding;
pub mod gfm;
pub mod impact;
pub mod inspect;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;
pub mod view;

use serde::Serialize;

use crate::ci::{CiSystem, Job, NotRunReason};
use crate::policy::Require;

/// Version of the JSON report's shape. 2: `jobs[]` are the job instances that run (one per
/// CircleCI workflow invocation and matrix combination); jobs that never run moved to
/// `not_run[]`.
pub const SCHEMA_VERSION: u32 = 2;

/// What a report judged; shown, and serialized, as `org:NAME`, `local:DIR` or `check:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A GitHub organization.
    Org(String),
    /// A folder whose subfolders are repositories (`scan --local`).
    Local(String),
    /// One repository's folder (`check`).
    Check(String),
}

impl Scanned {
    /// The organization, folder or path, without its kind.
    pub fn subject(&self) -> &str {
        match self {
            Scanned::Org(s) | Scanned::Local(s) | Scanned::Check(s) => s,
        }
    }
}

impl std::fmt::Display for Scanned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Scanned::Org(_) => "org",
            Scanned::Local(_) => "local",
            Scanned::Check(_) => "check",
        };
        write!(f, "{kind}:{}", self.subject())
    }
}

impl Serialize for Scanned {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The result of one scan.
#[derive(Debug, Clone)]
pub struct Report {
    /// Shape version of this document.
    pub schema_version: u32,
    /// What was scanned.
    pub source: Scanned,
    /// The policy file used.
    pub policy: String,
    /// The day the policy was evaluated (decides which exemptions expired).
    pub date: crate::policy::Date,
    /// Counts per status.
    pub summary: Summary,
    /// The policy's rules, in policy order.
    pub rules: Vec<RuleInfo>,
    /// Scanned repositories, by name.
    pub repositories: Vec<RepoReport>,
    /// Repositories left out by the policy's scope, by name.
    pub skipped: Vec<Skipped>,
    /// True when the scan could not read everything (see `incomplete` and each repository's
    /// `error`).
    pub partial: bool,
    /// Why the scan stopped early, with how many repositories were not read.
    pub incomplete: Option<String>,
    /// What the reader should know about how this source was read (`scan --local` reads
    /// shared workflows from working trees).
    pub notes: Vec<String>,
}

/// Counts per status.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Repositories scanned (all statuses, not skipped ones).
    pub repositories: usize,
    /// Status `compliant`.
    pub compliant: usize,
    /// Status `non-compliant`.
    pub non_compliant: usize,
    /// Status `no-ci`.
    pub no_ci: usize,
    /// Status `exempt`.
    pub exempt: usize,
    /// Status `error`.
    pub error: usize,
    /// Left out by scope.
    pub skipped: usize,
    /// Warning findings in all repositories (rules not enforced yet, or `severity = "warning"`).
    pub warnings: usize,
    /// Calls into other repositories' workflows and actions that could not be followed.
    pub unfollowed: usize,
}

impl Summary {
    /// `3 compliant, 3 non-compliant, 1 no-ci, 1 exempt, 1 error`, for summary lines.
    pub fn counts(&self) -> String {
        format!(
            "{} compliant, {} non-compliant, {} no-ci, {} exempt, {} error",
            self.compliant, self.non_compliant, self.no_ci, self.exempt, self.error
        )
    }

    /// Count one repository of this status.
    pub fn add(&mut self, status: Status) {
        self.repositories += 1;
        *match status {
            Status::Compliant => &mut self.compliant,
            Status::NonCompliant => &mut self.non_compliant,
            Status::NoCi => &mut self.no_ci,
            Status::Exempt => &mut self.exempt,
            Status::Error => &mut self.error,
        } += 1;
    }
}

/// A repository's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every job runs every required step.
    Compliant,
    /// Some job misses a required step.
    NonCompliant,
    /// No CI jobs found.
    NoCi,
    /// Would fail, but an exemption covers it.
    Exempt,
    /// The repository or a config could not be read or understood.
    Error,
}

impl Status {
    /// Whether the repository fails the run: non-compliant, or not readable.
    pub fn is_failing(self) -> bool {
        matches!(self, Status::NonCompliant | Status::Error)
    }

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::NonCompliant => "non-compliant",
            Status::NoCi => "no-ci",
            Status::Exempt => "exempt",
            Status::Error => "error",
        }
    }
}

/// A rule as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    /// Stable id.
    pub id: String,
    /// What it is for.
    pub description: String,
    /// The selector, as text.
    pub selector: String,
    /// `every-job` or `any-job`.
    pub require: Require,
    /// The step must not run.
    pub forbid: bool,
    /// How matching steps must be pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<crate::policy::Pinning>,
    /// For an `image` rule: the globs images must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Vec<String>>,
    /// For an `image` rule: images must also name their digest.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub digest: bool,
    /// How much its findings matter today (a warning until `enforce_from`).
    pub severity: finding::Severity,
    /// The day it is enforced from, when the policy says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforce_from: Option<String>,
    /// Days from the report's date to `enforce_from`, while it is in the future.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced_in_days: Option<i64>,
    /// How to fix a finding, in the policy's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Line of the rule in the policy file (0: implied by `[settings]`).
    pub policy_line: usize,
    /// The step the rule is about, for wording a fix when the policy gives none (`None` for
    /// a rule about something else than steps).
    #[serde(skip)]
    pub step: Option<crate::policy::Selector>,
    /// What the rule asks and how to comply, for code scanning.
    #[serde(skip)]
    pub help: String,
    /// Where it applies and what it asks there: `every-job; jobs build*; github-actions only`.
    #[serde(rename = "where")]
    pub scope: String,
    /// The versions it accepts, when it constrains them.
    #[serde(skip)]
    pub version: Option<crate::policy::version::Constraint>,
}

/// One repository's result.
#[derive(Debug, Clone)]
pub struct RepoReport {
    /// Repository name.
    pub name: String,
    /// Verdict.
    pub status: Status,
    /// Web address of the repository, when known.
    pub url: Option<String>,
    /// Base for links to its files at the scanned commit: `{base}/{path}#L{line}`.
    pub blob_url: Option<String>,
    /// Who owns its CI (`@acme/platform`), as the policy's `owners` setting reads them.
    pub owners: Vec<String>,
    /// Every job instance that runs, in file order.
    pub jobs: Vec<JobReport>,
    /// Jobs defined but never run, with why; not judged (unless `settings.unused-jobs` is
    /// `judge`, when they are in `jobs` instead).
    pub not_run: Vec<NotRunReport>,
    /// What the policy says about its jobs and about it, in job then rule order; findings an
    /// active exemption covers are left out.
    pub findings: Vec<finding::Finding>,
    /// Everything that went wrong, joined; present only for problems.
    pub error: Option<String>,
    /// The same problems one by one, with file and line.
    pub errors: Vec<Problem>,
    /// Exemptions that matched this repository (active or expired).
    pub exemptions: Vec<ExemptionNote>,
    /// Calls into other repositories that could not be followed, at their lines.
    pub unfollowed: Vec<crate::ci::remote::Unfollowed>,
}

/// Link to `file` (at `line`) at the scanned commit, from the base of a repository's file
/// links (`…/blob/{commit}`), when the repository is on the web.
pub fn file_url(blob_base: Option<&str>, file: &str, line: Option<usize>) -> Option<String> {
    let anchor = line.map(|l| format!("#L{l}")).unwrap_or_default();
    let base = blob_base?;
    // A file of another repository (a shared workflow or action) links there, at its ref:
    // the host is the one of `…/OWNER/REPO/blob/COMMIT`.
    if let Some(remote) = crate::ci::remote::Remote::from_path(file) {
        let host = base.rsplitn(5, '/').nth(4)?;
        let encode = |s: &str| {
            s.split('/')
                .map(|p| percent_encoding::utf8_percent_encode(p, URL_SEGMENT).to_string())
                .collect::<Vec<_>>()
                .join("/")
        };
        return Some(format!(
            "{host}/{}/{}/blob/{}/{}{anchor}",
            remote.owner,
            remote.repo,
            encode(&remote.git_ref),
            encode(&remote.path)
        ));
    }
    Some(format!("{base}/{file}{anchor}"))
}

/// What a path segment of a link keeps as it is (RFC 3986 unreserved).
const URL_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl RepoReport {
    /// Link to a line of one of its files at the scanned commit, when it is on the web. Kept
    /// as the base and worked out when shown, so an organization's report holds no link per
    /// job and finding.
    pub fn line_url(&self, file: &str, line: usize) -> Option<String> {
        file_url(self.blob_url.as_deref(), file, Some(line))
    }

    /// Link to where a finding points, when it points at a line.
    pub fn finding_url(&self, f: &finding::Finding) -> Option<String> {
        self.line_url(f.file.as_deref()?, f.line?)
    }

    /// The findings about job `index`. Findings are in job order (the evaluation sorts them),
    /// so this is a search, not a scan: a repository with 20,000 jobs and 60,000 findings took
    /// 8 s when every job scanned every finding.
    pub fn job_findings(&self, index: usize) -> impl Iterator<Item = &finding::Finding> {
        let key = |f: &finding::Finding| f.job.unwrap_or(usize::MAX);
        let start = self.findings.partition_point(|f| key(f) < index);
        let end = self.findings.partition_point(|f| key(f) <= index);
        self.findings[start..end.max(start)].iter()
    }

    /// How many findings are warnings.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == finding::Severity::Warning)
            .count()
    }

    /// The findings about the repository as a whole.
    pub fn repo_findings(&self) -> impl Iterator<Item = &finding::Finding> {
        self.findings.iter().filter(|f| f.job.is_none())
    }
}

/// A config file orgcheck could not understand.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// File in the repository, when the problem is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// A job that never runs.
#[derive(Debug, Clone, Serialize)]
pub struct NotRunReport {
    /// The job's name.
    pub name: String,
    /// File it is defined in.
    pub file: String,
    /// Line of its definition.
    pub line: usize,
    /// Link to that line, when the repository is on the web.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Why, as an identifier: `not-in-workflow`, `workflow-never-runs`, `not-build`,
    /// `if-false`.
    pub kind: &'static str,
    /// Why, in words.
    pub reason: String,
}

impl NotRunReport {
    /// The report of a job that never runs, with its link when it has one.
    pub fn new(job: &Job, why: &NotRunReason, url: Option<String>) -> Self {
        NotRunReport {
            name: job.name.clone(),
            file: job.path.clone(),
            line: job.line,
            url,
            kind: why.kind(),
            reason: why.to_string(),
        }
    }
}

/// One job instance's result.
#[derive(Debug, Clone, Serialize)]
pub struct JobReport {
    /// The instance's name, as the CI service shows it.
    pub name: String,
    /// The job definition it runs (its key under `jobs:`).
    pub job: String,
    /// The workflow that runs it (CircleCI workflow; GitHub workflow name or file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// CI system.
    pub ci: CiSystem,
    /// File the job's steps are in.
    pub file: String,
    /// Line of the job.
    pub line: usize,
    /// Number of steps after expansion (0: the job has no steps).
    pub steps: usize,
    /// False for orb jobs and remote reusable workflows, whose steps orgcheck cannot see.
    pub verifiable: bool,
    /// Why the job is not verifiable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verifiable: Option<String>,
    /// For a job of a workflow in another repository: where this repository calls it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_at: Option<crate::ci::Place>,
}

/// An exemption that named a repository.
#[derive(Debug, Clone, Serialize)]
pub struct ExemptionNote {
    /// Rule ids; empty means every rule.
    pub rules: Vec<String>,
    /// Why.
    pub reason: String,
    /// Last day it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// True when it no longer applies.
    pub expired: bool,
    /// Days from the report's date to `expires` (0: today is its last day), while it applies.
    #[serde(skip)]
    pub days_left: Option<i64>,
    /// Line in the policy file.
    pub policy_line: usize,
}

/// A repository left out by scope.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Repository name.
    pub name: String,
    /// Why.
    pub reason: String,
}

impl Report {
    /// Repositories with this status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &RepoReport> {
        self.repositories.iter().filter(move |r| r.status == status)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// True when nothing is non-compliant or errored.
    pub fn is_passing(&self) -> bool {
        self.summary.non_compliant == 0 && self.summary.error == 0
    }
}

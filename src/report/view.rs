//! What Markdown templates see: the report regrouped for reading, trimmed to a size budget.

use serde::Serialize;

use super::{Report, Status};

/// How much of the report a rendering keeps; see [`super::markdown::render_fitting`].
#[derive(Debug, Clone, Copy)]
pub struct Trim {
    /// Replace the lists of compliant, no-ci, exempt and skipped repositories by their counts.
    pub collapse: bool,
    /// Most non-compliant (and, separately, errored) repositories shown.
    pub max_repos: usize,
    /// Most job rows shown per repository.
    pub max_rows: usize,
}

impl Trim {
    /// Everything.
    pub const FULL: Trim = Trim {
        collapse: false,
        max_repos: usize::MAX,
        max_rows: usize::MAX,
    };
}

/// What changed since the previous run (from the state kept in the published issue).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// Repositories that became non-compliant or errored.
    pub newly_failing: Vec<String>,
    /// Repositories that were failing and are not any more.
    pub fixed: Vec<String>,
    /// Exemptions that expired since (as `repository: reason`).
    pub newly_expired: Vec<String>,
}

impl Changes {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty() && self.fixed.is_empty() && self.newly_expired.is_empty()
    }
}

/// Names shown in a change list before "and N more".
const CHANGE_NAMES: usize = 30;

#[derive(Serialize)]
struct ListView {
    items: Vec<String>,
    more: usize,
}

fn capped(items: &[String], cap: usize) -> ListView {
    ListView {
        items: items.iter().take(cap).cloned().collect(),
        more: items.len().saturating_sub(cap),
    }
}

#[derive(Serialize)]
struct ChangesView {
    newly_failing: ListView,
    fixed: ListView,
    newly_expired: ListView,
}

/// The template's data.
#[derive(Serialize)]
pub struct View<'a> {
    /// The whole report as the JSON document has it, for custom templates that want raw data.
    report: super::json::Document<'a>,
    summary: &'a super::Summary,
    rules: &'a [super::RuleInfo],
    source: &'a str,
    policy: &'a str,
    date: &'a str,
    incomplete: Option<&'a str>,
    passing: bool,
    changes: Option<ChangesView>,
    non_compliant: Vec<RepoView>,
    more_non_compliant: usize,
    errors: Vec<ErrorView>,
    more_errors: usize,
    collapsed: bool,
    compliant: Vec<&'a str>,
    no_ci: Vec<&'a str>,
    exempt: Vec<ExemptView>,
    skipped: Vec<&'a super::Skipped>,
    not_run: Vec<NotRunView>,
    not_run_jobs: usize,
    warned: Vec<WarnedView>,
    enforced_soon: Vec<SoonView>,
    by_rule: Vec<ByRuleView>,
    expired: Vec<ExpiredView>,
    full_report: Option<&'a str>,
}

#[derive(Serialize)]
struct RepoView {
    name: String,
    url: Option<String>,
    columns: Vec<String>,
    rows: Vec<RowView>,
    more_rows: usize,
    missing_any: Vec<String>,
    found: Vec<FoundView>,
}

/// A step a job runs that a rule forbids, or runs at a version the rule refuses.
#[derive(Serialize)]
struct FoundView {
    job: String,
    /// The step's text as a code span (already Markdown: the template does not escape it).
    step: String,
    file: String,
    line: usize,
    url: Option<String>,
    rule: String,
    /// Why it does not do.
    why: String,
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

/// A rule that fails somewhere: how many repositories and jobs.
#[derive(Serialize)]
struct ByRuleView {
    id: String,
    description: String,
    repositories: usize,
    jobs: usize,
}

/// A repository with warnings: its rules, each with how many findings.
#[derive(Serialize)]
struct WarnedView {
    name: String,
    rules: Vec<String>,
}

/// A rule enforced within [`SOON_DAYS`] days, and the repositories that would fail it.
#[derive(Serialize)]
struct SoonView {
    rule: String,
    description: String,
    from: String,
    days: i64,
    repositories: ListView,
}

/// How far ahead the report announces rules about to be enforced.
const SOON_DAYS: i64 = 30;

/// A repository's jobs that never run.
#[derive(Serialize)]
struct NotRunView {
    name: String,
    jobs: Vec<String>,
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
    /// Build the view of `report`, trimmed by `trim`. `full_report` says where the untrimmed
    /// report is, for the "and N more" lines.
    pub fn new(
        report: &'a Report,
        changes: Option<&Changes>,
        trim: Trim,
        full_report: Option<&'a str>,
    ) -> Self {
        let names = |s: Status| {
            if trim.collapse {
                Vec::new()
            } else {
                report.with_status(s).map(|r| r.name.as_str()).collect()
            }
        };
        let failing: Vec<_> = report.with_status(Status::NonCompliant).collect();
        let non_compliant = failing
            .iter()
            .take(trim.max_repos)
            .map(|repo| repo_view(report, repo, trim.max_rows))
            .collect();
        let errored: Vec<_> = report.with_status(Status::Error).collect();
        let errors = errored
            .iter()
            .take(trim.max_repos)
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
        let exempt = if trim.collapse {
            Vec::new()
        } else {
            report
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
                .collect()
        };
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
            .take(trim.max_repos)
            .collect();
        let changes = changes.filter(|c| !c.is_empty()).map(|c| {
            let cap = CHANGE_NAMES.min(trim.max_repos.max(5));
            ChangesView {
                newly_failing: capped(&c.newly_failing, cap),
                fixed: capped(&c.fixed, cap),
                newly_expired: capped(&c.newly_expired, cap),
            }
        });
        View {
            report: super::json::document(report),
            summary: &report.summary,
            rules: &report.rules,
            source: &report.source,
            policy: &report.policy,
            date: &report.date,
            incomplete: report.incomplete.as_deref(),
            passing: report.is_passing(),
            changes,
            non_compliant,
            more_non_compliant: failing.len().saturating_sub(trim.max_repos),
            errors,
            more_errors: errored.len().saturating_sub(trim.max_repos),
            collapsed: trim.collapse,
            compliant: names(Status::Compliant),
            no_ci: names(Status::NoCi),
            exempt,
            skipped: if trim.collapse {
                Vec::new()
            } else {
                report.skipped.iter().collect()
            },
            not_run: if trim.collapse {
                Vec::new()
            } else {
                not_run_views(report)
            },
            not_run_jobs: report.repositories.iter().map(|r| r.not_run.len()).sum(),
            warned: warned_views(report, trim.max_repos),
            by_rule: by_rule_views(report),
            enforced_soon: soon_views(report, trim.max_repos.clamp(5, CHANGE_NAMES)),
            expired,
            full_report,
        }
    }
}

/// The rules that fail somewhere (errors, in repositories that are not exempt), most failing
/// repositories first, then most failing jobs, then policy order.
fn by_rule_views(report: &Report) -> Vec<ByRuleView> {
    use super::finding::Severity;
    let mut views: Vec<ByRuleView> = report
        .rules
        .iter()
        .map(|rule| {
            let failing = |r: &&super::RepoReport| {
                r.findings
                    .iter()
                    .any(|f| f.rule == rule.id && f.severity == Severity::Error)
            };
            let repositories: Vec<_> = report.repositories.iter().filter(failing).collect();
            let jobs = repositories
                .iter()
                .map(|r| {
                    (0..r.jobs.len())
                        .filter(|i| {
                            r.job_findings(*i)
                                .any(|f| f.rule == rule.id && f.severity == Severity::Error)
                        })
                        .count()
                })
                .sum();
            ByRuleView {
                id: rule.id.clone(),
                description: rule.description.clone(),
                repositories: repositories.len(),
                jobs,
            }
        })
        .filter(|v| v.repositories > 0)
        .collect();
    // A stable sort keeps policy order among equals.
    views.sort_by_key(|v| std::cmp::Reverse((v.repositories, v.jobs)));
    views
}

fn warned_views(report: &Report, cap: usize) -> Vec<WarnedView> {
    use super::finding::Severity;
    report
        .repositories
        .iter()
        .filter(|r| r.warnings() > 0)
        .take(cap)
        .map(|r| {
            let mut rules: Vec<(String, usize)> = Vec::new();
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
            {
                match rules.iter_mut().find(|(id, _)| *id == f.rule) {
                    Some((_, n)) => *n += 1,
                    None => rules.push((f.rule.clone(), 1)),
                }
            }
            WarnedView {
                name: r.name.clone(),
                rules: rules
                    .into_iter()
                    .map(|(id, n)| if n == 1 { id } else { format!("{id} ×{n}") })
                    .collect(),
            }
        })
        .collect()
}

fn soon_views(report: &Report, cap: usize) -> Vec<SoonView> {
    report
        .rules
        .iter()
        .filter_map(|rule| {
            let days = rule.enforced_in_days.filter(|d| *d <= SOON_DAYS)?;
            let failing: Vec<String> = report
                .repositories
                .iter()
                .filter(|r| r.findings.iter().any(|f| f.rule == rule.id))
                .map(|r| r.name.clone())
                .collect();
            Some(SoonView {
                rule: rule.id.clone(),
                description: rule.description.clone(),
                from: rule.enforce_from.clone().unwrap_or_default(),
                days,
                repositories: capped(&failing, cap),
            })
        })
        .collect()
}

fn not_run_views(report: &Report) -> Vec<NotRunView> {
    report
        .repositories
        .iter()
        .filter(|r| !r.not_run.is_empty())
        .map(|r| NotRunView {
            name: r.name.clone(),
            jobs: r
                .not_run
                .iter()
                .map(|j| format!("{} ({})", j.name, j.reason))
                .collect(),
        })
        .collect()
}

fn repo_view(report: &Report, repo: &super::RepoReport, max_rows: usize) -> RepoView {
    // Columns: the rules this repository fails somewhere, in policy order.
    let fails = |i: usize, rule: &str| repo.job_findings(i).any(|f| f.rule == rule);
    let warns = |i: usize, rule: &str| {
        repo.job_findings(i)
            .all(|f| f.rule != rule || f.severity == super::finding::Severity::Warning)
    };
    let columns: Vec<String> = report
        .rules
        .iter()
        .map(|r| r.id.clone())
        .filter(|id| (0..repo.jobs.len()).any(|i| fails(i, id)))
        .collect();
    let failing: Vec<_> = repo
        .jobs
        .iter()
        .enumerate()
        .filter(|(i, _)| repo.job_findings(*i).next().is_some())
        .collect();
    let rows = failing
        .iter()
        .take(max_rows)
        .map(|&(i, j)| RowView {
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
                .map(|c| match (fails(i, c), warns(i, c)) {
                    (false, _) => "✅",
                    (true, true) => "⚠️",
                    (true, false) => "❌",
                })
                .collect(),
        })
        .collect();
    RepoView {
        name: repo.name.clone(),
        url: repo.url.clone(),
        columns,
        rows,
        more_rows: failing.len().saturating_sub(max_rows),
        missing_any: repo.repo_findings().map(|f| f.rule.clone()).collect(),
        found: repo
            .findings
            .iter()
            .filter_map(|f| {
                let job = repo.jobs.get(f.job?)?;
                Some(FoundView {
                    job: job.name.clone(),
                    step: super::gfm::code(f.detail.as_deref()?),
                    file: f.file.clone()?,
                    line: f.line?,
                    url: f.url.clone(),
                    rule: f.rule.clone(),
                    why: f.why.clone().unwrap_or_else(|| f.kind.to_string()),
                })
            })
            .take(max_rows)
            .collect(),
    }
}

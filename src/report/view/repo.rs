//! A failing or errored repository's section: what could not be read, why an exemption no
//! longer covers it, and one row per job to fix with a short fix per finding.

use serde::Serialize;

use super::super::finding::{Finding, FindingKind, Severity};
use super::super::gfm::{code, inert, inline, inline_text, link};
use super::super::{JobReport, RepoReport, Report, RuleInfo, Status};
use super::RunInfo;

/// One repository's section.
#[derive(Serialize)]
pub(super) struct RepoView {
    /// Heading text (escaped by the template).
    name: String,
    url: Option<String>,
    /// Markdown, inert: who owns its CI.
    owners: String,
    /// 🆕 when it failed or errored since the last run.
    new: bool,
    errored: bool,
    /// Markdown: each problem that stopped the check, linked to its line.
    problems: Vec<String>,
    /// Markdown: each expired exemption that no longer covers it.
    expired: Vec<String>,
    rows: Vec<RowView>,
    more_rows: usize,
    /// Jobs with nothing to fix (they pass, or no rule covers them).
    others: usize,
}

/// One job to fix. Both cells are Markdown.
#[derive(Serialize)]
struct RowView {
    job: String,
    fixes: String,
}

/// A link to `file` (at `line`) in the repository at the scanned commit, or the plain place.
pub(super) fn place(repo: &RepoReport, file: &str, line: Option<usize>) -> String {
    let text = match line {
        Some(l) => inert(&format!("{file}:{l}")),
        None => inert(file),
    };
    match super::super::file_url(repo.blob_url.as_deref(), file, line) {
        Some(url) => link(&text, &url),
        None => text,
    }
}

/// A problem that stopped the check, as Markdown for a list item (never a table cell).
pub(super) fn problem(repo: &RepoReport, p: &super::super::Problem) -> String {
    match &p.file {
        Some(file) => format!("{}: {}", place(repo, file, p.line), inline_text(&p.message)),
        None => inline_text(&p.message),
    }
}

/// A job's cell: its name linked to its line, then its file and what to know about it.
fn job_cell(repo: &RepoReport, job: &JobReport) -> String {
    let name = match repo.line_url(&job.file, job.line) {
        Some(url) => link(&inert(&job.name), &url),
        None => inert(&job.name),
    };
    // A GitHub job shown by its `name:` also says its id, which `needs:` and rules use.
    let id = if job.ci == crate::ci::CiSystem::GithubActions
        && job.name != job.job
        && !job.name.ends_with(&format!("/{}", job.job))
    {
        format!(" · id {}", code(&job.job))
    } else {
        String::new()
    };
    let note = if job.steps == 0 && job.verifiable {
        format!("{id} · no steps")
    } else {
        let why = job.not_verifiable.as_ref();
        let why = why.map(|w| format!(" · not verifiable: {}", inline(w)));
        format!("{id}{}", why.unwrap_or_default())
    };
    format!("{name}<br><sub>{}{note}</sub>", inert(&job.file))
}

pub(super) fn repo_view(
    report: &Report,
    repo: &RepoReport,
    new: bool,
    max_rows: usize,
    info: &RunInfo,
) -> RepoView {
    let mut rows: Vec<RowView> = Vec::new();
    let mut others = 0;
    for (i, job) in repo.jobs.iter().enumerate() {
        let fixes: Vec<String> = repo
            .job_findings(i)
            .map(|f| fix_line(report.rule(&f.rule), f, repo.finding_url(f)))
            .collect();
        if fixes.is_empty() {
            others += 1;
            continue;
        }
        rows.push(RowView {
            job: job_cell(repo, job),
            fixes: fixes.join("<br>"),
        });
    }
    let anywhere: Vec<String> = repo
        .repo_findings()
        .map(|f| fix_line(report.rule(&f.rule), f, repo.finding_url(f)))
        .collect();
    if !anywhere.is_empty() {
        rows.push(RowView {
            job: format!("*any job*<br><sub>looked in {}</sub>", looked_in(repo)),
            fixes: anywhere.join("<br>"),
        });
    }
    let more_rows = rows.len().saturating_sub(max_rows);
    rows.truncate(max_rows);
    RepoView {
        name: repo.name.clone(),
        url: repo.url.clone(),
        owners: repo
            .owners
            .iter()
            .map(|o| super::super::gfm::inert(o))
            .collect::<Vec<_>>()
            .join(", "),
        new,
        errored: repo.status == Status::Error,
        problems: repo.errors.iter().map(|p| problem(repo, p)).collect(),
        expired: repo
            .exemptions
            .iter()
            .filter(|e| e.expired)
            .map(|e| {
                let at = super::policy_line(info, e.policy_line);
                let rules = if e.rules.is_empty() {
                    "every rule".to_string()
                } else {
                    e.rules
                        .iter()
                        .map(|r| format!("**{}**", inert(r)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "Its exemption from {rules} expired on {}: “{}” ({at}).",
                    inert(e.expires.as_deref().unwrap_or("?")),
                    inline(&e.reason)
                )
            })
            .collect(),
        rows,
        more_rows,
        others,
    }
}

/// The CI files of the repository, linked: where an `any-job` rule was looked for.
fn looked_in(repo: &RepoReport) -> String {
    let mut files: Vec<&str> = repo.jobs.iter().map(|j| j.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    files
        .iter()
        .map(|f| place(repo, f, None))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One finding as a line of the fix cell: its severity, rule and what to do.
fn fix_line(rule: Option<&RuleInfo>, f: &Finding, url: Option<String>) -> String {
    let (mark, when) = match f.severity {
        Severity::Error => ("❌", String::new()),
        Severity::Warning => match rule.and_then(|r| r.enforce_from.as_deref()) {
            Some(from) => ("🟡", format!(" (enforced from {})", inert(from))),
            None => ("🟡", " (a warning)".to_string()),
        },
    };
    let own = rule.and_then(|r| r.fix.as_deref()).map(inline);
    let step = || {
        let text = code(f.detail.as_deref().unwrap_or_default());
        match (&url, f.line) {
            (Some(url), Some(line)) => format!("{text} ({})", link(&format!("line {line}"), url)),
            (None, Some(line)) => format!("{text} (line {line})"),
            _ => text,
        }
    };
    let why = || inert(f.why.as_deref().unwrap_or_default());
    let what = match f.kind {
        FindingKind::Missing => own.unwrap_or_else(|| add(rule)),
        FindingKind::MissingEverywhere => {
            own.unwrap_or_else(|| format!("{} to one job", add(rule)))
        }
        FindingKind::Forbidden => with_own(format!("remove {}", step()), own),
        FindingKind::Version | FindingKind::Unpinned | FindingKind::Image => {
            with_own(format!("{}: {}", step(), why()), own)
        }
    };
    format!("{mark} **{}**{when}: {what}", inert(&f.rule))
}

fn with_own(what: String, own: Option<String>) -> String {
    match own {
        Some(own) => format!("{what}; {own}"),
        None => what,
    }
}

/// The fix worded from the rule's selector: "add `actions/checkout` at `>=4`".
fn add(rule: Option<&RuleInfo>) -> String {
    use crate::policy::{MatchMode, Selector};
    let Some(rule) = rule else {
        return "add the step".into();
    };
    let Some(step) = &rule.step else {
        return "see the rule".into();
    };
    match step {
        Selector::Uses { name, version } => {
            let step = match version {
                Some(glob) => code(&format!("{}@{}", name.text, glob.text)),
                None => code(&name.text),
            };
            match &rule.version {
                Some(c) => format!("add {step} at {}", code(&c.text)),
                None => format!("add {step}"),
            }
        }
        Selector::Run(m) => match m.mode() {
            MatchMode::Exact | MatchMode::Contains => {
                format!("add a step running {}", code(m.text()))
            }
            MatchMode::Regex => format!("add a step whose command matches {}", code(m.text())),
        },
    }
}

//! What Markdown templates see: the report regrouped for reading, trimmed to a size budget.
//! The first screen (status, changes, rules, errors), then an index that names every failing
//! repository, then one section per repository, newest failures and errors first.

mod index;
mod lists;
mod owners;
mod repo;
mod trend;

pub use trend::{Counts, TREND_RUNS};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;

use super::finding::Severity;
use super::gfm::{inert, inline, link, slug};
use super::{RepoReport, Report, Status};

/// How much of the report a rendering keeps; see [`super::markdown::Renderer::render_fitting`].
#[derive(Debug, Clone, Copy)]
pub struct Trim {
    /// Replace the lists of compliant, no-ci, exempt and skipped repositories by their counts.
    pub collapse: bool,
    /// Most repository sections shown (the index still names every repository).
    pub max_sections: usize,
    /// Most job rows shown per repository.
    pub max_rows: usize,
    /// Most repository names in the index; cut only when even no section fits.
    pub max_index: usize,
    /// Write the index compactly (plain labels, shared stems once) before cutting names.
    pub compact_index: bool,
}

impl Trim {
    /// Names a list of repositories shows before "and N more": [`CHANGE_NAMES`], fewer as
    /// sections are trimmed, never under 5.
    fn names_cap(self) -> usize {
        self.max_sections.clamp(5, CHANGE_NAMES)
    }

    /// Everything.
    pub const FULL: Trim = Trim {
        collapse: false,
        max_sections: usize::MAX,
        max_rows: usize::MAX,
        max_index: usize::MAX,
        compact_index: false,
    };
}

/// Where this run happened, for links and the footer. Read from the environment by `run`.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The workflow run, where the full report is an artifact.
    pub run_url: Option<String>,
    /// The full report's file, when written.
    pub report_file: Option<String>,
    /// The policy file at the workflow's commit; `#L{line}` is appended for lines.
    pub policy_url: Option<String>,
    /// That commit.
    pub policy_commit: Option<String>,
    /// How long reading and judging took.
    pub duration: Option<Duration>,
}

impl RunInfo {
    /// Without what differs from run to run (the run, the duration, where this run wrote its
    /// file), to tell whether a report changed.
    pub fn stable(&self) -> RunInfo {
        RunInfo {
            run_url: None,
            report_file: None,
            duration: None,
            ..self.clone()
        }
    }

    /// Markdown naming where the full report is.
    pub fn full_report(&self) -> String {
        match (&self.run_url, &self.report_file) {
            (Some(run), _) => link("the workflow run's artifacts", run),
            (None, Some(file)) => super::gfm::code(file),
            (None, None) => "the JSON report (`--format json`)".into(),
        }
    }
}

/// What changed since the previous run (from the state kept in the published issue).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Repositories that became non-compliant.
    pub newly_failing: Vec<String>,
    /// Repositories that became errored.
    pub newly_errored: Vec<String>,
    /// Repositories that were failing or errored and are not any more.
    pub fixed: Vec<String>,
    /// Repositories whose exemption expired since.
    pub newly_expired: Vec<String>,
    /// The previous run's counts, when its state kept them.
    pub previous: Option<Counts>,
    /// The counts of earlier runs, oldest first (the previous one last): the trend.
    pub history: Vec<Counts>,
}

impl Changes {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty()
            && self.newly_errored.is_empty()
            && self.fixed.is_empty()
            && self.newly_expired.is_empty()
    }
}

/// Names shown in a change list before "and N more".
const CHANGE_NAMES: usize = 30;
/// Errored repositories shown in the first screen's alert.
const ALERT_ERRORS: usize = 10;
/// How far ahead the report warns of exemptions that expire.
const EXPIRING_DAYS: i64 = 14;

/// Markdown items and how many more there were.
#[derive(Serialize)]
struct ListView {
    items: Vec<String>,
    more: usize,
}

impl ListView {
    /// The first `cap` items (only those are rendered), and how many more there were.
    fn of(items: impl ExactSizeIterator<Item = String>, cap: usize) -> Self {
        let more = items.len().saturating_sub(cap);
        ListView {
            items: items.take(cap).collect(),
            more,
        }
    }
}

#[derive(Serialize)]
struct ChangesView {
    newly_failing: ListView,
    newly_errored: ListView,
    fixed: ListView,
    newly_expired: ListView,
}

/// A rule that fails somewhere: how many repositories and jobs.
#[derive(Serialize)]
struct ByRuleView {
    /// Markdown: the id, linked to its policy line when the policy is on the web.
    id: String,
    description: String,
    repositories: usize,
    jobs: usize,
    /// Not enforced yet: the counts are of repositories it would fail.
    upcoming: bool,
}

/// The template's data.
#[derive(Serialize)]
pub struct View<'a> {
    /// The whole report as the JSON document has it, for custom templates that want raw data.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<super::json::Document<'a>>,
    summary: &'a super::Summary,
    rules: &'a [super::RuleInfo],
    source: &'a super::Scanned,
    policy: &'a str,
    date: crate::policy::Date,
    incomplete: Option<&'a str>,
    /// How many calls into other repositories could not be followed, in words.
    unfollowed: Option<String>,
    passing: bool,
    status_line: String,
    changes: Option<ChangesView>,
    /// Markdown: the Mermaid chart of the runs the state remembers, and its legend.
    trend: Option<String>,
    expiring: Vec<String>,
    by_rule: Vec<ByRuleView>,
    errors: ListView,
    index: Vec<index::GroupView>,
    /// What the index groups by: `rules` or `owner`.
    index_by: &'static str,
    by_owner: Vec<owners::ByOwnerView>,
    by_owner_more: usize,
    index_total: usize,
    index_cut: usize,
    sections: Vec<repo::RepoView>,
    more_sections: usize,
    collapsed: bool,
    #[serde(flatten)]
    lists: lists::Lists<'a>,
    full_report: String,
    footer: String,
}

impl<'a> View<'a> {
    /// Build the view of `report`, trimmed by `trim`.
    pub fn new(
        report: &'a Report,
        changes: Option<&Changes>,
        trim: Trim,
        info: &RunInfo,
        raw: bool,
    ) -> Self {
        let new: HashSet<&str> = changes
            .map(|c| c.newly_failing.iter().chain(&c.newly_errored))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let order = section_order(report, &new);
        let shown = order.len().min(trim.max_sections);
        let names = Names::new(report, &order[..shown]);
        let cap = trim.names_cap();
        let style = index::Style {
            cap: trim.max_index,
            compact: trim.compact_index,
        };
        let (index, index_total, index_cut) = index::index(report, style, &|n| names.section(n));
        let (by_owner, by_owner_more) = owners::by_owner(report);
        View {
            report: raw.then(|| super::json::document(report)),
            summary: &report.summary,
            rules: &report.rules,
            source: &report.source,
            policy: &report.policy,
            date: report.date,
            incomplete: report.incomplete.as_deref(),
            unfollowed: unfollowed_line(report),
            passing: report.is_passing(),
            status_line: status_line(report, changes.and_then(|c| c.previous)),
            changes: changes
                .filter(|c| !c.is_empty())
                .map(|c| changes_view(c, &names, cap)),
            trend: changes.and_then(|c| trend::chart(&c.history, Counts::of(&report.summary))),
            expiring: expiring(report, info, &|n| names.web(n)),
            by_rule: by_rule_views(report, info),
            errors: alert_errors(report, &|n| names.web(n)),
            index,
            index_by: match (index::by_owner(report), trim.compact_index) {
                (true, _) => "owner",
                (false, true) => "compact",
                (false, false) => "rules",
            },
            by_owner,
            by_owner_more,
            index_total,
            index_cut,
            sections: order[..shown]
                .iter()
                .map(|r| {
                    repo::repo_view(
                        report,
                        r,
                        new.contains(r.name.as_str()),
                        trim.max_rows,
                        info,
                    )
                })
                .collect(),
            more_sections: order.len() - shown,
            collapsed: trim.collapse,
            lists: lists::Lists::new(report, trim),
            full_report: info.full_report(),
            footer: footer(report, info),
        }
    }
}

/// How a repository's name links: to its section when the rendering has one.
struct Names<'r> {
    anchors: HashMap<&'r str, String>,
    urls: HashMap<&'r str, &'r str>,
}

impl<'r> Names<'r> {
    /// `shown`: the repositories with a section, in section order.
    fn new(report: &'r Report, shown: &[&'r RepoReport]) -> Self {
        Names {
            anchors: shown
                .iter()
                .map(|r| r.name.as_str())
                .zip(anchors(shown))
                .collect(),
            urls: report
                .repositories
                .iter()
                .filter_map(|r| Some((r.name.as_str(), r.url.as_deref()?)))
                .collect(),
        }
    }

    /// Linked to its section, else plain (the index, where 2,000 names must fit).
    fn section(&self, name: &str) -> String {
        match self.anchors.get(name) {
            Some(a) => format!("[{}](#{a})", inert(name)),
            None => inert(name),
        }
    }

    /// Linked to its section, else to the repository.
    fn web(&self, name: &str) -> String {
        match (self.anchors.contains_key(name), self.urls.get(name)) {
            (false, Some(url)) => link(&inert(name), url),
            _ => self.section(name),
        }
    }
}

fn changes_view(c: &Changes, names: &Names<'_>, cap: usize) -> ChangesView {
    let list = |l: &[String]| ListView::of(l.iter().map(|n| names.web(n)), cap);
    ChangesView {
        newly_failing: list(&c.newly_failing),
        newly_errored: list(&c.newly_errored),
        fixed: list(&c.fixed),
        newly_expired: list(&c.newly_expired),
    }
}

/// Sections in reading order: what failed since the last run, then what could not be checked,
/// then the rest by name.
fn section_order<'r>(report: &'r Report, new: &HashSet<&str>) -> Vec<&'r RepoReport> {
    let is_new = |r: &RepoReport| new.contains(r.name.as_str());
    let failing: Vec<&RepoReport> = report
        .repositories
        .iter()
        .filter(|r| r.status.is_failing())
        .collect();
    let mut order: Vec<&RepoReport> = failing.iter().copied().filter(|r| is_new(r)).collect();
    order.extend(
        failing
            .iter()
            .filter(|r| !is_new(r) && r.status == Status::Error),
    );
    order.extend(
        failing
            .iter()
            .filter(|r| !is_new(r) && r.status != Status::Error),
    );
    order
}

/// The heading anchors of the sections, as GitHub numbers repeats; the template's own
/// headings come first.
fn anchors(order: &[&RepoReport]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = [
        "since-the-last-run",
        "by-rule",
        "rules-enforced-soon",
        "failing-repositories",
        "what-to-fix",
    ]
    .into_iter()
    .map(|s| (s.to_string(), 1))
    .collect();
    order
        .iter()
        .map(|r| {
            let base = slug(&r.name);
            let n = seen.entry(base.clone()).or_insert(0);
            let anchor = if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            *n += 1;
            anchor
        })
        .collect()
}

/// `❌ 355 non-compliant (−25 since the last run) · ⚠️ 16 errors · ✅ 29 compliant · 400
/// scanned`: a count appears when it is not zero, or when it changed.
fn status_line(report: &Report, previous: Option<Counts>) -> String {
    let s = &report.summary;
    let delta = |now: usize, before: Option<usize>| match before.map(|b| now as i64 - b as i64) {
        Some(d) if d > 0 => format!(" (+{d} since the last run)"),
        Some(d) if d < 0 => format!(" (−{} since the last run)", -d),
        _ => String::new(),
    };
    let news = |now: usize, before: Option<usize>| now > 0 || before.is_some_and(|b| b != now);
    let mut parts = Vec::new();
    let nc_before = previous.map(|p| p.non_compliant);
    if news(s.non_compliant, nc_before) {
        parts.push(format!(
            "❌ **{}** non-compliant{}",
            s.non_compliant,
            delta(s.non_compliant, nc_before)
        ));
    }
    let err_before = previous.map(|p| p.error);
    if news(s.error, err_before) {
        let noun = if s.error == 1 { "error" } else { "errors" };
        parts.push(format!(
            "⚠️ **{}** {noun}{}",
            s.error,
            delta(s.error, err_before)
        ));
    }
    // Every number on this line counts repositories: warnings too.
    let warned = report
        .repositories
        .iter()
        .filter(|r| r.warnings() > 0)
        .count();
    if s.compliant > 0 {
        parts.push(format!("✅ **{}** compliant", s.compliant));
    }
    let exempt_before = previous.and_then(|p| p.exempt);
    if news(s.exempt, exempt_before) {
        let change = delta(s.exempt, exempt_before);
        parts.push(format!("🛡️ **{}** exempt{change}", s.exempt));
    }
    for (n, what) in [
        (s.no_ci, "💤 **{}** without CI"),
        (warned, "🟡 **{}** with warnings, not failing"),
    ] {
        if n > 0 {
            parts.push(what.replace("{}", &n.to_string()));
        }
    }
    let skipped = if s.skipped > 0 {
        format!(" ({} skipped by scope)", s.skipped)
    } else {
        String::new()
    };
    parts.push(format!("**{}** scanned{skipped}", s.repositories));
    parts.join(" · ")
}

/// How many calls into shared workflows and actions could not be followed, and in how many
/// repositories, when any could not.
fn unfollowed_line(report: &Report) -> Option<String> {
    let calls = report.summary.unfollowed;
    let repos = report
        .repositories
        .iter()
        .filter(|r| !r.unfollowed.is_empty())
        .count();
    (calls > 0).then(|| {
        format!(
            "🔗 **{calls}** {} into shared workflows and actions in **{repos}** {} could not be \
             followed; the jobs that make them are listed as not verifiable.",
            if calls == 1 { "call" } else { "calls" },
            if repos == 1 {
                "repository"
            } else {
                "repositories"
            }
        )
    })
}

/// Exemptions that end within [`EXPIRING_DAYS`], one line per exemption: its reason, its
/// last day, its policy line, and the repositories it covers.
fn expiring(report: &Report, info: &RunInfo, name: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut by_exemption: BTreeMap<(usize, &str, &str), Vec<&str>> = BTreeMap::new();
    for r in &report.repositories {
        for e in &r.exemptions {
            if e.days_left.is_some_and(|d| d <= EXPIRING_DAYS) {
                let key = (
                    e.policy_line,
                    e.expires.as_deref().unwrap_or_default(),
                    e.reason.as_str(),
                );
                by_exemption.entry(key).or_default().push(&r.name);
            }
        }
    }
    by_exemption
        .into_iter()
        .map(|((line, expires, reason), names)| {
            let list = ListView::of(names.iter().map(|n| name(n)), CHANGE_NAMES);
            let more = match list.more {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!(
                "“{}” ({}) ends on {}, for {}{more}",
                inline(reason),
                policy_line(info, line),
                inert(expires),
                list.items.join(", ")
            )
        })
        .collect()
}

/// "policy line N", linked to the line when the policy is on the web.
pub(super) fn policy_line(info: &RunInfo, line: usize) -> String {
    policy_link(info, format!("policy line {line}"), line)
}

/// Markdown `text` linked to the policy's `line` when the policy is on the web.
fn policy_link(info: &RunInfo, text: String, line: usize) -> String {
    match &info.policy_url {
        Some(base) if line > 0 => link(&text, &format!("{base}#L{line}")),
        _ => text,
    }
}

/// The errored repositories for the first screen's alert: each linked to its section (whose
/// heading links to the repository), with its first problem linked to its line.
fn alert_errors(report: &Report, name: &dyn Fn(&str) -> String) -> ListView {
    let errored: Vec<&RepoReport> = report.with_status(Status::Error).collect();
    let items = errored.into_iter().map(|r| {
        let first = r
            .errors
            .first()
            .map(|p| repo::problem(r, p))
            .unwrap_or_default();
        let more = match r.errors.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        format!("{}: {first}{more}", name(&r.name))
    });
    ListView::of(items, ALERT_ERRORS)
}

/// The rules that fail somewhere (errors, in repositories that are not exempt), most failing
/// repositories first, then most failing jobs, then policy order.
fn by_rule_views(report: &Report, info: &RunInfo) -> Vec<ByRuleView> {
    let mut views: Vec<ByRuleView> = report
        .rules
        .iter()
        .map(|rule| {
            // A rule not enforced yet: the repositories it would fail (its warnings), so a
            // rollout can be watched. Otherwise the non-compliant ones, as the headline counts
            // them: an errored repository is counted as an error, whatever its files say.
            let upcoming = rule.enforced_in_days.is_some();
            let fails = |f: &super::finding::Finding| {
                f.rule == rule.id && (upcoming || f.severity == Severity::Error)
            };
            let counted = |r: &&RepoReport| match upcoming {
                true => r.status != Status::Error,
                false => r.status == Status::NonCompliant,
            };
            let repositories: Vec<_> = report
                .repositories
                .iter()
                .filter(counted)
                .filter(|r| r.findings.iter().any(fails))
                .collect();
            let jobs = repositories
                .iter()
                .map(|r| {
                    (0..r.jobs.len())
                        .filter(|i| r.job_findings(*i).any(fails))
                        .count()
                })
                .sum();
            let mut id = policy_link(info, inert(&rule.id), rule.policy_line);
            if let (true, Some(from)) = (upcoming, &rule.enforce_from) {
                id.push_str(&format!(" 📅 *from {from}*"));
            }
            ByRuleView {
                id,
                description: inline(&rule.description),
                repositories: repositories.len(),
                jobs,
                upcoming,
            }
        })
        .filter(|v| v.repositories > 0)
        .collect();
    // Enforced rules first; a stable sort keeps policy order among equals.
    views.sort_by_key(|v| (v.upcoming, std::cmp::Reverse((v.repositories, v.jobs))));
    views
}

/// Which orgcheck, policy, commit, day and duration made this report.
fn footer(report: &Report, info: &RunInfo) -> String {
    let policy = match &info.policy_url {
        Some(url) => link(&inert(&report.policy), url),
        None => inert(&report.policy),
    };
    let mut parts = vec![
        format!("orgcheck {}", env!("CARGO_PKG_VERSION")),
        inert(&report.source.to_string()),
    ];
    parts.push(match &info.policy_commit {
        Some(c) => format!(
            "policy {policy} at {}",
            super::gfm::code(&c[..c.len().min(12)])
        ),
        None => format!("policy {policy}"),
    });
    parts.push(report.date.to_string());
    if let Some(d) = info.duration {
        parts.push(format!("scanned in {:.1} s", d.as_secs_f64()));
    }
    if let Some(run) = &info.run_url {
        parts.push(link("workflow run", run));
    }
    parts.join(" · ")
}

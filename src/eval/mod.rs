//! Policy + repositories → report. Pure and synchronous: everything it needs is in memory.

use crate::ci::{Job, JobKind, Pipeline};
use crate::policy::{Date, Exemption, Policy, RepoFacts, Rule, UnusedJobs};
use crate::report::finding::{Finding, Severity};
use crate::report::{
    ExemptionNote, JobReport, NotRunReport, Problem, RepoReport, Report, RuleInfo, SCHEMA_VERSION,
    Skipped, Status, Summary,
};
use crate::source::Repository;

/// Where the report says the repositories came from, and which policy judged them.
#[derive(Debug, Clone)]
pub struct Context {
    /// What was scanned.
    pub source: crate::report::Scanned,
    /// The policy file.
    pub policy_path: String,
    /// The day exemptions are judged against.
    pub today: Date,
    /// Why the source could not read everything, when it could not.
    pub incomplete: Option<String>,
}

/// Evaluate every repository against the policy. Output order is by repository name.
pub fn evaluate(policy: &Policy, repos: &[Repository], cx: &Context) -> Report {
    let mut evaluation = Evaluation::new(policy, cx.today);
    for repo in repos {
        evaluation.add(repo);
    }
    evaluation.finish(cx)
}

/// An evaluation that takes repositories as a source delivers them, so a source need not hold
/// an organization's CI in memory: each repository is judged and only its result is kept.
pub struct Evaluation<'p> {
    policy: &'p Policy,
    today: Date,
    summary: Summary,
    repositories: Vec<RepoReport>,
    skipped: Vec<Skipped>,
}

impl<'p> Evaluation<'p> {
    /// An evaluation against `policy` on `today`, with no repository yet.
    pub fn new(policy: &'p Policy, today: Date) -> Self {
        Evaluation {
            policy,
            today,
            summary: Summary::default(),
            repositories: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Judge one repository (or note that the policy's scope leaves it out).
    pub fn add(&mut self, repo: &Repository) {
        let facts = RepoFacts {
            name: &repo.name,
            archived: repo.archived,
            fork: repo.fork,
            topics: &repo.topics,
        };
        if let Some(reason) = self.policy.scope.skip_reason(&facts) {
            self.skipped.push(Skipped {
                name: repo.name.clone(),
                reason,
            });
            return;
        }
        let result = evaluate_repo(self.policy, repo, self.today);
        self.summary.add(result.status);
        self.summary.warnings += result.warnings();
        self.summary.unfollowed += result.unfollowed.len();
        self.repositories.push(result);
    }

    /// The report on every repository added.
    pub fn finish(self, cx: &Context) -> Report {
        let Evaluation {
            policy,
            mut summary,
            mut repositories,
            mut skipped,
            ..
        } = self;
        summary.skipped = skipped.len();
        repositories.sort_by(|a, b| a.name.cmp(&b.name));
        skipped.sort_by(|a, b| a.name.cmp(&b.name));
        report(policy, cx, summary, repositories, skipped)
    }
}

fn report(
    policy: &Policy,
    cx: &Context,
    summary: Summary,
    repositories: Vec<RepoReport>,
    skipped: Vec<Skipped>,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        source: cx.source.clone(),
        policy: cx.policy_path.clone(),
        date: cx.today,
        summary,
        rules: policy
            .rules
            .iter()
            .map(|r| RuleInfo {
                id: r.id.clone(),
                description: r.description.clone(),
                selector: r.selector_text(),
                require: r.require(),
                forbid: r.forbidden().is_some(),
                pinned: r.pinned().map(|p| p.pinning),
                severity: r.severity_on(cx.today),
                enforce_from: r.enforce_from.map(|d| d.to_string()),
                enforced_in_days: r
                    .enforce_from
                    .map(|d| cx.today.days_until(d))
                    .filter(|days| *days > 0),
                fix: r.fix.clone(),
                policy_line: r.line,
                step: r.selector.clone(),
                help: crate::kind::help(r),
                scope: crate::kind::where_text(r),
                image: r.images().map(|i| {
                    crate::policy::texts(&i.allowed)
                        .into_iter()
                        .map(String::from)
                        .collect()
                }),
                digest: r.images().is_some_and(|i| i.digest),
                version: r.version().cloned(),
            })
            .collect(),
        partial: cx.incomplete.is_some() || repositories.iter().any(repo_unread),
        incomplete: cx.incomplete.clone(),
        notes: Vec::new(),
        repositories,
        skipped,
    }
}

/// Link to a job's line at the scanned commit.
fn job_url(repo: &Repository, job: &Job) -> Option<String> {
    line_url(repo, &job.path, job.line)
}

/// Link to a file's line at the scanned commit, when the repository is on the web.
fn line_url(repo: &Repository, file: &str, line: usize) -> Option<String> {
    crate::report::file_url(repo.blob_url.as_deref(), file, Some(line))
}

fn repo_unread(r: &RepoReport) -> bool {
    r.errors.iter().any(|p| p.file.is_none())
}

/// Judge one repository that is in scope: every rule against every job it covers, each rule
/// kind in its own module, exemptions applied to the findings.
pub fn evaluate_repo(policy: &Policy, repo: &Repository, today: Date) -> RepoReport {
    let matching: Vec<_> = policy
        .exemptions
        .iter()
        .filter(|e| e.covers_repo(&repo.name))
        .collect();
    let active: Vec<_> = matching.iter().filter(|e| !e.is_expired(today)).collect();
    let exempt_from_all = active.iter().any(|e| e.rules.is_empty());

    let judged: Vec<(&Pipeline, &Job)> = match policy.unused_jobs {
        UnusedJobs::Ignore => repo.ci.jobs().collect(),
        UnusedJobs::Judge => repo
            .ci
            .jobs()
            .chain(repo.ci.not_run().map(|(p, n)| (p, &n.job)))
            .collect(),
    };
    let found = findings(policy, &judged, today);
    // A finding an active exemption covers is not reported; it makes the repository exempt
    // when nothing else is wrong.
    let (excused, mut findings): (Vec<Finding>, Vec<Finding>) = found
        .into_iter()
        .partition(|f| active.iter().any(|e| e.covers_rule(&f.rule)));
    // In job order, repository-wide ones last, each job's in rule order (a stable sort):
    // `RepoReport::job_findings` searches rather than scans.
    findings.sort_by_key(|f| f.job.unwrap_or(usize::MAX));
    // Kept for the whole run, one per repository: without the slack `partition` grew it by.
    findings.shrink_to_fit();

    let errors = problems(repo);
    let failing = findings.iter().any(|f| f.severity == Severity::Error);
    let status = if exempt_from_all {
        Status::Exempt
    } else if !errors.is_empty() {
        Status::Error
    } else if judged.is_empty() {
        Status::NoCi
    } else if failing {
        Status::NonCompliant
    } else if !excused.is_empty() {
        Status::Exempt
    } else {
        Status::Compliant
    };

    let not_run = match policy.unused_jobs {
        UnusedJobs::Ignore => repo
            .ci
            .not_run()
            .map(|(_, n)| NotRunReport::new(&n.job, &n.reason, job_url(repo, &n.job)))
            .collect(),
        UnusedJobs::Judge => Vec::new(),
    };
    RepoReport {
        name: repo.name.clone(),
        status,
        url: repo.url.clone(),
        blob_url: repo.blob_url.clone(),
        owners: repo.owners.clone(),
        jobs: judged
            .iter()
            .map(|(pipeline, job)| job_report(pipeline, job))
            .collect(),
        not_run,
        findings,
        error: (!errors.is_empty()).then(|| error_text(&errors)),
        errors,
        exemptions: matching.iter().map(|e| exemption_note(e, today)).collect(),
        unfollowed: repo.ci.unfollowed.clone(),
    }
}

/// What could not be read, one `file:line: message` per line.
fn error_text(errors: &[Problem]) -> String {
    errors
        .iter()
        .map(|p| match (&p.file, p.line) {
            (Some(f), Some(l)) => format!("{f}:{l}: {}", p.message),
            (Some(f), None) => format!("{f}: {}", p.message),
            _ => p.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An exemption that names the repository, as the report shows it on `today`.
fn exemption_note(e: &Exemption, today: Date) -> ExemptionNote {
    ExemptionNote {
        rules: e.rules.clone(),
        reason: e.reason.clone(),
        expires: e.expires.map(|d| d.to_string()),
        expired: e.is_expired(today),
        days_left: e
            .expires
            .map(|d| today.days_until(d))
            .filter(|_| !e.is_expired(today)),
        policy_line: e.line,
    }
}

/// Every rule against every job it covers, then the repository-wide rules.
fn findings(policy: &Policy, judged: &[(&Pipeline, &Job)], today: Date) -> Vec<Finding> {
    let mut found = Vec::new();
    // Each finding takes the severity its rule has today: a rule not enforced yet only warns.
    let mut add = |rule: &Rule, findings: Vec<Finding>| {
        for mut f in findings {
            f.severity = rule.severity_on(today);
            found.push(f);
        }
    };
    for (index, &(pipeline, job)) in judged.iter().enumerate() {
        for rule in policy.rules.iter().filter(|r| r.applies_to(pipeline, job)) {
            for check in &rule.checks {
                add(
                    rule,
                    crate::kind::job_findings(policy, rule, check, index, job),
                );
            }
        }
    }
    for rule in &policy.rules {
        add(
            rule,
            crate::kind::required::repository(rule, judged)
                .into_iter()
                .collect(),
        );
    }
    found
}

/// What could not be read or understood.
fn problems(repo: &Repository) -> Vec<Problem> {
    let mut errors: Vec<Problem> = repo
        .read_error
        .iter()
        .map(|m| Problem {
            file: None,
            line: None,
            message: m.clone(),
        })
        .collect();
    errors.extend(repo.ci.errors.iter().map(|e| Problem {
        file: Some(e.path.clone()),
        line: e.line,
        message: e.message.clone(),
    }));
    errors
}

fn job_report(pipeline: &Pipeline, job: &Job) -> JobReport {
    JobReport {
        name: job.name.clone(),
        job: job.definition.clone(),
        workflow: job.workflow.clone(),
        ci: pipeline.ci,
        file: job.path.clone(),
        line: job.line,
        steps: job.steps.len(),
        verifiable: job.is_verifiable(),
        not_verifiable: match &job.kind {
            JobKind::NotVerifiable(why) => Some(why.clone()),
            _ => None,
        },
        called_at: job.called_at.clone(),
    }
}

//! The collapsed lists at the end of a report: compliant, without CI, warnings, jobs that never
//! run, exempt, skipped, and rules enforced soon.

use serde::Serialize;

use super::super::finding::Severity;
use super::super::gfm::{code_text, inert, inline, inline_text};
use super::super::{Report, Status};
use super::{ListView, Trim};

/// How far ahead the report announces rules about to be enforced.
const SOON_DAYS: i64 = 30;

/// The lists, each Markdown; empty when trimmed away.
#[derive(Serialize)]
pub(super) struct Lists<'a> {
    compliant: Vec<&'a str>,
    no_ci: Vec<&'a str>,
    exempt: Vec<String>,
    skipped: Vec<String>,
    not_run: Vec<String>,
    not_run_jobs: usize,
    unfollowed_calls: Vec<String>,
    warned: Vec<String>,
    enforced_soon: Vec<SoonView>,
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

impl<'a> Lists<'a> {
    pub(super) fn new(report: &'a Report, trim: Trim) -> Self {
        let keep = !trim.collapse;
        let names = |s: Status| -> Vec<&'a str> {
            if keep {
                report.with_status(s).map(|r| r.name.as_str()).collect()
            } else {
                Vec::new()
            }
        };
        let exempt = report
            .with_status(Status::Exempt)
            .filter(|_| keep)
            .map(|r| {
                let reasons: Vec<String> = r
                    .exemptions
                    .iter()
                    .filter(|e| !e.expired)
                    .map(|e| inline(&e.reason))
                    .collect();
                format!("**{}**: {}", inert(&r.name), reasons.join("; "))
            })
            .collect();
        let skipped = report
            .skipped
            .iter()
            .filter(|_| keep)
            .map(|s| format!("{}: {}", inert(&s.name), inline(&s.reason)))
            .collect();
        let not_run = report
            .repositories
            .iter()
            .filter(|r| keep && !r.not_run.is_empty())
            .map(|r| {
                let jobs: Vec<String> = r
                    .not_run
                    .iter()
                    .map(|j| format!("{} ({})", inert(&j.name), inline(&j.reason)))
                    .collect();
                format!("**{}**: {}", inert(&r.name), jobs.join("; "))
            })
            .collect();
        let unfollowed_calls = report
            .repositories
            .iter()
            .filter(|r| keep && !r.unfollowed.is_empty())
            .map(|r| {
                let calls: Vec<String> = r
                    .unfollowed
                    .iter()
                    .map(|u| {
                        format!(
                            "{} ({}:{}): {}",
                            code_text(&u.target),
                            inert(&u.path),
                            u.line,
                            inline_text(&u.reason)
                        )
                    })
                    .collect();
                format!("**{}**: {}", inert(&r.name), calls.join("; "))
            })
            .collect();
        Lists {
            compliant: names(Status::Compliant),
            no_ci: names(Status::NoCi),
            exempt,
            skipped,
            not_run,
            not_run_jobs: report.repositories.iter().map(|r| r.not_run.len()).sum(),
            unfollowed_calls,
            warned: if keep { warned(report) } else { Vec::new() },
            enforced_soon: soon(report, trim.names_cap()),
        }
    }
}

/// Repositories with warnings: their rules, each with how many findings.
fn warned(report: &Report) -> Vec<String> {
    report
        .repositories
        .iter()
        .filter(|r| r.warnings() > 0)
        .map(|r| {
            let mut rules: Vec<(&str, usize)> = Vec::new();
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
            {
                match rules.iter_mut().find(|(id, _)| *id == f.rule) {
                    Some((_, n)) => *n += 1,
                    None => rules.push((&f.rule, 1)),
                }
            }
            let rules: Vec<String> = rules
                .into_iter()
                .map(|(id, n)| match n {
                    1 => inert(id),
                    n => format!("{} ×{n}", inert(id)),
                })
                .collect();
            format!("**{}**: {}", inert(&r.name), rules.join(", "))
        })
        .collect()
}

fn soon(report: &Report, cap: usize) -> Vec<SoonView> {
    report
        .rules
        .iter()
        .filter_map(|rule| {
            let days = rule.enforced_in_days.filter(|d| *d <= SOON_DAYS)?;
            let failing: Vec<String> = report
                .repositories
                .iter()
                .filter(|r| r.findings.iter().any(|f| f.rule == rule.id))
                .map(|r| inert(&r.name))
                .collect();
            Some(SoonView {
                rule: inert(&rule.id),
                description: inline(&rule.description),
                from: rule.enforce_from.clone().unwrap_or_default(),
                days,
                repositories: ListView::of(failing.into_iter(), cap),
            })
        })
        .collect()
}

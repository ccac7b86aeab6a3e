//! Required steps: every job a rule covers runs a matching step (`require = "every-job"`), or
//! at least one of them does (`any-job`).

use crate::ci::{Job, Pipeline};
use crate::policy::{Policy, Require, Rule, Unverifiable};
use crate::report::finding::{Finding, FindingKind, Severity};

/// The finding for job `index` when it misses an `every-job` rule's step. A job whose steps
/// cannot be seen misses it only under `unverifiable-jobs = "fail"`.
pub(super) fn job(policy: &Policy, rule: &Rule, index: usize, job: &Job) -> Vec<Finding> {
    if rule.forbid || rule.require != Require::EveryJob {
        return Vec::new();
    }
    let misses = if job.is_verifiable() {
        !job.steps.iter().any(|s| rule.matches(s))
    } else {
        policy.unverifiable_jobs == Unverifiable::Fail
    };
    misses
        .then(|| Finding {
            rule: rule.id.clone(),
            kind: FindingKind::Missing,
            severity: Severity::Error,
            job: Some(index),
            file: Some(job.path.clone()),
            line: Some(job.line),
            url: None,
            detail: None,
        })
        .into_iter()
        .collect()
}

/// The finding for a repository none of whose covered jobs runs an `any-job` rule's step.
/// Jobs whose steps cannot be seen neither satisfy nor count; a repository with no covered job
/// has nothing to judge.
pub(super) fn repository(rule: &Rule, judged: &[(&Pipeline, &Job)]) -> Option<Finding> {
    if rule.forbid || rule.require != Require::AnyJob {
        return None;
    }
    let mut covered = judged
        .iter()
        .filter(|(p, j)| j.is_verifiable() && rule.applies_to(p, j))
        .peekable();
    covered.peek()?;
    let satisfied = covered.any(|(_, j)| j.steps.iter().any(|s| rule.matches(s)));
    (!satisfied).then(|| Finding {
        rule: rule.id.clone(),
        kind: FindingKind::MissingEverywhere,
        severity: Severity::Error,
        job: None,
        file: None,
        line: None,
        url: None,
        detail: None,
    })
}

//! Required steps: every job a rule covers runs a matching step (`require = "every-job"`), or
//! at least one of them does (`any-job`). With a `version` constraint, a job that runs the
//! step at a version the rule does not accept is told why (a `version` finding), not that the
//! step is missing.

use crate::ci::{Job, Pipeline, StepKind};
use crate::policy::{Policy, Require, Required, Rule, Unverifiable, version};
use crate::report::finding::{Finding, FindingKind};

/// The finding for job `index` when it does not run an `every-job` rule's step (at an accepted
/// version). A job whose steps cannot be seen misses it only under
/// `unverifiable-jobs = "fail"`.
pub(crate) fn job(
    policy: &Policy,
    rule: &Rule,
    required: &Required,
    index: usize,
    job: &Job,
) -> Vec<Finding> {
    if required.require != Require::EveryJob {
        return Vec::new();
    }
    let missing = || vec![super::at_job(rule, FindingKind::Missing, index, job)];
    if !job.is_verifiable() {
        return match policy.unverifiable_jobs {
            Unverifiable::Fail => missing(),
            Unverifiable::Ignore => Vec::new(),
        };
    }
    if job.steps.iter().any(|s| rule.matches(s)) {
        return Vec::new();
    }
    // The step is there at a version the rule refuses: say which, where, and why.
    if let Some(constraint) = &required.version
        && let Some(step) = job.steps.iter().find(|s| rule.names(s))
    {
        let StepKind::Uses(text) = &step.kind else {
            return missing();
        };
        // As the config reads: a SHA with its comment, an orb step with its orb's version.
        let detail = match &step.version {
            Some(v) if text.contains('@') => format!("{text} # {v}"),
            Some(v) => format!("{text}@{v}"),
            None => text.clone(),
        };
        return vec![Finding {
            why: version::seen(step).refusal(constraint),
            ..super::at_step(rule, FindingKind::Version, index, job, step, detail)
        }];
    }
    missing()
}

/// The finding for a repository none of whose covered jobs runs an `any-job` rule's step.
/// Jobs whose steps cannot be seen neither satisfy nor count; a repository with no covered job
/// has nothing to judge.
pub(super) fn repository(rule: &Rule, judged: &[(&Pipeline, &Job)]) -> Option<Finding> {
    if rule.required()?.require != Require::AnyJob {
        return None;
    }
    let mut covered = judged
        .iter()
        .filter(|(p, j)| j.is_verifiable() && rule.applies_to(p, j))
        .peekable();
    covered.peek()?;
    let satisfied = covered.any(|(_, j)| j.steps.iter().any(|s| rule.matches(s)));
    (!satisfied).then(|| Finding::new(&rule.id, FindingKind::MissingEverywhere))
}

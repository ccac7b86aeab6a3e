//! Forbidden steps (`forbid = true`): no job a rule covers may run a matching step. Each
//! matching step is its own finding, at the step's file and line.

use crate::ci::{Job, StepKind};
use crate::policy::{Policy, Rule};
use crate::report::finding::{Finding, FindingKind, Severity};

/// The findings for job `index`: one per step it runs that the rule forbids.
pub(super) fn job(_policy: &Policy, rule: &Rule, index: usize, job: &Job) -> Vec<Finding> {
    if !rule.forbid {
        return Vec::new();
    }
    job.steps
        .iter()
        .filter(|s| rule.matches(s))
        .map(|step| Finding {
            rule: rule.id.clone(),
            kind: FindingKind::Forbidden,
            severity: Severity::Error,
            job: Some(index),
            file: Some(step.file.clone().unwrap_or_else(|| job.path.clone())),
            line: Some(step.line),
            url: None,
            why: None,
            detail: Some(match &step.kind {
                StepKind::Run(command) => command.trim().to_string(),
                StepKind::Uses(name) => name.clone(),
            }),
        })
        .collect()
}

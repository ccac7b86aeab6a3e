//! Forbidden steps (`forbid = true`): no job a rule covers may run a matching step. Each
//! matching step is its own finding, at the step's file and line.

use crate::ci::{Job, StepKind};
use crate::policy::{Forbidden, Rule};
use crate::report::finding::{Finding, FindingKind};

/// The findings for job `index`: one per step it runs that the rule forbids (at the versions
/// it names, which [`Rule::matches`] applies).
pub(crate) fn job(rule: &Rule, _forbidden: &Forbidden, index: usize, job: &Job) -> Vec<Finding> {
    job.steps
        .iter()
        .filter(|s| rule.matches(s))
        .map(|step| {
            let detail = match &step.kind {
                StepKind::Run(command) => command.trim().to_string(),
                StepKind::Uses(name) => name.clone(),
            };
            super::at_step(rule, FindingKind::Forbidden, index, job, step, detail)
        })
        .collect()
}

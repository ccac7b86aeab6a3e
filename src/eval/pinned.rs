//! Pinning (`pinned = "sha"`): every `uses` step a rule matches runs a full commit SHA, unless
//! its name is allowed to use tags. Each unpinned step is its own finding, at its line. Local
//! actions (`./path`) run the repository's own code and need no pin.

use crate::ci::{Job, StepKind};
use crate::policy::{Policy, Rule};
use crate::report::finding::{Finding, FindingKind};

/// The findings for job `index`: one per matching step that is not pinned.
pub(super) fn job(_policy: &Policy, rule: &Rule, index: usize, job: &Job) -> Vec<Finding> {
    if rule.pinned.is_none() {
        return Vec::new();
    }
    job.steps
        .iter()
        .filter(|s| rule.names(s))
        .filter_map(|step| {
            let StepKind::Uses(text) = &step.kind else {
                return None;
            };
            let why = unpinned(text, rule)?;
            Some(Finding {
                why: Some(why),
                ..super::at_step(rule, FindingKind::Unpinned, index, job, step, text.clone())
            })
        })
        .collect()
}

/// Why a `uses` reference is not pinned, or `None` when it is (or needs no pin).
fn unpinned(text: &str, rule: &Rule) -> Option<String> {
    if text.starts_with("./") {
        return None;
    }
    if let Some(image) = text.strip_prefix("docker://") {
        return (!image.contains("@sha256:"))
            .then(|| "a Docker image by tag can change; pin its digest (@sha256:...)".to_string());
    }
    // CircleCI steps and commands have no ref to pin; orbs are pinned in `orbs:`.
    let (name, reference) = text.split_once('@')?;
    if rule.allow_unpinned.iter().any(|p| p.is_match(name)) {
        return None;
    }
    let sha = reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
    (!sha).then(|| {
        format!("{reference} can move; pin the full commit SHA, with {reference} as a comment")
    })
}

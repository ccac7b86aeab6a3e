//! Rule kinds, registered in one place. A kind is one module that owns everything about it:
//! its policy keys (parsing, schema entries, editor flags, `policy show` text), its check and
//! the wording of its findings. Adding a kind is its module and a line in each `match` here.
//!
//! The kinds that predate this module (require, forbid, pin) still keep their keys in
//! `policy/parse` and their checks in `eval/`; `image` is the first written this way.

pub mod image;

use crate::ci::Job;
use crate::policy::schema::Field;
use crate::policy::{Check, Policy, Rule};
use crate::report::finding::Finding;

/// The `[[rule]]` keys each kind module declares, after the shared ones.
pub(crate) const KEYS: &[&[Field]] = &[image::KEYS];

/// The findings of one of `rule`'s kinds about one job the rule covers (the job's index in
/// the repository's jobs).
pub(crate) fn job_findings(
    policy: &Policy,
    rule: &Rule,
    check: &Check,
    index: usize,
    job: &Job,
) -> Vec<Finding> {
    use crate::eval::{forbidden, pinned, required};
    match check {
        Check::Require(r) => required::job(policy, rule, r, index, job),
        Check::Forbid(f) => forbidden::job(rule, f, index, job),
        Check::Pin(p) => pinned::job(rule, p, index, job),
        Check::Image(images) => image::job(rule, images, index, job),
    }
}

/// What a rule that judges no step shows where others show their step: `None` for step rules.
pub(crate) fn subject_text(rule: &Rule) -> Option<String> {
    rule.images().map(image::Images::text)
}

/// `policy show` lines a rule's kinds add, only when they are set.
pub(crate) fn show(rule: &Rule) -> Vec<(&'static str, String)> {
    rule.checks
        .iter()
        .flat_map(|c| match c {
            Check::Image(images) => images.show(),
            _ => Vec::new(),
        })
        .collect()
}

/// `policy show --format json` keys a rule's kinds add.
pub(crate) fn json(rule: &Rule, v: &mut serde_json::Value) {
    for c in &rule.checks {
        if let Check::Image(images) = c {
            images.json(v);
        }
    }
}

/// Fields `policy diff` compares, every kind's, present or not, so a rule that changes kind
/// shows what it gained and lost.
pub(crate) fn diff_fields(rule: &Rule) -> Vec<(&'static str, String)> {
    image::diff_fields(rule.images())
}

/// Code-scanning help for a rule: what it asks, and how to comply.
pub(crate) fn help(rule: &Rule) -> String {
    let step = rule.selector_text();
    match rule.checks.first() {
        Some(Check::Image(images)) => images.help(),
        Some(Check::Pin(_)) => format!(
            "Every `uses` step this rule matches (`{step}`) must be pinned to a full commit SHA, with its tag as a comment. Pin it, or exempt the repository in the policy."
        ),
        Some(Check::Forbid(_)) => format!(
            "No CI job this rule covers may run the step `{step}`. Remove it from the job, or exempt the repository in the policy."
        ),
        _ => format!(
            "Every CI job this rule covers must run the step `{step}`. Add it to the job, or exempt the repository in the policy."
        ),
    }
}

//! Rule kinds, registered in one place. A kind is one module that owns everything about it:
//! its policy keys (parsing, schema entries, editor flags, `policy show` text), its check and
//! the wording of its findings. Adding a kind is its module and a line in each `match` here.

pub mod forbidden;
pub mod image;
pub mod pinned;
pub mod required;

use std::ops::Range;

use toml_edit::TableLike;

use crate::choice::Choice;
use crate::ci::Job;
use crate::policy::Selector;
use crate::policy::parse::Walker;
use crate::policy::schema::Field;
use crate::policy::version::Constraint;
use crate::policy::{Check, Policy, Rule};
use crate::report::finding::{Finding, FindingKind};

/// The `[[rule]]` keys each kind module declares, after the shared ones.
pub(crate) const KEYS: &[&[Field]] = &[required::KEYS, forbidden::KEYS, pinned::KEYS, image::KEYS];

/// The kinds of a rule with a step selector, from their keys: `forbid` makes it forbidden,
/// `pinned` a pinning rule (and a requirement too when it has a `version`); otherwise it
/// requires its step.
pub(crate) fn step_checks(
    w: &mut Walker<'_>,
    t: &dyn TableLike,
    span: &Range<usize>,
    selector: Option<&Selector>,
    version: Option<Constraint>,
) -> Vec<Check> {
    if let Some(f) = forbidden::parse(w, t, version.clone()) {
        return vec![Check::Forbid(f)];
    }
    // A pinning rule requires its step only when it also has a version.
    let pin = pinned::parse(w, t, span, selector);
    let required = required::Required::parse(w, t, version);
    match pin {
        Some(pin) if required.version.is_some() => vec![Check::Require(required), Check::Pin(pin)],
        Some(pin) => vec![Check::Pin(pin)],
        None => vec![Check::Require(required)],
    }
}

/// Every kind's editor flags, for `policy add/edit` (`None` everywhere leaves a rule's kinds
/// as they are).
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// `require`.
    #[command(flatten)]
    pub required: required::Flags,
    /// `forbid`.
    #[command(flatten)]
    pub forbidden: forbidden::Flags,
    /// `pinned`, `allow-unpinned`.
    #[command(flatten)]
    pub pinned: pinned::Flags,
    /// `image`, `digest`.
    #[command(flatten)]
    pub image: image::Flags,
}

impl Flags {
    /// Whether any kind's flag is given.
    pub fn is_set(&self) -> bool {
        self.required.is_set()
            || self.forbidden.is_set()
            || self.pinned.is_set()
            || self.image.is_set()
    }

    /// The flags that make a rule's subject, which a new rule writes right after its selector:
    /// an image rule's keys.
    pub(crate) fn subject(&self) -> Self {
        Flags {
            image: self.image.clone(),
            ..Flags::default()
        }
    }

    /// The rest, which a new rule writes after the shared keys.
    pub(crate) fn rest(&self) -> Self {
        Flags {
            image: image::Flags::default(),
            ..self.clone()
        }
    }

    /// The subject's keys, written with the selector.
    pub(crate) fn apply_subject(&self, t: &mut toml_edit::Table) {
        self.image.apply(t);
    }

    /// Write every kind's keys to a rule table.
    pub(crate) fn apply(&self, t: &mut toml_edit::Table) {
        self.required.apply(t);
        self.forbidden.apply(t);
        self.pinned.apply(t);
    }
}

/// The findings of one of `rule`'s kinds about one job the rule covers (the job's index in
/// the repository's jobs).
pub(crate) fn job_findings(
    policy: &Policy,
    rule: &Rule,
    check: &Check,
    index: usize,
    job: &Job,
) -> Vec<Finding> {
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

/// `policy show` lines a rule's kinds add.
pub(crate) fn show(rule: &Rule) -> Vec<(&'static str, String)> {
    rule.checks
        .iter()
        .flat_map(|c| match c {
            Check::Require(r) => r.show(),
            Check::Forbid(f) => f.show(),
            Check::Pin(p) => p.show(),
            Check::Image(i) => i.show(),
        })
        .collect()
}

/// `policy show --format json` keys a rule's kinds add.
pub(crate) fn json(rule: &Rule, v: &mut serde_json::Value) {
    for c in &rule.checks {
        match c {
            Check::Require(r) => r.json(v),
            Check::Forbid(f) => f.json(v),
            Check::Pin(p) => p.json(v),
            Check::Image(i) => i.json(v),
        }
    }
}

/// A finding after its subject, for one-line outputs, in its kind's words.
pub(crate) fn summary(f: &Finding) -> String {
    let found = f.found();
    match f.kind {
        FindingKind::Missing | FindingKind::MissingEverywhere | FindingKind::Version => {
            required::summary(f, &found)
        }
        FindingKind::Forbidden => forbidden::summary(f, &found),
        FindingKind::Unpinned => pinned::summary(f, &found),
        FindingKind::Image => image::summary(f, &found),
    }
}

/// A finding as a sentence, for code scanning, in its kind's words.
pub(crate) fn sentence(f: &Finding, subject: &str, description: &str) -> String {
    let found = f.found();
    match f.kind {
        FindingKind::Missing | FindingKind::MissingEverywhere | FindingKind::Version => {
            required::sentence(f, &found, subject, description)
        }
        FindingKind::Forbidden => forbidden::sentence(f, &found, subject, description),
        FindingKind::Unpinned => pinned::sentence(f, &found, subject, description),
        FindingKind::Image => image::sentence(f, &found, subject, description),
    }
}

/// Fields `policy diff` compares, every kind's, present or not, so a rule that changes kind
/// shows what it gained and lost.
pub(crate) fn diff_fields(rule: &Rule) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("require", rule.require().id().to_string()),
        ("forbid", rule.forbidden().is_some().to_string()),
    ];
    fields.extend(pinned::diff_fields(rule.pinned()));
    fields.extend(image::diff_fields(rule.images()));
    fields
}

/// Where a rule applies and what it asks there, in a few words, for listings: its kind's
/// part (`every-job`, `forbidden in every job`, …), then the scope it is limited to and the
/// date it is enforced from, if any.
pub fn where_text(rule: &Rule) -> String {
    let what = match rule.checks.first() {
        Some(Check::Image(_)) => "every job's containers".to_string(),
        Some(Check::Forbid(_)) => "forbidden in every job".to_string(),
        Some(Check::Pin(p)) if p.allow_unpinned.is_empty() => {
            format!("matching steps pinned by {}", p.pinning.id())
        }
        Some(Check::Pin(p)) => format!(
            "matching steps pinned by {} (except {})",
            p.pinning.id(),
            crate::policy::texts(&p.allow_unpinned).join(", ")
        ),
        _ => rule.require().id().to_string(),
    };
    let mut parts = vec![what];
    if !rule.jobs.is_empty() {
        parts.push(format!(
            "jobs {}",
            crate::policy::texts(&rule.jobs).join(", ")
        ));
    }
    if rule.ci.len() < crate::ci::CiSystem::ALL.len() {
        let ci: Vec<&str> = rule.ci.iter().map(|c| c.id()).collect();
        parts.push(format!("{} only", ci.join(", ")));
    }
    if !rule.events.is_empty() {
        parts.push(format!("on {}", rule.events.join(", ")));
    }
    if let Some(date) = rule.enforce_from {
        parts.push(format!("enforced from {date}"));
    }
    parts.join("; ")
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

//! Required steps: every job a rule covers runs a matching step (`require = "every-job"`), or
//! at least one of them does (`any-job`). With a `version` constraint, a job that runs the
//! step at a version the rule does not accept is told why (a `version` finding), not that the
//! step is missing.

use toml_edit::TableLike;

use crate::choice::Choice;
use crate::ci::{Job, Pipeline, StepKind};
use crate::policy::parse::Walker;
use crate::policy::schema::{Field, Kind, f};
use crate::policy::{Policy, Rule, Unverifiable, version};
use crate::report::finding::{Finding, FindingKind};

/// The policy keys this kind owns (`version`, shared with forbidden steps, is the selector's).
pub(crate) const KEYS: &[Field] = &[f(
    "require",
    Kind::Enum(Require::IDS),
    false,
    "`every-job`: each matching job runs the step. `any-job`: at least one matching job of the repository does.",
)];

/// [`crate::policy::Check::Require`]: where the step must be, and at which versions.
#[derive(Debug, Clone)]
pub struct Required {
    /// In every covered job, or in one of them.
    pub require: Require,
    /// The versions a `uses` step may run (`>=4`); the job must run a matching step at one.
    pub version: Option<version::Constraint>,
}

crate::choice::choice! {
    /// Where a required step must appear.
    pub enum Require {
        /// In every matching job (the default).
        EveryJob = "every-job",
        /// In at least one matching job of the repository.
        AnyJob = "any-job",
    }
}

impl Required {
    /// The rule's `require` (default `every-job`), with the selector's `version`.
    pub(crate) fn parse(
        w: &mut Walker<'_>,
        t: &dyn TableLike,
        version: Option<version::Constraint>,
    ) -> Self {
        let require = t
            .get("require")
            .and_then(|v| w.choice(v))
            .unwrap_or(Require::EveryJob);
        Required { require, version }
    }

    /// `policy show` lines.
    pub(crate) fn show(&self) -> Vec<(&'static str, String)> {
        vec![("require", self.require.id().to_string())]
    }

    /// `policy show --format json` keys.
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        v["require"] = self.require.id().into();
    }
}

/// Editor flag: `--require`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// Where the step must be.
    #[arg(long, value_enum)]
    pub require: Option<Require>,
}

impl Flags {
    /// Whether the flag is given.
    pub fn is_set(&self) -> bool {
        self.require.is_some()
    }

    /// Write it to a rule table.
    pub(crate) fn apply(&self, t: &mut toml_edit::Table) {
        if let Some(v) = self.require {
            crate::policy::edit::set(t, "require", v.id().into());
        }
    }
}

/// The finding after its subject, for one-line outputs.
pub(crate) fn summary(f: &Finding, found: &str) -> String {
    let rule = &f.rule;
    match f.kind {
        FindingKind::MissingEverywhere => format!("no job runs `{rule}`"),
        FindingKind::Version => format!(
            "runs `{found}`, not a version `{rule}` accepts: {}",
            f.why.as_deref().unwrap_or_default()
        ),
        _ => format!("misses `{rule}`"),
    }
}

/// The finding as a sentence, for code scanning.
pub(crate) fn sentence(f: &Finding, found: &str, subject: &str, description: &str) -> String {
    let rule = &f.rule;
    match f.kind {
        FindingKind::MissingEverywhere => {
            format!("No job of {subject} runs the required step `{rule}`.")
        }
        FindingKind::Version => format!(
            "Job `{subject}` runs `{found}`, not a version the rule `{rule}` accepts ({}): {description}.",
            f.why.as_deref().unwrap_or_default()
        ),
        _ => format!("Job `{subject}` does not run the required step `{rule}`: {description}."),
    }
}

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
    let missing = || vec![Finding::at_job(&rule.id, FindingKind::Missing, index, job)];
    // What can be seen of a job that is not verifiable (an orb job's pre- and post-steps)
    // satisfies a rule like any step.
    if !job.is_verifiable() && job.steps.iter().any(|s| rule.matches(s)) {
        return Vec::new();
    }
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
            ..Finding::at_step(&rule.id, FindingKind::Version, index, job, step, detail)
        }];
    }
    missing()
}

/// The finding for a repository none of whose covered jobs runs an `any-job` rule's step.
/// Jobs whose steps cannot be seen neither satisfy nor count; a repository with no covered job
/// has nothing to judge.
pub(crate) fn repository(rule: &Rule, judged: &[(&Pipeline, &Job)]) -> Option<Finding> {
    if rule.required()?.require != Require::AnyJob {
        return None;
    }
    let mut covered = judged
        .iter()
        .filter(|(p, j)| j.is_verifiable() && rule.applies_to(p, j))
        .peekable();
    covered.peek()?;
    // Any covered job's visible steps satisfy it, an orb job's pre- and post-steps included.
    let satisfied = judged
        .iter()
        .filter(|(p, j)| rule.applies_to(p, j))
        .any(|(_, j)| j.steps.iter().any(|s| rule.matches(s)));
    (!satisfied).then(|| Finding::new(&rule.id, FindingKind::MissingEverywhere))
}

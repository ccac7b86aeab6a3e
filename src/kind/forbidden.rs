//! Forbidden steps (`forbid = true`): no job a rule covers may run a matching step. Each
//! matching step is its own finding, at the step's file and line.

use toml_edit::TableLike;

use crate::ci::{Job, StepKind};
use crate::policy::parse::{Walker, span_of};
use crate::policy::schema::{Field, Kind, f};
use crate::policy::{Rule, version};
use crate::report::finding::{Finding, FindingKind};

/// The policy keys this kind owns.
pub(crate) const KEYS: &[Field] = &[f(
    "forbid",
    Kind::Bool(false),
    false,
    "The step must not run: every job the rule covers is reported for each matching step it runs, with the step's line. `require` does not apply.",
)];

/// [`crate::policy::Check::Forbid`]: the step must not run, at the versions given (all when
/// none).
#[derive(Debug, Clone)]
pub struct Forbidden {
    /// Only steps at these versions are forbidden.
    pub version: Option<version::Constraint>,
}

/// The rule's `forbid`, when it is `true`; the keys of required and pinned steps cannot go
/// with it.
pub(crate) fn parse(
    w: &mut Walker<'_>,
    t: &dyn TableLike,
    version: Option<version::Constraint>,
) -> Option<Forbidden> {
    let forbid = t.get("forbid").and_then(|v| w.boolean(v)).unwrap_or(false);
    if !forbid {
        return None;
    }
    for key in ["require", "pinned", "allow-unpinned"] {
        if let Some(v) = t.get(key) {
            w.error(
                span_of(v),
                format!(
                    "`{key}` does not apply to a forbidden rule: no job it covers may run the step"
                ),
            );
        }
    }
    Some(Forbidden { version })
}

impl Forbidden {
    /// `policy show` lines.
    pub(crate) fn show(&self) -> Vec<(&'static str, String)> {
        vec![("forbid", "yes: no job it covers may run the step".into())]
    }

    /// `policy show --format json` keys.
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        v["forbid"] = true.into();
    }
}

/// The finding after its subject, for one-line outputs.
pub(crate) fn summary(f: &Finding, found: &str) -> String {
    format!("runs `{found}`, which `{}` forbids", f.rule)
}

/// The finding as a sentence, for code scanning.
pub(crate) fn sentence(f: &Finding, found: &str, subject: &str, description: &str) -> String {
    format!(
        "Job `{subject}` runs `{found}`, which the rule `{}` forbids: {description}.",
        f.rule
    )
}

/// Editor flag: `--forbid[=BOOL]`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// The step must not run in any job the rule covers (`--forbid=false` makes it required
    /// again).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub forbid: Option<bool>,
}

impl Flags {
    /// Whether the flag is given.
    pub fn is_set(&self) -> bool {
        self.forbid.is_some()
    }

    /// Write it to a rule table.
    pub(crate) fn apply(&self, t: &mut toml_edit::Table) {
        match self.forbid {
            Some(true) => crate::policy::edit::set(t, "forbid", true.into()),
            Some(false) => {
                t.remove("forbid");
            }
            None => {}
        }
    }
}

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
            Finding::at_step(&rule.id, FindingKind::Forbidden, index, job, step, detail)
        })
        .collect()
}

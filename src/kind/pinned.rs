//! Pinning (`pinned = "sha"`): every `uses` step a rule matches runs a full commit SHA, unless
//! its name is allowed to use tags. Each unpinned step is its own finding, at its line. Local
//! actions (`./path`) run the repository's own code and need no pin.

use std::ops::Range;

use toml_edit::TableLike;

use crate::choice::Choice;
use crate::ci::{Job, StepKind};
use crate::policy::Selector;
use crate::policy::parse::{Walker, span_of};
use crate::policy::schema::{Field, Kind, f};
use crate::policy::{Pattern, Rule, texts};
use crate::report::finding::{Finding, FindingKind};

/// `allow-unpinned`, in `[settings]` and in a rule alike.
pub(crate) const ALLOW_UNPINNED: Field = f(
    "allow-unpinned",
    Kind::Strings,
    false,
    "With `pinned`: action-name globs that may use tags anyway, e.g. `actions/*`, `my-org/*`.",
);

/// The policy keys this kind owns.
pub(crate) const KEYS: &[Field] = &[
    f(
        "pinned",
        Kind::Enum(Pinning::IDS),
        false,
        "For a `uses` selector: `sha` means matching steps must be pinned to a full 40-hex commit SHA. The rule then constrains the steps it matches and requires none (unless it also has `version`).",
    ),
    ALLOW_UNPINNED,
];

/// [`crate::policy::Check::Pin`]: how matching `uses` steps must be pinned.
#[derive(Debug, Clone)]
pub struct Pinned {
    /// To what.
    pub pinning: Pinning,
    /// Owners or actions (globs on the name before `@`) that may use tags anyway.
    pub allow_unpinned: Vec<Pattern>,
}

crate::choice::choice! {
    /// How `uses` steps must be pinned.
    pub enum Pinning {
        /// To a full 40-hex commit SHA.
        Sha = "sha",
    }
}

/// The rule's `pinned` and `allow-unpinned`, when it has `pinned`: only on a `uses` selector.
pub(crate) fn parse(
    w: &mut Walker<'_>,
    t: &dyn TableLike,
    span: &Range<usize>,
    selector: Option<&Selector>,
) -> Option<Pinned> {
    let pinning = t.get("pinned").and_then(|v| w.choice::<Pinning>(v));
    let allow_unpinned = t
        .get("allow-unpinned")
        .map(|v| w.patterns(v))
        .unwrap_or_default();
    let pinning = pinning?;
    if !matches!(selector, Some(Selector::Uses { .. })) {
        let at = t.get("pinned").map(span_of).unwrap_or(span.clone());
        w.error(at, "`pinned` applies to `uses` selectors only");
    }
    Some(Pinned {
        pinning,
        allow_unpinned,
    })
}

impl Pinned {
    /// `policy show` lines.
    pub(crate) fn show(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("pinned", self.pinning.id().to_string())];
        if !self.allow_unpinned.is_empty() {
            lines.push(("allow-unpinned", texts(&self.allow_unpinned).join(", ")));
        }
        lines
    }

    /// `policy show --format json` keys.
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        v["pinned"] = self.pinning.id().into();
        if !self.allow_unpinned.is_empty() {
            v["allow-unpinned"] = texts(&self.allow_unpinned).into();
        }
    }
}

/// Editor flags: `--pinned sha|none` and `--allow-unpinned GLOB…`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// For `uses`: `sha` means matching steps must be pinned to a full commit SHA (the rule
    /// then requires no step); `none` removes it.
    #[arg(long, value_parser = ["sha", "none"])]
    pub pinned: Option<String>,
    /// With `--pinned`: action-name globs that may use tags anyway (repeat, or give several),
    /// e.g. `--allow-unpinned 'actions/*' 'my-org/*'`; `--allow-unpinned ''` removes them.
    #[arg(long, num_args = 1.., value_name = "GLOB")]
    pub allow_unpinned: Option<Vec<String>>,
}

impl Flags {
    /// Whether any flag is given.
    pub fn is_set(&self) -> bool {
        self.pinned.is_some() || self.allow_unpinned.is_some()
    }

    /// Write them to a rule table.
    pub(crate) fn apply(&self, t: &mut toml_edit::Table) {
        use crate::policy::edit::{set, strings};
        match self.pinned.as_deref().map(Pinning::from_id) {
            Some(Some(p)) => set(t, "pinned", p.id().into()),
            Some(None) => {
                t.remove("pinned");
                t.remove("allow-unpinned");
            }
            None => {}
        }
        match &self.allow_unpinned {
            Some(globs) if globs.iter().all(String::is_empty) => {
                t.remove("allow-unpinned");
            }
            Some(globs) => set(t, "allow-unpinned", strings(globs)),
            None => {}
        }
    }
}

/// What `policy diff` compares: the same keys whether the rule has them or not.
pub(crate) fn diff_fields(pinned: Option<&Pinned>) -> Vec<(&'static str, String)> {
    let names = pinned.map_or(String::new(), |p| texts(&p.allow_unpinned).join(", "));
    vec![
        (
            "pinned",
            pinned.map_or("(no)".into(), |p| p.pinning.id().to_string()),
        ),
        ("allow-unpinned", names),
    ]
}

/// The finding after its subject, for one-line outputs.
pub(crate) fn summary(f: &Finding, found: &str) -> String {
    format!(
        "runs `{found}` unpinned, which `{}` refuses: {}",
        f.rule,
        f.why.as_deref().unwrap_or_default()
    )
}

/// The finding as a sentence, for code scanning.
pub(crate) fn sentence(f: &Finding, found: &str, subject: &str, description: &str) -> String {
    format!(
        "Job `{subject}` runs `{found}` unpinned ({}): {description}.",
        f.why.as_deref().unwrap_or_default()
    )
}

/// The findings for job `index`: one per matching step that is not pinned.
pub(crate) fn job(rule: &Rule, pinned: &Pinned, index: usize, job: &Job) -> Vec<Finding> {
    job.steps
        .iter()
        .filter(|s| rule.names(s))
        .filter_map(|step| {
            let StepKind::Uses(text) = &step.kind else {
                return None;
            };
            let why = unpinned(text, pinned)?;
            Some(Finding {
                why: Some(why),
                ..Finding::at_step(
                    &rule.id,
                    FindingKind::Unpinned,
                    index,
                    job,
                    step,
                    text.clone(),
                )
            })
        })
        .collect()
}

/// Whether an image reference ends in a whole digest: `@sha256:` and 64 hex digits, as the
/// OCI image spec writes one. `@sha256:0123` names nothing and pins nothing.
pub(crate) fn is_digest_pinned(image: &str) -> bool {
    image.rsplit_once("@sha256:").is_some_and(|(name, digest)| {
        !name.is_empty() && digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Why a `uses` reference is not pinned, or `None` when it is (or needs no pin).
fn unpinned(text: &str, pinned: &Pinned) -> Option<String> {
    if text.starts_with("./") {
        return None;
    }
    if let Some(image) = text.strip_prefix("docker://") {
        return (!is_digest_pinned(image))
            .then(|| "a Docker image by tag can change; pin its digest (@sha256:...)".to_string());
    }
    // CircleCI steps and commands have no ref to pin; orbs are pinned in `orbs:`.
    let (name, reference) = text.split_once('@')?;
    if pinned.allow_unpinned.iter().any(|p| p.is_match(name)) {
        return None;
    }
    let sha = reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
    (!sha).then(|| {
        format!("{reference} can move; pin the full commit SHA, with {reference} as a comment")
    })
}

#[cfg(test)]
mod tests {
    use super::is_digest_pinned;

    #[test]
    fn a_digest_is_sha256_and_64_hex_digits() {
        let digest = "a".repeat(64);
        assert!(is_digest_pinned(&format!("alpine@sha256:{digest}")));
        assert!(is_digest_pinned(&format!("ghcr.io/o/i:3@sha256:{digest}")));
        assert!(!is_digest_pinned("alpine@sha256:0123"));
        assert!(!is_digest_pinned(&format!(
            "alpine@sha256:{}",
            "g".repeat(64)
        )));
        assert!(!is_digest_pinned(&format!("@sha256:{digest}")));
        assert!(!is_digest_pinned("alpine:3"));
    }
}

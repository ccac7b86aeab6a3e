//! `image`: every container a job runs comes from an allowed place. A rule with
//! `image = ["cimg/*", "ghcr.io/acme/*"]` judges CircleCI `docker:` images (the executor's
//! included), GitHub Actions `container:`, `services:` and `uses: docker://…` steps. With
//! `digest = true` each must also name its `@sha256:` digest, since a tag can be moved.
//!
//! `machine:`, `macos:` and `runs-on` choose a runner, not an image, and are not judged; nor
//! are a registry orb's executors, whose images are outside the repository.

use std::ops::Range;

use toml_edit::{Table, TableLike};

use super::pinned::is_digest_pinned;
use crate::ci::{Job, StepKind};
use crate::policy::edit::{set, strings};
use crate::policy::parse::{Walker, span_of};
use crate::policy::schema::{Field, Kind, f};
use crate::policy::{Pattern, Rule, texts};
use crate::report::finding::{Finding, FindingKind};

/// The policy keys this kind owns.
pub(crate) const KEYS: &[Field] = &[
    f(
        "image",
        Kind::Strings,
        false,
        "Instead of a step selector: globs every container image a job runs must match, e.g. `cimg/*`, `ghcr.io/acme/*`. Judges CircleCI `docker:` images (executors' included) and GitHub Actions `container:`, `services:` and `uses: docker://` steps; the tag or digest is part of the reference, and a Docker Hub name also matches as `docker.io/library/NAME`.",
    ),
    f(
        "digest",
        Kind::Bool(false),
        false,
        "With `image`: each image must also be pinned to a digest (`@sha256:` and 64 hex digits).",
    ),
];

/// Keys a step rule has that an image rule does not.
const STEP_KEYS: &[&str] = &[
    "run",
    "uses",
    "match",
    "version",
    "require",
    "forbid",
    "pinned",
    "allow-unpinned",
];

/// [`crate::policy::Check::Image`]: where a job's containers may come from.
#[derive(Debug, Clone)]
pub struct Images {
    /// Globs on the whole reference.
    pub allowed: Vec<Pattern>,
    /// Each must also name its digest.
    pub digest: bool,
}

/// The rule's `image` and `digest`, when it has `image`; errors for keys that cannot go with
/// them are the walker's.
pub(crate) fn parse(w: &mut Walker<'_>, t: &dyn TableLike, span: &Range<usize>) -> Option<Images> {
    let digest = t.get("digest").and_then(|v| w.boolean(v));
    let Some(item) = t.get("image") else {
        if let Some(d) = t.get("digest") {
            w.error(span_of(d), "`digest` applies to `image` rules only");
        }
        return None;
    };
    for key in STEP_KEYS {
        if let Some(v) = t.get(key) {
            w.error(
                span_of(v),
                format!(
                    "`{key}` does not apply to an `image` rule, which judges the containers jobs \
                     run, not their steps"
                ),
            );
        }
    }
    let before = w.error_count();
    let allowed = w.patterns(item);
    if allowed.is_empty() && w.error_count() == before {
        let at = if span_of(item).is_empty() {
            span.clone()
        } else {
            span_of(item)
        };
        w.error(at, "`image` needs at least one glob, e.g. `[\"cimg/*\"]`");
    }
    Some(Images {
        allowed,
        digest: digest.unwrap_or(false),
    })
}

impl Images {
    /// The allowed globs, as written: `cimg/*, ghcr.io/acme/*`.
    fn globs(&self) -> String {
        texts(&self.allowed).join(", ")
    }

    /// The rule's subject, where step rules show their step: `image: cimg/*, ghcr.io/acme/*`.
    pub(crate) fn text(&self) -> String {
        let digest = if self.digest { ", by digest" } else { "" };
        format!("image: {}{digest}", self.globs())
    }

    pub(crate) fn show(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("image", self.globs())];
        if self.digest {
            lines.push(("digest", "yes: each image names its @sha256: digest".into()));
        }
        lines
    }

    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        v["image"] = texts(&self.allowed).into();
        if self.digest {
            v["digest"] = true.into();
        }
    }

    pub(crate) fn help(&self) -> String {
        let digest = if self.digest {
            ", each pinned to its @sha256: digest"
        } else {
            ""
        };
        format!(
            "Every container a CI job this rule covers runs must come from `{}`{digest}. Change the image, or exempt the repository in the policy.",
            texts(&self.allowed).join("`, `")
        )
    }

    /// Why `reference` does not do, or `None` when it is allowed.
    fn refusal(&self, reference: &str) -> Option<String> {
        if !self.allowed.iter().any(|p| matches(p, reference)) {
            let allowed = self.globs();
            let chosen = reference.contains("${{") || reference.contains("<<");
            return Some(if chosen {
                format!(
                    "it is chosen when the pipeline runs, so orgcheck cannot tell it matches {allowed}"
                )
            } else {
                format!("allowed are {allowed}")
            });
        }
        (self.digest && !is_digest_pinned(reference))
            .then(|| "a tag can be moved; pin its digest (@sha256:...)".to_string())
    }
}

/// Whether a glob matches a reference as written, or as Docker reads a Docker Hub name:
/// `node:20` is `docker.io/library/node:20`, `cimg/node:20` is `docker.io/cimg/node:20`.
fn matches(glob: &Pattern, reference: &str) -> bool {
    if glob.is_match(reference) {
        return true;
    }
    let first = reference.split('/').next().unwrap_or_default();
    let has_host = reference.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        return false;
    }
    let full = if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    };
    glob.is_match(&full)
}

/// The findings for job `index`: one per container it runs that the rule does not allow, at
/// the line that names it.
pub(crate) fn job(rule: &Rule, images: &Images, index: usize, job: &Job) -> Vec<Finding> {
    let named = job
        .images
        .iter()
        .map(|i| (i.reference.as_str(), &job.path, i.line));
    let steps = job.steps.iter().filter_map(|s| match &s.kind {
        StepKind::Uses(u) => u
            .strip_prefix("docker://")
            .map(|r| (r, s.file.as_ref().unwrap_or(&job.path), s.line)),
        StepKind::Run(_) => None,
    });
    named
        .chain(steps)
        .filter_map(|(reference, file, line)| {
            let why = images.refusal(reference)?;
            Some(Finding {
                file: Some(file.clone()),
                line: Some(line),
                detail: Some(reference.to_string()),
                why: Some(why),
                ..Finding::at_job(&rule.id, FindingKind::Image, index, job)
            })
        })
        .collect()
}

/// The finding after its subject: "runs image `node:20`, which `trusted-images` does not
/// allow: …".
pub(crate) fn summary(f: &Finding, found: &str) -> String {
    format!(
        "runs image `{found}`, which `{}` does not allow: {}",
        f.rule,
        f.why.as_deref().unwrap_or_default()
    )
}

/// The finding as a sentence, for code scanning.
pub(crate) fn sentence(f: &Finding, found: &str, subject: &str, description: &str) -> String {
    format!(
        "Job `{subject}` runs the image `{found}`, which the rule `{}` does not allow ({}): {description}.",
        f.rule,
        f.why.as_deref().unwrap_or_default()
    )
}

/// What `policy diff` compares: the same keys whether the rule has them or not.
pub(crate) fn diff_fields(images: Option<&Images>) -> Vec<(&'static str, String)> {
    match images {
        Some(i) => vec![
            ("image", i.show()[0].1.clone()),
            ("digest", i.digest.to_string()),
        ],
        None => vec![("image", "(no)".into()), ("digest", "false".into())],
    }
}

/// Editor flags: `--image GLOB…` and `--digest[=BOOL]`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// Instead of a step: globs every container image a covered job runs must match
    /// (repeat, or give several), e.g. `--image 'cimg/*' 'ghcr.io/acme/*'`. Replaces
    /// `--run`/`--uses`.
    #[arg(long, num_args = 1.., value_name = "GLOB", conflicts_with_all = ["run", "uses"])]
    pub image: Option<Vec<String>>,
    /// With `--image`: each image must also name its @sha256: digest (`--digest=false`
    /// removes it).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub digest: Option<bool>,
}

impl Flags {
    /// Whether any flag is given.
    pub fn is_set(&self) -> bool {
        self.image.is_some() || self.digest.is_some()
    }

    /// Write them to a rule table: `image` replaces a step selector.
    pub(crate) fn apply(&self, t: &mut Table) {
        if let Some(globs) = &self.image {
            for key in ["run", "uses", "match"] {
                t.remove(key);
            }
            set(t, "image", strings(globs));
        }
        match self.digest {
            Some(true) => set(t, "digest", true.into()),
            Some(false) => {
                t.remove("digest");
            }
            None => {}
        }
    }
}

/// A step selector replaces an image subject.
pub(crate) fn remove(t: &mut Table) {
    t.remove("image");
    t.remove("digest");
}

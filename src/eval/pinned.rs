//! Pinning (`pinned = "sha"`): every `uses` step a rule matches runs a full commit SHA, unless
//! its name is allowed to use tags. Each unpinned step is its own finding, at its line. Local
//! actions (`./path`) run the repository's own code and need no pin.

use crate::ci::{Job, StepKind};
use crate::policy::{Pinned, Rule};
use crate::report::finding::{Finding, FindingKind};

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
                ..super::at_step(rule, FindingKind::Unpinned, index, job, step, text.clone())
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

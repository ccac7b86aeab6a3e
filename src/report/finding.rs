//! One finding: what the policy says about one job, or about a repository as a whole, with its
//! rule, kind, severity and place. Every output renders findings the same way whatever their
//! kind; each kind words its findings in its own module (`src/kind/`).

use serde::Serialize;

use crate::ci::{Job, Step};

crate::choice::choice! {
    /// What a finding says.
    pub enum FindingKind {
        /// A job does not run a step its rule requires of every job.
        Missing = "missing",
        /// No job of the repository runs a step its rule requires of some job (`any-job`).
        MissingEverywhere = "missing-everywhere",
        /// A job runs a step its rule forbids.
        Forbidden = "forbidden",
        /// A job runs the step a rule requires, but not at a version the rule accepts.
        Version = "version",
        /// A job runs a step by a reference that can move (a tag or branch), where the rule
        /// wants a full commit SHA.
        Unpinned = "unpinned",
        /// A job runs a container image the rule does not allow (`src/kind/image.rs`).
        Image = "image",
    }
}

pub use crate::policy::Severity;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: String,
    /// What it says.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Severity,
    /// The job, as an index into its repository's `jobs`; `None` for the repository as a whole.
    pub job: Option<usize>,
    /// Where: the file and line to look at, when there is one.
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<usize>,
    /// What was found, for kinds that find a step (its text).
    pub detail: Option<String>,
    /// Why what was found does not do, for kinds that judge it (a version refused).
    pub why: Option<String>,
}

impl Finding {
    /// A finding of `kind` about rule `rule`, with no place yet. Its severity is an error until
    /// the evaluation sets the rule's severity on the day.
    pub fn new(rule: &str, kind: FindingKind) -> Self {
        Finding {
            rule: rule.to_string(),
            kind,
            severity: Severity::Error,
            job: None,
            file: None,
            line: None,
            detail: None,
            why: None,
        }
    }

    /// A finding about job `index`, at the job's line.
    pub fn at_job(rule: &str, kind: FindingKind, index: usize, job: &Job) -> Self {
        Finding {
            job: Some(index),
            file: Some(job.path.clone()),
            line: Some(job.line),
            ..Finding::new(rule, kind)
        }
    }

    /// A finding about job `index`, at `step`'s line (in a composite action's file when the
    /// step came from one), with what was found there.
    pub fn at_step(
        rule: &str,
        kind: FindingKind,
        index: usize,
        job: &Job,
        step: &Step,
        detail: String,
    ) -> Self {
        Finding {
            file: Some(step.file.clone().unwrap_or_else(|| job.path.clone())),
            line: Some(step.line),
            detail: Some(detail),
            ..Finding::at_job(rule, kind, index, job)
        }
    }

    /// The finding after its subject (a job's or a repository's name), for one-line outputs:
    /// "misses `checkout`", "no job runs `secret-scan`". Each kind words its own
    /// (`src/kind/`).
    pub fn summary(&self) -> String {
        crate::kind::summary(self)
    }

    /// A whole sentence, for code scanning: `subject` is the job's or the repository's name,
    /// `description` the rule's.
    pub fn sentence(&self, subject: &str, description: &str) -> String {
        crate::kind::sentence(self, subject, description)
    }

    /// The found step's text on one line, shortened for messages.
    pub(crate) fn found(&self) -> String {
        let text = self.detail.as_deref().unwrap_or_default();
        let first = text.lines().next().unwrap_or_default();
        let mut short: String = first.chars().take(80).collect();
        if short.len() < first.len() || text.lines().nth(1).is_some() {
            short.push('…');
        }
        short
    }
}

//! The policy: which repositories are in scope, which steps every job must run, and who is
//! exempt until when. Read from TOML ([`load`]), validated with file:line:column for every error.

mod date;
pub mod diff;
pub mod edit;
mod names;
pub(crate) mod parse;
pub mod schema;
pub mod version;

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;

use crate::ci::budget::Limits;
use crate::ci::{CiSystem, Job, Pipeline, Step, StepKind};

pub use crate::kind::forbidden::Forbidden;
pub use crate::kind::pinned::{Pinned, Pinning};
pub use crate::kind::required::{Require, Required};
pub use date::Date;
pub use parse::{Diagnostic, PolicyError, load, parse};

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Which repositories are scanned.
    pub scope: Scope,
    /// How to treat jobs whose steps cannot be seen.
    pub unverifiable_jobs: Unverifiable,
    /// Whether jobs that never run are judged.
    pub unused_jobs: UnusedJobs,
    /// What one repository's CI may expand to (`[settings] max-repository-nodes`, `-mib`).
    pub limits: Limits,
    /// Owners besides the scanned organization whose shared workflows and actions are followed
    /// (`[settings] resolve-owners`), as written.
    pub resolve_owners: Vec<String>,
    /// Where each repository's owners come from (`[settings] owners`).
    pub owners: OwnersFrom,
    /// Rules (required and forbidden steps), in file order.
    pub rules: Vec<Rule>,
    /// Exemptions, in file order.
    pub exemptions: Vec<Exemption>,
}

/// Where a repository's owners come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OwnersFrom {
    /// The owners CODEOWNERS gives the repository's CI files (the default).
    #[default]
    Codeowners,
    /// A custom repository property of the organization (`property:NAME`).
    Property(String),
}

impl OwnersFrom {
    /// As the policy writes it.
    pub fn text(&self) -> String {
        match self {
            OwnersFrom::Codeowners => "codeowners".into(),
            OwnersFrom::Property(name) => format!("property:{name}"),
        }
    }
}

/// Which repositories are scanned.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Repository-name globs to scan; empty means all.
    pub include: Vec<Pattern>,
    /// Repository-name globs to leave out, applied after `include`.
    pub exclude: Vec<Pattern>,
    /// Leave archived repositories out.
    pub skip_archived: bool,
    /// Leave forks out.
    pub skip_forks: bool,
    /// A repository must carry all of these topics.
    pub require_topics: Vec<String>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            include: Vec::new(),
            exclude: Vec::new(),
            skip_archived: true,
            skip_forks: true,
            require_topics: Vec::new(),
        }
    }
}

/// Facts about a repository that scope rules look at.
#[derive(Debug, Clone, Default)]
pub struct RepoFacts<'a> {
    /// The repository name (without owner).
    pub name: &'a str,
    /// Archived on GitHub.
    pub archived: bool,
    /// A fork.
    pub fork: bool,
    /// Topics.
    pub topics: &'a [String],
}

impl Scope {
    /// Why a repository is out of scope, or `None` when it is scanned.
    pub fn skip_reason(&self, repo: &RepoFacts<'_>) -> Option<String> {
        if !self.include.is_empty() && !self.include.iter().any(|p| p.is_match(repo.name)) {
            return Some("not matched by scope.include".into());
        }
        if let Some(p) = self.exclude.iter().find(|p| p.is_match(repo.name)) {
            return Some(format!("excluded by scope.exclude `{}`", p.text));
        }
        if self.skip_archived && repo.archived {
            return Some("archived".into());
        }
        if self.skip_forks && repo.fork {
            return Some("fork".into());
        }
        if let Some(t) = self
            .require_topics
            .iter()
            .find(|t| !repo.topics.contains(t))
        {
            return Some(format!("lacks topic `{t}`"));
        }
        None
    }
}

/// A glob with the text it came from.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// As written in the policy.
    pub text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    /// Compile a glob (`*`, `?`, `[ab]`, `{a,b}`); `/` is an ordinary character.
    pub fn new(text: &str) -> Result<Self, String> {
        let glob = GlobBuilder::new(text)
            .literal_separator(false)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Pattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }
}

/// The globs as written, for messages and listings.
pub fn texts(patterns: &[Pattern]) -> Vec<&str> {
    patterns.iter().map(|p| p.text.as_str()).collect()
}

crate::choice::choice! {
    /// What to do with jobs orgcheck cannot see into (orb jobs, remote reusable workflows).
    #[derive(Default)]
    pub enum Unverifiable {
        /// List them, but they do not change a repository's status.
        #[default]
        Ignore = "ignore",
        /// They count as missing every rule that applies to them.
        Fail = "fail",
    }
}

crate::choice::choice! {
    /// What to do with jobs that are defined but never run (no workflow lists them, `if: false`).
    #[derive(Default)]
    pub enum UnusedJobs {
        /// List them as not run; they do not change a repository's status.
        #[default]
        Ignore = "ignore",
        /// Judge them like jobs that run (orgcheck's behaviour before it knew what runs).
        Judge = "judge",
    }
}

/// The events a GitHub workflow can be triggered by, for validating `events`.
pub const GITHUB_EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
];

/// One required step.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable kebab-case identifier.
    pub id: String,
    /// What the step is for, shown in reports.
    pub description: String,
    /// How a step is recognised; `None` for a rule that judges something else (`image`).
    pub selector: Option<Selector>,
    /// CI systems the rule applies to.
    pub ci: Vec<CiSystem>,
    /// Job-name globs the rule applies to, matched against the instance name and the job
    /// definition's name; empty means every job.
    pub jobs: Vec<Pattern>,
    /// GitHub events the rule applies to: a GitHub Actions job is covered when its workflow is
    /// triggered by one of them. Empty means every workflow. CircleCI jobs are not filtered.
    pub events: Vec<String>,
    /// What the rule asks of the steps it selects: its kinds, each checked by its own module
    /// of `src/kind/`. One for most rules; a pinned rule with a `version` is also a requirement.
    pub checks: Vec<Check>,
    /// How much its findings matter once it is enforced.
    pub severity: Severity,
    /// Until this day the rule's findings are warnings; from it, `severity` applies.
    pub enforce_from: Option<Date>,
    /// How to fix a finding, in the policy's words (reports derive one from the selector when
    /// there is none).
    pub fix: Option<String>,
    /// Line of its `[[rule]]` header in the policy file (0 for the rule `[settings]` implies).
    pub line: usize,
}

/// One kind of rule: what it asks of the steps its selector matches.
#[derive(Debug, Clone)]
pub enum Check {
    /// Jobs must run a matching step (`src/kind/required.rs`).
    Require(Required),
    /// No job may run a matching step (`forbid = true`, `src/kind/forbidden.rs`).
    Forbid(Forbidden),
    /// Matching `uses` steps must be pinned (`pinned = "sha"`, `src/kind/pinned.rs`).
    Pin(Pinned),
    /// Every container a job runs comes from an allowed place (`image = [...]`,
    /// `src/kind/image.rs`).
    Image(crate::kind::image::Images),
}

/// The id of the rule `[settings] pinned` stands for, so reports and exemptions can name it.
pub const PINNED_RULE: &str = "pinned-actions";

crate::choice::choice! {
    /// How much a rule's findings matter.
    pub enum Severity {
        /// Makes the repository non-compliant and the run fail (the default).
        Error = "error",
        /// Reported, and counted, but never failing.
        Warning = "warning",
    }
}

crate::choice::choice! {
    /// How a `run` selector compares commands (the policy's `match`).
    pub enum MatchMode {
        /// Equal after trimming surrounding whitespace (the default).
        Exact = "exact",
        /// Contains the text.
        Contains = "contains",
        /// Matches the regular expression anywhere.
        Regex = "regex",
    }
}

/// How a rule recognises its step.
#[derive(Debug, Clone)]
pub enum Selector {
    /// A `run` command.
    Run(RunMatch),
    /// A named step (`checkout`, `node/install`, `actions/checkout`), optionally with a
    /// version glob after `@`.
    Uses {
        /// The name before `@`: a glob (`actions/*`, `*`), or a plain name matched exactly.
        name: Pattern,
        /// The glob after `@`, if any.
        version: Option<Pattern>,
    },
}

/// How a `run` selector compares commands.
#[derive(Debug, Clone)]
pub enum RunMatch {
    /// Equal after trimming surrounding whitespace.
    Exact(String),
    /// Contains the text.
    Contains(String),
    /// Matches the regular expression anywhere.
    Regex(Regex),
}

impl RunMatch {
    /// How it compares.
    pub fn mode(&self) -> MatchMode {
        match self {
            RunMatch::Exact(_) => MatchMode::Exact,
            RunMatch::Contains(_) => MatchMode::Contains,
            RunMatch::Regex(_) => MatchMode::Regex,
        }
    }

    /// The command text or pattern, as written.
    pub fn text(&self) -> &str {
        match self {
            RunMatch::Exact(s) | RunMatch::Contains(s) => s,
            RunMatch::Regex(re) => re.as_str(),
        }
    }
}

impl Rule {
    /// What the rule requires, when it requires its step: not for a forbidden step, nor for a
    /// rule that only says how steps are pinned (a `pinned` rule without a `version`).
    pub fn required(&self) -> Option<&Required> {
        self.checks.iter().find_map(|c| match c {
            Check::Require(r) => Some(r),
            _ => None,
        })
    }

    /// What the rule forbids, when it is a forbidden rule.
    pub fn forbidden(&self) -> Option<&Forbidden> {
        self.checks.iter().find_map(|c| match c {
            Check::Forbid(f) => Some(f),
            _ => None,
        })
    }

    /// How the rule pins the steps it matches, when it does.
    pub fn pinned(&self) -> Option<&Pinned> {
        self.checks.iter().find_map(|c| match c {
            Check::Pin(p) => Some(p),
            _ => None,
        })
    }

    /// Where a job's containers may come from, when it is an `image` rule.
    pub fn images(&self) -> Option<&crate::kind::image::Images> {
        self.checks.iter().find_map(|c| match c {
            Check::Image(i) => Some(i),
            _ => None,
        })
    }

    /// Where the step must be: the requirement's, else the default (for reports).
    pub fn require(&self) -> Require {
        self.required().map_or(Require::EveryJob, |r| r.require)
    }

    /// The versions a matching step may run (or, for a forbidden step, is forbidden at).
    pub fn version(&self) -> Option<&version::Constraint> {
        self.required()
            .and_then(|r| r.version.as_ref())
            .or_else(|| self.forbidden().and_then(|f| f.version.as_ref()))
    }

    /// The severity of the rule's findings on `today`: a warning before `enforce-from`.
    pub fn severity_on(&self, today: Date) -> Severity {
        match self.enforce_from {
            Some(from) if today < from => Severity::Warning,
            _ => self.severity,
        }
    }

    /// Whether the rule covers this job of this pipeline.
    pub fn applies_to(&self, pipeline: &Pipeline, job: &Job) -> bool {
        self.ci.contains(&pipeline.ci)
            && (self.jobs.is_empty()
                || self
                    .jobs
                    .iter()
                    .any(|p| p.is_match(&job.name) || p.is_match(&job.definition)))
            && (self.events.is_empty()
                || pipeline
                    .events()
                    .is_none_or(|events| events.iter().any(|e| self.events.contains(e))))
    }

    /// Whether `step` is the step this rule is about: its name (and version glob) match, and
    /// its version satisfies the rule's `version` constraint when there is one.
    pub fn matches(&self, step: &Step) -> bool {
        self.names(step)
            && self
                .version()
                .is_none_or(|c| version::seen(step).refusal(c).is_none())
    }

    /// Whether `step` is the step this rule names, whatever its version constraint says. A
    /// SHA-pinned `uses` also matches a version glob through the version its comment names
    /// (`@<sha> # v4.1.1` is `v4.1.1`).
    pub fn names(&self, step: &Step) -> bool {
        match (&self.selector, &step.kind) {
            (Some(Selector::Run(m)), StepKind::Run(command)) => match m {
                RunMatch::Exact(want) => command.trim() == want.trim(),
                RunMatch::Contains(want) => command.contains(want.as_str()),
                RunMatch::Regex(re) => re.is_match(command),
            },
            (Some(Selector::Uses { name, version }), StepKind::Uses(used)) => {
                let (used_name, used_version) = match used.split_once('@') {
                    Some((n, v)) => (n, Some(v)),
                    None => (used.as_str(), None),
                };
                let commented = step.version.as_deref();
                name.is_match(used_name)
                    && match version {
                        None => true,
                        Some(glob) => used_version
                            .into_iter()
                            .chain(commented)
                            .any(|v| glob.is_match(v)),
                    }
            }
            _ => false,
        }
    }

    /// The selector as written, for reports: `run: make test` or `uses: actions/checkout@v4*`;
    /// for a rule about something else than steps, its kind's subject (`image: cimg/*`).
    pub fn selector_text(&self) -> String {
        let Some(selector) = &self.selector else {
            return crate::kind::subject_text(self).unwrap_or_default();
        };
        match selector {
            Selector::Run(RunMatch::Exact(s)) => format!("run: {s}"),
            Selector::Run(RunMatch::Contains(s)) => format!("run contains: {s}"),
            Selector::Run(RunMatch::Regex(re)) => format!("run matches: {}", re.as_str()),
            Selector::Uses {
                name,
                version: None,
            } => match self.version() {
                Some(c) => format!("uses: {} {}", name.text, c.text),
                None => format!("uses: {}", name.text),
            },
            Selector::Uses {
                name,
                version: Some(v),
            } => format!("uses: {}@{}", name.text, v.text),
        }
    }
}

/// A repository (glob) excused from some or all rules.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// Repository-name globs.
    pub repositories: Vec<Pattern>,
    /// Rule ids; empty means every rule.
    pub rules: Vec<String>,
    /// Why, for the report.
    pub reason: String,
    /// Last day the exemption applies.
    pub expires: Option<Date>,
    /// Line in the policy file, to point people at it.
    pub line: usize,
}

impl Exemption {
    /// Whether it names this repository.
    pub fn covers_repo(&self, repo: &str) -> bool {
        self.repositories.iter().any(|p| p.is_match(repo))
    }

    /// Whether it names this rule.
    pub fn covers_rule(&self, rule: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == rule)
    }

    /// Whether it has expired by `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

#[cfg(test)]
mod tests;

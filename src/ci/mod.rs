//! CI configs to one common model: pipeline → jobs → steps, each with its file and line.
//!
//! Each CI system has its own parser ([`circleci`], [`github`]) that turns the YAML tree into
//! this model as early as possible; everything downstream sees only [`Pipeline`].

pub mod budget;
mod calls;
pub mod circleci;
mod follow;
pub mod github;
pub mod remote;
mod repo;
mod system;
pub mod yaml;

use serde::Serialize;

pub use follow::{Follow, MAX_ROUNDS, Next};
pub use github::action::{action_files, local_dir};
pub use repo::{RepositoryCi, load_repository, load_repository_within};
pub use system::{Role, SYSTEMS, System, detect, role_in, system};

crate::choice::choice! {
    /// Which CI system a file belongs to. Identifiers are stable: they appear in policies and
    /// reports.
    pub enum CiSystem {
        /// `.circleci/config.yml`
        Circleci = "circleci",
        /// `.github/workflows/*.yml`
        GithubActions = "github-actions",
    }
}

/// One CI config file, understood.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Path of the file, relative to the repository root when it comes from a repository.
    pub path: String,
    /// The CI system.
    pub ci: CiSystem,
    /// Job instances that run, in file order: for CircleCI one per workflow invocation (and
    /// matrix combination), for GitHub Actions one per job that can run.
    pub jobs: Vec<Job>,
    /// Jobs that are defined but never run, with why.
    pub not_run: Vec<NotRun>,
    /// What only its CI system says about it.
    pub facts: Facts,
}

/// What only one CI system says about a pipeline.
#[derive(Debug, Clone)]
pub enum Facts {
    /// A CircleCI config.
    Circleci {
        /// A setup config (`setup: true`): the configuration it continues with.
        continuation: Option<Continuation>,
    },
    /// A GitHub Actions workflow.
    GithubActions {
        /// The events that trigger it (`push`, `pull_request`, …).
        events: Vec<String>,
        /// Its only trigger is `workflow_call`: it runs only through callers.
        reusable_only: bool,
        /// The defaults of its `workflow_call` inputs, for callers that leave them out.
        inputs: Vec<(String, String)>,
    },
}

impl Pipeline {
    /// An empty pipeline of `ci` at `path`; parsers fill it in.
    pub fn new(path: &str, ci: CiSystem) -> Self {
        let facts = match ci {
            CiSystem::Circleci => Facts::Circleci { continuation: None },
            CiSystem::GithubActions => Facts::GithubActions {
                events: Vec::new(),
                reusable_only: false,
                inputs: Vec::new(),
            },
        };
        Pipeline {
            path: path.to_string(),
            ci,
            jobs: Vec::new(),
            not_run: Vec::new(),
            facts,
        }
    }

    /// The events that trigger a GitHub workflow; `None` for a system without events.
    pub fn events(&self) -> Option<&[String]> {
        match &self.facts {
            Facts::GithubActions { events, .. } => Some(events),
            Facts::Circleci { .. } => None,
        }
    }

    /// A GitHub workflow that runs only through its callers.
    pub fn reusable_only(&self) -> bool {
        matches!(
            self.facts,
            Facts::GithubActions {
                reusable_only: true,
                ..
            }
        )
    }

    /// The defaults of a reusable workflow's inputs.
    pub fn input_defaults(&self) -> &[(String, String)] {
        match &self.facts {
            Facts::GithubActions { inputs, .. } => inputs,
            Facts::Circleci { .. } => &[],
        }
    }

    /// Where a CircleCI setup config continues.
    pub fn continuation(&self) -> Option<&Continuation> {
        match &self.facts {
            Facts::Circleci { continuation } => continuation.as_ref(),
            Facts::GithubActions { .. } => None,
        }
    }
}

/// Where a CircleCI setup config hands over to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continuation {
    /// Continuation config files in the repository, as the continuation or path-filtering
    /// orb is told (or its default), with the line that says so.
    Files(Vec<(String, usize)>),
    /// The file is chosen or generated when the pipeline runs.
    Unresolved {
        /// Line of the setup config that decides.
        line: usize,
        /// Why orgcheck cannot tell statically.
        reason: String,
    },
}

/// A job that is defined but does not run. Kept whole (steps expanded with its defaults), so
/// `settings.unused-jobs = "judge"` can still judge it.
#[derive(Debug, Clone)]
pub struct NotRun {
    /// The job definition.
    pub job: Job,
    /// Why it does not run.
    pub reason: NotRunReason,
}

/// Why a defined job never runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRunReason {
    /// No workflow lists it.
    NotInWorkflow,
    /// Only workflows that can never run list it.
    WorkflowNeverRuns {
        /// The workflow.
        workflow: String,
        /// The condition that is constant false.
        condition: String,
    },
    /// A config without `workflows` runs only `build`.
    NotBuild,
    /// A GitHub Actions job with a literal `if: false`.
    IfFalse,
}

impl NotRunReason {
    /// The stable identifier, for JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            NotRunReason::NotInWorkflow => "not-in-workflow",
            NotRunReason::WorkflowNeverRuns { .. } => "workflow-never-runs",
            NotRunReason::NotBuild => "not-build",
            NotRunReason::IfFalse => "if-false",
        }
    }
}

impl std::fmt::Display for NotRunReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRunReason::NotInWorkflow => f.write_str("no workflow runs it"),
            NotRunReason::WorkflowNeverRuns {
                workflow,
                condition,
            } => write!(f, "its workflow {workflow} never runs: {condition}"),
            NotRunReason::NotBuild => {
                f.write_str("the config has no workflows, so only build runs")
            }
            NotRunReason::IfFalse => f.write_str("if: false"),
        }
    }
}

/// One job: a named list of steps that run together.
#[derive(Debug, Clone)]
pub struct Job {
    /// The instance's name as the CI service shows it: the workflow's `name:` override or the
    /// matrix-expanded name for CircleCI; the job id, or `caller/callee` for a local reusable
    /// workflow, for GitHub Actions.
    pub name: String,
    /// The job definition it is an instance of (its key under `jobs:`).
    pub definition: String,
    /// The workflow that runs it: the CircleCI workflow, or the GitHub workflow's `name:` (else
    /// its file).
    pub workflow: Option<String>,
    /// The file the job's steps are in.
    pub path: String,
    /// Line of the job's key.
    pub line: usize,
    /// Steps in execution order, expansions flattened in place.
    pub steps: Vec<Step>,
    /// The container images it runs in or beside, as the config names them (CircleCI
    /// `docker:`, its executor's included; GitHub `container:` and `services:`). A step that
    /// runs an image (`uses: docker://…`) is a step, not one of these.
    pub images: Vec<Image>,
    /// Where the steps really are when they are not in this repository.
    pub kind: JobKind,
    /// For a job of a workflow in another repository (`path` is `OWNER/REPO/FILE@REF`): where
    /// the scanned repository calls it, the outermost call in its own files.
    pub called_at: Option<Place>,
}

/// A line of a file in the scanned repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The file, from the repository's root.
    pub path: String,
    /// The line.
    pub line: usize,
}

/// A container image a job names, where the config names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The reference as written, after parameter substitution: `cimg/node:20.1`,
    /// `ghcr.io/acme/build@sha256:…`.
    pub reference: String,
    /// Line of the reference in the job's file.
    pub line: usize,
}

/// Whether orgcheck can see a job's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    /// Steps are in the file.
    Steps,
    /// Calls a reusable workflow: in the same repository (`./.github/workflows/x.yml`) or in
    /// another (`OWNER/REPO/.github/workflows/x.yml@REF`). Resolved at repository level; a call
    /// that is not followed becomes [`JobKind::NotVerifiable`].
    Calls(Call),
    /// An orb job or a workflow in another repository: its steps are not in the repository.
    NotVerifiable(String),
}

/// A job's call of a reusable workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// What `uses:` names, as written.
    pub target: String,
    /// Its `with:` inputs that are plain text, by name: `${{ inputs.NAME }}` in the called
    /// workflow's steps reads them.
    pub with: Vec<(String, String)>,
}

impl Job {
    /// Whether orgcheck can see this job's steps.
    pub fn is_verifiable(&self) -> bool {
        self.kind == JobKind::Steps
    }
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What the step does.
    #[serde(flatten)]
    pub kind: StepKind,
    /// Line in the job's file.
    pub line: usize,
    /// For a `uses` pinned to a full commit SHA: the version its trailing comment names
    /// (`# v4.1.1`, `# tag=v4.1.1`), as Dependabot and Renovate write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The file the step is written in, when it is not the job's (a local composite action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line of the GitHub Actions `parallel:` group it runs in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<usize>,
}

impl Step {
    /// A step written in the job's own file.
    pub fn new(kind: StepKind, line: usize) -> Self {
        Step {
            kind,
            line,
            version: None,
            file: None,
            parallel: None,
        }
    }

    /// Bytes of text it holds, for the repository's budget.
    pub fn text_len(&self) -> usize {
        let (StepKind::Run(text) | StepKind::Uses(text)) = &self.kind;
        text.len() + self.version.as_ref().map_or(0, String::len)
    }
}

/// A step's action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A shell command, after parameter substitution.
    Run(String),
    /// A named step: a CircleCI built-in, reusable command or orb command, or a GitHub action.
    Uses(String),
}

/// A config file that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct CiError {
    /// The file.
    pub path: String,
    /// The line, when the input gives one.
    pub line: Option<usize>,
    /// What is wrong and, where we can tell, what to do.
    pub message: String,
}

impl CiError {
    pub(crate) fn new(path: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        CiError {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parse one config file whose CI system is known, alone (with a budget of its own).
pub fn parse(path: &str, ci: CiSystem, text: &str) -> Result<Pipeline, CiError> {
    parse_within(path, ci, text, &budget::Budget::default())
}

/// Parse one config file of a repository, charging what it expands to to the repository's
/// `budget`.
pub fn parse_within(
    path: &str,
    ci: CiSystem,
    text: &str,
    budget: &budget::Budget,
) -> Result<Pipeline, CiError> {
    let root = load_root(path, text, budget, system(ci).keys)?;
    parse_root(path, ci, &root, text, budget)
}

fn parse_root(
    path: &str,
    ci: CiSystem,
    root: &yaml::Node,
    text: &str,
    budget: &budget::Budget,
) -> Result<Pipeline, CiError> {
    (system(ci).parse)(path, root, text, budget)
}

/// Parse one file of unknown CI system, detecting it first. A GitHub action file read alone
/// (`runs:` and no `jobs:`) is shown as one job, `action`, with its composite steps.
pub fn parse_detect(path: &str, text: &str) -> (CiSystem, Result<Pipeline, CiError>) {
    let budget = budget::Budget::default();
    // Read leniently to tell the system, then as that system reads keys.
    let strict = |root: yaml::Node| {
        load_root(path, text, &budget::Budget::default(), yaml::Keys::Strict).map(|_| root)
    };
    match load_root(path, text, &budget, yaml::Keys::Lenient) {
        Ok(root) if root.get("runs").is_some() && root.get("jobs").is_none() => (
            CiSystem::GithubActions,
            strict(root).and_then(|root| action_alone(path, text, &root)),
        ),
        Ok(root) => {
            let ci = detect(path, Some(&root));
            let root = match system(ci).keys {
                yaml::Keys::Strict => strict(root),
                yaml::Keys::Lenient => Ok(root),
            };
            (
                ci,
                root.and_then(|root| parse_root(path, ci, &root, text, &budget)),
            )
        }
        Err(e) => (detect(path, None), Err(e)),
    }
}

/// An action file as a pipeline of one job, `action`: its composite steps, or none for a
/// JavaScript or Docker action (whose code orgcheck does not read).
fn action_alone(path: &str, text: &str, root: &yaml::Node) -> Result<Pipeline, CiError> {
    let steps = github::action::parse(path, text, &budget::Budget::default())?;
    let mut pipeline = Pipeline::new(path, CiSystem::GithubActions);
    let kind = match &steps {
        Some(_) => JobKind::Steps,
        None => JobKind::NotVerifiable(
            "a JavaScript or Docker action: its steps are code, not YAML".into(),
        ),
    };
    pipeline.jobs.push(Job {
        name: "action".into(),
        definition: "action".into(),
        workflow: None,
        path: path.to_string(),
        line: root.mark.line,
        steps: steps.unwrap_or_default(),
        images: Vec::new(),
        kind,
        called_at: None,
    });
    Ok(pipeline)
}

/// Load the YAML and insist on a mapping at the top, the shape every CI config has.
fn load_root(
    path: &str,
    text: &str,
    budget: &budget::Budget,
    keys: yaml::Keys,
) -> Result<yaml::Node, CiError> {
    let root = yaml::load_as(text, budget, keys)
        .map_err(|e| CiError::new(path, e.mark.map(|m| m.line), e.message))?
        .ok_or_else(|| CiError::new(path, None, "the file is empty"))?;
    if root.as_map().is_none() {
        return Err(CiError::new(
            path,
            Some(root.mark.line),
            format!(
                "the top level must be a mapping (keys like `jobs:`), found {}",
                root.kind()
            ),
        ));
    }
    Ok(root)
}

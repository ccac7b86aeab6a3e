//! A repository's CI as a whole: every config file parsed, CircleCI continuations followed,
//! local reusable workflows resolved and local composite actions expanded.

use std::collections::BTreeMap;

use super::budget::{Budget, Limits};
use super::github::action::Actions;
use super::{CiError, CiSystem, Continuation, Job, JobKind, NotRun, Pipeline, StepKind};

/// How deep local reusable workflows may call each other (GitHub allows four levels).
const MAX_CALL_DEPTH: usize = 4;
/// Most jobs a repository's workflows may resolve to: calls multiply (60 jobs that each call
/// a workflow of 60 jobs, four levels deep, are 13 million), so the repository is refused.
const MAX_RESOLVED_JOBS: usize = 50_000;

/// Everything orgcheck understood of one repository's CI.
#[derive(Debug, Clone, Default)]
pub struct RepositoryCi {
    /// Pipelines that run in their own right, by path.
    pub pipelines: Vec<Pipeline>,
    /// Files that could not be understood.
    pub errors: Vec<CiError>,
    /// Folders of local actions that jobs use but whose `action.yml` was not among the files
    /// given: a source that can read more should read them and load again.
    pub wanted: Vec<String>,
}

impl RepositoryCi {
    /// All job instances that run, with their pipeline.
    pub fn jobs(&self) -> impl Iterator<Item = (&Pipeline, &Job)> {
        self.pipelines
            .iter()
            .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
    }

    /// All jobs that are defined but do not run, with their pipeline.
    pub fn not_run(&self) -> impl Iterator<Item = (&Pipeline, &NotRun)> {
        self.pipelines
            .iter()
            .flat_map(|p| p.not_run.iter().map(move |j| (p, j)))
    }
}

/// Parse a repository's CI files, given as (path relative to the root, text). CI configs are
/// parsed; other files (CircleCI continuation configs, local actions) are read when a config
/// refers to them.
pub fn load_repository<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> RepositoryCi {
    load_repository_within(files, Limits::DEFAULT)
}

/// [`load_repository`] within `limits`: everything the repository's files expand to is
/// charged to one budget, and a repository that spends it is refused with that error alone.
pub fn load_repository_within<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    limits: Limits,
) -> RepositoryCi {
    let budget = Budget::new(limits);
    let files: BTreeMap<&str, &str> = files.into_iter().collect();
    let mut parsed: BTreeMap<String, Pipeline> = BTreeMap::new();
    let mut errors = Vec::new();
    let paths: Vec<&str> = files.keys().copied().collect();
    for (&path, &text) in &files {
        // Configs only, as each system's table row says (CircleCI's `config.yaml` is not one
        // beside a `config.yml`); the rest are read when a config names them.
        let Some((ci, super::Role::Config)) = super::role_in(path, &paths) else {
            continue;
        };
        match super::parse_within(path, ci, text, &budget) {
            Ok(p) => {
                parsed.insert(path.to_string(), p);
            }
            Err(e) => errors.push(e),
        }
        if budget.is_spent() {
            return spent(errors);
        }
    }
    continuations(&mut parsed, &files, &mut errors, &budget);
    if budget.is_spent() {
        return spent(errors);
    }
    let mut pipelines = Vec::new();
    for pipeline in parsed.values() {
        if pipeline.reusable_only() {
            continue;
        }
        let mut resolved = pipeline.clone();
        let mut calls = Calls {
            parsed: &parsed,
            errors: &mut errors,
            chain: vec![pipeline.path.clone()],
            jobs: 0,
            budget: &budget,
        };
        match calls.resolve(&pipeline.jobs) {
            Ok(jobs) => resolved.jobs = jobs,
            Err(e) => {
                errors.push(e);
                resolved.jobs = Vec::new();
            }
        }
        pipelines.push(resolved);
    }
    if budget.is_spent() {
        return spent(errors);
    }
    let wanted = expand_actions(&mut pipelines, &files, &mut errors, &budget);
    if budget.is_spent() {
        return spent(errors);
    }
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    errors.dedup();
    RepositoryCi {
        pipelines,
        errors,
        wanted,
    }
}

/// A repository that spent its budget: no pipeline (what was read is cut short, so judging it
/// would mislead), and the errors, the budget's first.
fn spent(mut errors: Vec<CiError>) -> RepositoryCi {
    errors.dedup();
    RepositoryCi {
        pipelines: Vec::new(),
        errors,
        wanted: Vec::new(),
    }
}

/// Add the configs CircleCI setup configs continue with as pipelines of their own. A
/// continuation orgcheck cannot follow becomes a not-verifiable job saying why.
fn continuations(
    parsed: &mut BTreeMap<String, Pipeline>,
    files: &BTreeMap<&str, &str>,
    errors: &mut Vec<CiError>,
    budget: &Budget,
) {
    let setups: Vec<(String, Continuation)> = parsed
        .values()
        .filter_map(|p| Some((p.path.clone(), p.continuation()?.clone())))
        .collect();
    for (setup, continuation) in setups {
        match continuation {
            Continuation::Files(targets) => {
                for (target, line) in targets {
                    // The same normalization as local actions: `./`, `.` and `..` resolved; a
                    // path that climbs out of the repository matches no file.
                    let relative = format!("./{}", target.trim_start_matches("./"));
                    let target = super::github::action::local_dir(&relative).unwrap_or(target);
                    if target == setup || parsed.contains_key(&target) {
                        continue;
                    }
                    match files.get(target.as_str()) {
                        Some(text) => {
                            match super::parse_within(&target, CiSystem::Circleci, text, budget) {
                                Ok(mut p) => {
                                    // CircleCI continues once: a continuation's own setup is moot.
                                    p.facts = super::Facts::Circleci { continuation: None };
                                    parsed.insert(target, p);
                                }
                                Err(e) => errors.push(e),
                            }
                        }
                        None => errors.push(CiError::new(
                            &setup,
                            Some(line),
                            format!(
                                "the setup config continues with `{target}`, which is not in \
                                 the repository"
                            ),
                        )),
                    }
                }
            }
            Continuation::Unresolved { line, reason } => {
                if let Some(p) = parsed.get_mut(&setup) {
                    p.jobs.push(Job {
                        name: "continuation".into(),
                        definition: "continuation".into(),
                        workflow: None,
                        path: setup.clone(),
                        line,
                        steps: Vec::new(),
                        images: Vec::new(),
                        kind: JobKind::NotVerifiable(reason),
                    });
                }
            }
        }
    }
}

/// Expand local composite actions in every GitHub Actions job (and not-run job, so judging
/// them sees the same steps). Returns the action folders that were not among the files.
fn expand_actions(
    pipelines: &mut [Pipeline],
    files: &BTreeMap<&str, &str>,
    errors: &mut Vec<CiError>,
    budget: &Budget,
) -> Vec<String> {
    let mut actions = Actions::new(files, budget);
    let calls_local = |job: &Job| {
        job.steps
            .iter()
            .any(|s| matches!(&s.kind, StepKind::Uses(u) if u.starts_with("./")))
    };
    for pipeline in pipelines
        .iter_mut()
        .filter(|p| p.ci == CiSystem::GithubActions)
    {
        let jobs = pipeline
            .jobs
            .iter_mut()
            .chain(pipeline.not_run.iter_mut().map(|n| &mut n.job));
        for job in jobs.filter(|j| calls_local(j)) {
            if budget.is_spent() {
                break;
            }
            job.steps = actions.expand(&job.path, &job.steps);
        }
    }
    errors.append(&mut actions.errors);
    actions.wanted.into_iter().collect()
}

/// Resolving local reusable workflow calls for one pipeline.
struct Calls<'p, 'e> {
    parsed: &'p BTreeMap<String, Pipeline>,
    errors: &'e mut Vec<CiError>,
    /// Workflow files being resolved, outermost first, to refuse cycles.
    chain: Vec<String>,
    /// Jobs produced so far, against [`MAX_RESOLVED_JOBS`].
    jobs: usize,
    /// The repository's budget: each job copied from a called workflow is charged.
    budget: &'p Budget,
}

impl Calls<'_, '_> {
    /// Replace each job that calls a local reusable workflow with that workflow's jobs, named
    /// `caller/callee`, so the policy is checked against the steps that really run. Errors
    /// only when the expansion as a whole is refused; a bad call is recorded and skipped.
    fn resolve(&mut self, jobs: &[Job]) -> Result<Vec<Job>, CiError> {
        let mut out = Vec::new();
        for job in jobs {
            let JobKind::LocalWorkflow(target) = &job.kind else {
                self.count(job)?;
                out.push(job.clone());
                continue;
            };
            let path = target.trim_start_matches("./");
            let path = path.split('@').next().unwrap_or(path);
            let problem = match self.parsed.get(path) {
                _ if self.chain.len() > MAX_CALL_DEPTH => Some(format!(
                    "reusable workflows nest deeper than {MAX_CALL_DEPTH} levels at `{target}`"
                )),
                _ if self.chain.iter().any(|p| p == path) => Some(format!(
                    "job `{}` calls `{target}`, which is already being called: workflows \
                     cannot call themselves",
                    job.name
                )),
                None if self.errors.iter().any(|e| e.path == path) => None,
                None => Some(format!(
                    "job `{}` calls `{target}`, which is not a workflow in this repository",
                    job.name
                )),
                Some(callee) => {
                    self.chain.push(path.to_string());
                    let inner = self.resolve(&callee.jobs);
                    self.chain.pop();
                    for inner in inner? {
                        out.push(Job {
                            name: format!("{}/{}", job.name, inner.name),
                            ..inner
                        });
                    }
                    None
                }
            };
            if let Some(message) = problem {
                self.errors
                    .push(CiError::new(&job.path, Some(job.line), message));
            }
        }
        Ok(out)
    }

    fn count(&mut self, job: &Job) -> Result<(), CiError> {
        let text: usize = job.steps.iter().map(super::Step::text_len).sum::<usize>()
            + job.images.iter().map(|i| i.reference.len()).sum::<usize>();
        let nodes = 1 + job.steps.len() + job.images.len();
        if self.budget.charge(nodes, text).is_err() {
            return Err(CiError::new(
                &job.path,
                Some(job.line),
                self.budget.refusal(),
            ));
        }
        self.jobs += 1;
        if self.jobs > MAX_RESOLVED_JOBS {
            return Err(CiError::new(
                &job.path,
                Some(job.line),
                format!(
                    "local reusable workflows expand to more than {MAX_RESOLVED_JOBS} jobs \
                     (calls multiply); orgcheck stops here"
                ),
            ));
        }
        Ok(())
    }
}

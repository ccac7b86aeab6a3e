//! A repository's CI as a whole: every config file parsed, CircleCI continuations followed,
//! local reusable workflows resolved and local composite actions expanded.

use std::collections::BTreeMap;

use super::budget::{Budget, Limits};
use super::calls::Calls;
use super::github::action::Actions;
use super::remote::{Reach, Remote, Shared, Unfollowed};
use super::{CiError, CiSystem, Continuation, Job, JobKind, NotRun, Pipeline};

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
    /// Files in other repositories that calls name and the run has not read: a source reads
    /// them into its [`Shared`] and loads again.
    pub wanted_shared: Vec<Remote>,
    /// Calls into other repositories that could not be followed, at their lines.
    pub unfollowed: Vec<Unfollowed>,
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
    load_repository_within(files, Limits::DEFAULT, &Shared::default())
}

/// [`load_repository`] within `limits`, following calls into the repositories `shared`
/// follows with the files it holds: everything the repository's files expand to is charged
/// to one budget, and a repository that spends it is refused with that error alone.
pub fn load_repository_within<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    limits: Limits,
    shared: &Shared,
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
    // One count of the files in other repositories the repository names, for calls and
    // actions together.
    let reach = Reach::default();
    let mut calls = Calls::new(&parsed, shared, &budget, &reach);
    for pipeline in parsed.values() {
        if pipeline.reusable_only() {
            continue;
        }
        let mut resolved = pipeline.clone();
        match calls.top(pipeline) {
            Ok(jobs) => resolved.jobs = jobs,
            Err(e) => {
                calls.errors.push(e);
                resolved.jobs = Vec::new();
            }
        }
        pipelines.push(resolved);
    }
    errors.append(&mut calls.errors);
    let mut wanted_shared: Vec<Remote> = calls.wanted.into_iter().collect();
    let mut unfollowed = calls.unfollowed;
    if budget.is_spent() {
        return spent(errors);
    }
    let mut actions = Actions::new(&files, shared, &budget, &reach);
    expand_actions(&mut pipelines, &mut actions);
    if budget.is_spent() {
        return spent(actions.errors);
    }
    errors.append(&mut actions.errors);
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    errors.dedup();
    wanted_shared.extend(actions.wanted_shared);
    wanted_shared.sort();
    wanted_shared.dedup();
    unfollowed.append(&mut actions.unfollowed);
    unfollowed.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    unfollowed.dedup();
    RepositoryCi {
        pipelines,
        errors,
        wanted: actions.wanted.into_iter().collect(),
        wanted_shared,
        unfollowed,
    }
}

/// A repository that spent its budget: no pipeline (what was read is cut short, so judging it
/// would mislead), and the errors, the budget's first.
fn spent(mut errors: Vec<CiError>) -> RepositoryCi {
    errors.dedup();
    RepositoryCi {
        errors,
        ..RepositoryCi::default()
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
                        called_at: None,
                    });
                }
            }
        }
    }
}

/// Expand composite actions, local and in followed repositories, in every GitHub Actions job
/// (and not-run job, so judging them sees the same steps). A job whose action calls could not
/// all be followed is not verifiable, saying why; its steps stay, so a rule they satisfy still
/// counts as satisfied.
fn expand_actions(pipelines: &mut [Pipeline], actions: &mut Actions<'_>) {
    for pipeline in pipelines
        .iter_mut()
        .filter(|p| p.ci == CiSystem::GithubActions)
    {
        let jobs = pipeline
            .jobs
            .iter_mut()
            .chain(pipeline.not_run.iter_mut().map(|n| &mut n.job));
        for job in jobs {
            if !actions.calls_any(job) {
                continue;
            }
            if actions.budget_spent() {
                return;
            }
            let (steps, unfollowed) = actions.expand(&job.path, &job.steps);
            job.steps = steps;
            if let Some(why) = unfollowed
                && job.kind == JobKind::Steps
            {
                job.kind = JobKind::NotVerifiable(why);
            }
        }
    }
}

//! A repository's CI as a whole: every config file parsed, local reusable workflows resolved.

use std::collections::BTreeMap;

use super::{CiError, CiSystem, Job, JobKind, Pipeline};

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
}

impl RepositoryCi {
    /// All jobs of all pipelines, with their CI system.
    pub fn jobs(&self) -> impl Iterator<Item = (CiSystem, &Job)> {
        self.pipelines
            .iter()
            .flat_map(|p| p.jobs.iter().map(move |j| (p.ci, j)))
    }
}

/// Parse a repository's CI files, given as (path relative to the root, text). Paths that are not
/// CI configs are ignored.
pub fn load_repository<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> RepositoryCi {
    let mut parsed: BTreeMap<String, Pipeline> = BTreeMap::new();
    let mut errors = Vec::new();
    for (path, text) in files {
        let Some(ci) = CiSystem::of_repo_path(path) else {
            continue;
        };
        match super::parse(path, ci, text) {
            Ok(p) => {
                parsed.insert(path.to_string(), p);
            }
            Err(e) => errors.push(e),
        }
    }
    let mut pipelines = Vec::new();
    for pipeline in parsed.values() {
        if pipeline.reusable_only {
            continue;
        }
        let mut resolved = pipeline.clone();
        let mut calls = Calls {
            parsed: &parsed,
            errors: &mut errors,
            chain: vec![pipeline.path.clone()],
            jobs: 0,
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
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    RepositoryCi { pipelines, errors }
}

/// Resolving local reusable workflow calls for one pipeline.
struct Calls<'p, 'e> {
    parsed: &'p BTreeMap<String, Pipeline>,
    errors: &'e mut Vec<CiError>,
    /// Workflow files being resolved, outermost first, to refuse cycles.
    chain: Vec<String>,
    /// Jobs produced so far, against [`MAX_RESOLVED_JOBS`].
    jobs: usize,
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

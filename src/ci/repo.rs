//! A repository's CI as a whole: every config file parsed, local reusable workflows resolved.

use std::collections::BTreeMap;

use super::{CiError, CiSystem, Job, JobKind, Pipeline};

/// How deep local reusable workflows may call each other (GitHub allows four levels).
const MAX_CALL_DEPTH: usize = 4;

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
        resolved.jobs = resolve_calls(&pipeline.jobs, &parsed, &mut errors, 0);
        pipelines.push(resolved);
    }
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    RepositoryCi { pipelines, errors }
}

/// Replace each job that calls a local reusable workflow with that workflow's jobs, named
/// `caller/callee`, so the policy is checked against the steps that really run.
fn resolve_calls(
    jobs: &[Job],
    parsed: &BTreeMap<String, Pipeline>,
    errors: &mut Vec<CiError>,
    depth: usize,
) -> Vec<Job> {
    let mut out = Vec::new();
    for job in jobs {
        let JobKind::LocalWorkflow(target) = &job.kind else {
            out.push(job.clone());
            continue;
        };
        let path = target.trim_start_matches("./");
        let path = path.split('@').next().unwrap_or(path);
        let problem = match parsed.get(path) {
            _ if depth >= MAX_CALL_DEPTH => Some(format!(
                "reusable workflows nest deeper than {MAX_CALL_DEPTH} levels at `{target}`"
            )),
            None if errors.iter().any(|e| e.path == path) => None,
            None => Some(format!(
                "job `{}` calls `{target}`, which is not a workflow in this repository",
                job.name
            )),
            Some(callee) => {
                for inner in resolve_calls(&callee.jobs, parsed, errors, depth + 1) {
                    out.push(Job {
                        name: format!("{}/{}", job.name, inner.name),
                        ..inner
                    });
                }
                None
            }
        };
        if let Some(message) = problem {
            errors.push(CiError::new(&job.path, Some(job.line), message));
        }
    }
    out
}

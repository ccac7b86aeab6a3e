//! Reusable workflow calls resolved into the jobs they run: local ones against the repository's
//! own workflows, remote ones against the run's shared files, within GitHub's limits. A call
//! that cannot be followed leaves a not-verifiable job saying why, at the calling line.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::budget::Budget;
use super::remote::{Fetched, Reach, Remote, Shared, Unfollowed};
use super::{Call, CiError, CiSystem, Job, JobKind, Pipeline, Step, StepKind};

/// How many levels of workflows GitHub connects: the caller and nine levels of reusable
/// workflows ("Nesting reusable workflows", docs.github.com, ten levels on github.com since
/// 2025; four on GHES before 3.20).
pub const MAX_CALL_DEPTH: usize = 10;
/// How many unique reusable workflows one top-level workflow may call, nested trees included
/// (GitHub's documented limit, raised from 20 to 50 with the nesting change).
pub const MAX_UNIQUE_CALLS: usize = 50;
/// Most jobs a repository's workflows may resolve to: calls multiply (60 jobs that each call
/// a workflow of 60 jobs, four levels deep, are 13 million), so the repository is refused.
const MAX_RESOLVED_JOBS: usize = 50_000;

/// `${{ inputs.NAME }}`, the whole expression: what a caller's `with:` fills in.
static INPUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}").expect("valid regex")
});

/// Where a call leads.
enum Target {
    /// A workflow of this repository, by path.
    Local(String),
    /// A workflow in another repository (or one a remote workflow calls as `./…`).
    Remote(Remote),
    /// A repository orgcheck does not follow.
    Outside,
}

/// Resolving the calls of one repository's workflows.
pub(super) struct Calls<'p> {
    /// The repository's own workflows, by path.
    pub parsed: &'p BTreeMap<String, Pipeline>,
    /// Remote files read so far.
    pub shared: &'p Shared,
    /// The remote files this repository names, against its limit.
    reach: &'p Reach,
    /// The repository's budget: each job copied from a called workflow is charged.
    pub budget: &'p Budget,
    /// Remote workflows parsed during this load, each once.
    remote: BTreeMap<Remote, Result<Pipeline, String>>,
    /// Problems in the repository's own files.
    pub errors: Vec<CiError>,
    /// Remote files to read before the calls can be followed.
    pub wanted: BTreeSet<Remote>,
    /// Calls that could not be followed.
    pub unfollowed: Vec<Unfollowed>,
    /// Workflows being resolved, outermost first, to refuse cycles.
    chain: Vec<String>,
    /// Workflows the top-level workflow has called, against [`MAX_UNIQUE_CALLS`].
    unique: BTreeSet<String>,
    /// Jobs produced so far, against [`MAX_RESOLVED_JOBS`].
    jobs: usize,
}

impl<'p> Calls<'p> {
    pub fn new(
        parsed: &'p BTreeMap<String, Pipeline>,
        shared: &'p Shared,
        budget: &'p Budget,
        reach: &'p Reach,
    ) -> Self {
        Calls {
            parsed,
            shared,
            reach,
            budget,
            remote: BTreeMap::new(),
            errors: Vec::new(),
            wanted: BTreeSet::new(),
            unfollowed: Vec::new(),
            chain: Vec::new(),
            unique: BTreeSet::new(),
            jobs: 0,
        }
    }

    /// The jobs a top-level workflow runs, calls resolved. Errors only when the expansion as
    /// a whole is refused.
    pub fn top(&mut self, pipeline: &Pipeline) -> Result<Vec<Job>, CiError> {
        self.chain = vec![pipeline.path.clone()];
        self.unique.clear();
        self.resolve(&pipeline.jobs, None)
    }

    /// Replace each job that calls a reusable workflow with that workflow's jobs, named
    /// `caller/callee`, so the policy is checked against the steps that really run. `within`
    /// is the remote repository the jobs come from, for the `./` calls they make.
    fn resolve(&mut self, jobs: &[Job], within: Option<&Remote>) -> Result<Vec<Job>, CiError> {
        let mut out = Vec::new();
        for job in jobs {
            let JobKind::Calls(call) = &job.kind else {
                self.count(job)?;
                out.push(job.clone());
                continue;
            };
            match self.target(call, within) {
                Target::Outside => {
                    let job = not_verifiable(job, format!("calls workflow {}", call.target));
                    self.count(&job)?;
                    out.push(job);
                }
                Target::Local(path) => self.local(job, call, &path, &mut out)?,
                Target::Remote(remote) => self.remote(job, call, remote, &mut out)?,
            }
        }
        Ok(out)
    }

    fn target(&self, call: &Call, within: Option<&Remote>) -> Target {
        if call.target.starts_with("./") {
            let path = call.target.split('@').next().unwrap_or_default();
            let path = super::local_dir(path).unwrap_or_default();
            return match within {
                Some(remote) => Target::Remote(remote.at(&path)),
                None => Target::Local(path),
            };
        }
        match Remote::workflow(&call.target) {
            Some(remote) if self.shared.follows(&remote) => Target::Remote(remote),
            _ => Target::Outside,
        }
    }

    /// Why a call may not go further, whatever it calls: a cycle, depth, or too many.
    fn limit(&mut self, key: &str) -> Option<String> {
        if self.chain.iter().any(|p| p == key) {
            let mut cycle = self.chain.clone();
            cycle.push(key.to_string());
            return Some(format!(
                "workflows call each other in a cycle: {}",
                cycle.join(" → ")
            ));
        }
        if self.chain.len() >= MAX_CALL_DEPTH {
            return Some(format!(
                "reusable workflows nest deeper than {MAX_CALL_DEPTH} levels, GitHub's limit"
            ));
        }
        self.unique.insert(key.to_string());
        (self.unique.len() > MAX_UNIQUE_CALLS).then(|| {
            format!(
                "the workflow calls more than {MAX_UNIQUE_CALLS} reusable workflows, GitHub's limit"
            )
        })
    }

    /// A call of a workflow in this repository: a problem is the repository's error.
    fn local(
        &mut self,
        job: &Job,
        call: &Call,
        path: &str,
        out: &mut Vec<Job>,
    ) -> Result<(), CiError> {
        let problem = match (self.limit(path), self.parsed.get(path)) {
            (Some(why), _) => Some(why),
            (None, None) if self.errors.iter().any(|e| e.path == path) => None,
            (None, None) => Some(format!(
                "job `{}` calls `{}`, which is not a workflow in this repository",
                job.name, call.target
            )),
            (None, Some(callee)) => {
                self.chain.push(path.to_string());
                let inner = self.resolve(&callee.jobs, None);
                self.chain.pop();
                self.called(job, call, callee, inner?, out)?;
                None
            }
        };
        if let Some(message) = problem {
            self.errors
                .push(CiError::new(&job.path, Some(job.line), message));
        }
        Ok(())
    }

    /// A call of a workflow in another repository: read from the run's shared files, and a
    /// problem makes the calling job not verifiable.
    fn remote(
        &mut self,
        job: &Job,
        call: &Call,
        remote: Remote,
        out: &mut Vec<Job>,
    ) -> Result<(), CiError> {
        let key = remote.to_string();
        let why = match self.limit(&key) {
            Some(why) => why,
            None => match self.parse(&remote) {
                Ok(Some(callee)) => {
                    self.chain.push(key);
                    let inner = self.resolve(&callee.jobs, Some(&remote));
                    self.chain.pop();
                    return self.called(job, call, &callee, inner?, out);
                }
                // Not read yet: the source reads it and loads again.
                Ok(None) => "it was not read".to_string(),
                Err(why) => why,
            },
        };
        self.unfollowed.push(Unfollowed {
            path: job.path.clone(),
            line: job.line,
            target: call.target.clone(),
            reason: why.clone(),
        });
        let job = not_verifiable(
            job,
            format!(
                "calls workflow {}, which could not be followed: {why}",
                call.target
            ),
        );
        self.count(&job)?;
        out.push(job);
        Ok(())
    }

    /// The remote workflow, parsed once per load; `None` until it is read.
    fn parse(&mut self, remote: &Remote) -> Result<Option<Pipeline>, String> {
        if let Some(parsed) = self.remote.get(remote) {
            return parsed.clone().map(Some);
        }
        if !self.reach.admit(remote) {
            return Err(Reach::refusal());
        }
        let parsed = match self.shared.get(remote) {
            None => {
                self.wanted.insert(remote.clone());
                return Ok(None);
            }
            Some(Fetched::Missing) => Err(format!(
                "`{}` has no `{}` at `{}`",
                remote.repository(),
                remote.path,
                remote.git_ref
            )),
            Some(Fetched::Failed(why)) => Err(why.clone()),
            Some(Fetched::Text(text)) => {
                let path = remote.to_string();
                super::parse_within(&path, CiSystem::GithubActions, text, self.budget)
                    .map_err(|e| format!("the called workflow is not valid: {e}"))
            }
        };
        self.remote.insert(remote.clone(), parsed.clone());
        parsed.map(Some)
    }

    /// The callee's jobs as the caller's: named `caller/callee`, `${{ inputs.X }}` filled from
    /// the caller's `with:` (else the input's default).
    fn called(
        &mut self,
        job: &Job,
        call: &Call,
        callee: &Pipeline,
        inner: Vec<Job>,
        out: &mut Vec<Job>,
    ) -> Result<(), CiError> {
        let inputs: BTreeMap<&str, &str> = callee
            .input_defaults()
            .iter()
            .chain(&call.with)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // Where this repository calls it: the caller's own call when it was itself called,
        // else the caller's line when it is in this repository.
        let here = job.called_at.clone().or_else(|| {
            Remote::from_path(&job.path)
                .is_none()
                .then(|| super::Place {
                    path: job.path.clone(),
                    line: job.line,
                })
        });
        for mut inner in inner {
            if !inputs.is_empty() {
                for step in &mut inner.steps {
                    self.fill(step, &inputs).map_err(|_| {
                        CiError::new(&job.path, Some(job.line), self.budget.refusal())
                    })?;
                }
            }
            let remote = Remote::from_path(&inner.path).is_some();
            out.push(Job {
                name: format!("{}/{}", job.name, inner.name),
                called_at: if remote {
                    here.clone().or(inner.called_at)
                } else {
                    None
                },
                ..inner
            });
        }
        Ok(())
    }

    fn fill(
        &self,
        step: &mut Step,
        inputs: &BTreeMap<&str, &str>,
    ) -> Result<(), super::budget::Exhausted> {
        let (StepKind::Run(text) | StepKind::Uses(text)) = &mut step.kind;
        if text.contains("inputs.") {
            let value = |caps: &regex::Captures<'_>| inputs.get(&caps[1]).copied();
            *text = super::budget::replace_charged(text, &INPUT, value, self.budget)?;
        }
        Ok(())
    }

    fn count(&mut self, job: &Job) -> Result<(), CiError> {
        let text: usize = job.steps.iter().map(Step::text_len).sum::<usize>()
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
                    "reusable workflows expand to more than {MAX_RESOLVED_JOBS} jobs (calls \
                     multiply); orgcheck stops here"
                ),
            ));
        }
        Ok(())
    }
}

/// The calling job, not verifiable for `why`.
fn not_verifiable(job: &Job, why: String) -> Job {
    Job {
        kind: JobKind::NotVerifiable(why),
        ..job.clone()
    }
}

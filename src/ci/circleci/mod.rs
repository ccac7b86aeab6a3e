//! CircleCI `.circleci/config.yml` (version 2 and 2.1) to the common model: one job instance
//! per workflow invocation, with the invocation's arguments, matrix and pre/post-steps.
//!
//! Reusable commands and inline orbs are expanded recursively; each invocation also stays as a
//! named step so a policy can require either the command or what it runs. Registry orbs are
//! outside the repository: their commands stay named steps and their jobs are not verifiable.
//! Jobs no workflow runs are kept apart as not run.

mod dynamic;
mod expand;
mod images;
mod params;
mod workflow;

use std::collections::{BTreeSet, HashMap};

use super::budget::{Budget, Exhausted};

use super::yaml::{Entry, Mark, Node, Value};
use super::{CiError, CiSystem, Facts, Job, JobKind, NotRun, NotRunReason, Pipeline, Step};
use expand::Expander;
use workflow::{Instance, Invocation};

/// Deepest chain of command invocations we follow.
const MAX_EXPANSION_DEPTH: usize = 32;
/// Most steps one job may expand to; beyond that the config is refused, not truncated.
const MAX_STEPS: usize = 50_000;
/// Most job instances one config may have: each re-expands its job's steps.
const MAX_INSTANCES: usize = 50_000;

/// Parse a CircleCI config whose top level is a mapping, alone.
pub fn parse(path: &str, root: &Node) -> Result<Pipeline, CiError> {
    parse_within(path, root, &Budget::default())
}

/// Parse a CircleCI config, charging what it expands to (steps, substituted parameters) to
/// the repository's `budget`.
pub fn parse_within(path: &str, root: &Node, budget: &Budget) -> Result<Pipeline, CiError> {
    let cx = Context { path, root, budget };
    // A config with none of `version:`, `jobs:` and `workflows:` (`{}`, or another tool's
    // file) is no CircleCI config; CircleCI refuses it. (It also wants `version:` alone, which
    // orgcheck does not insist on.)
    if ["version", "jobs", "workflows"]
        .iter()
        .all(|k| root.get(k).is_none())
    {
        return Err(cx.err(
            root.mark,
            "a CircleCI config needs `version:` (2 or 2.1) and `jobs:` or `workflows:`; \
             CircleCI refuses one without them",
        ));
    }
    let definitions = cx.definitions()?;
    // By name, the last definition winning as YAML's last duplicate key does.
    let by_name: HashMap<&str, &Entry> = definitions.iter().map(|d| (d.key.as_str(), d)).collect();
    let plan = workflow::plan(root);
    let mut pipeline = Pipeline::new(path, CiSystem::Circleci);
    let mut used = BTreeSet::new();
    for invocation in &plan.runs {
        used.insert(invocation.job.as_str());
        let instances = invocation
            .instances()
            .map_err(|m| cx.err(invocation.mark, m))?;
        for instance in instances {
            if let Some(job) = cx.instance(&by_name, invocation, instance)? {
                pipeline.jobs.push(job);
            }
            if pipeline.jobs.len() > MAX_INSTANCES {
                return Err(cx.err(
                    invocation.mark,
                    format!(
                        "workflows run more than {MAX_INSTANCES} job instances; orgcheck stops here"
                    ),
                ));
            }
        }
    }
    for def in definitions {
        if used.contains(def.key.as_str()) {
            continue;
        }
        let reason = match plan.never.get(&def.key) {
            Some(reason) => reason.clone(),
            None if plan.has_workflows => NotRunReason::NotInWorkflow,
            None => NotRunReason::NotBuild,
        };
        let call = Call::definition(&def.key);
        let job = cx.job(&def.key, def.key_mark, &def.value, &Scope::Top, call)?;
        pipeline.not_run.push(NotRun { job, reason });
    }
    pipeline.facts = Facts::Circleci {
        continuation: dynamic::continuation(root, &plan),
    };
    Ok(pipeline)
}

/// What an invocation gives the job it runs.
struct Call<'n> {
    /// The instance's name.
    name: String,
    /// The workflow.
    workflow: Option<String>,
    /// Parameter values the invocation passes.
    args: Vec<(&'n str, Node)>,
    /// `pre-steps` and `post-steps`.
    pre: Option<&'n Node>,
    post: Option<&'n Node>,
}

impl Call<'_> {
    /// The job on its own, as its definition reads, for jobs no workflow runs.
    fn definition(name: &str) -> Self {
        Call {
            name: name.to_string(),
            workflow: None,
            args: Vec::new(),
            pre: None,
            post: None,
        }
    }
}

/// Where unqualified command names resolve: the file's `commands:` or an inline orb's.
#[derive(Clone)]
enum Scope {
    Top,
    Orb(String),
}

enum Orb<'a> {
    Inline(&'a Node),
    Registry(&'a str),
}

struct Context<'a> {
    path: &'a str,
    root: &'a Node,
    /// The repository's budget, for everything this file expands to.
    budget: &'a Budget,
}

impl<'a> Context<'a> {
    fn err(&self, mark: Mark, message: impl Into<String>) -> CiError {
        CiError::new(self.path, Some(mark.line), message)
    }

    /// The error for a file whose expansion ran out of budget, at the step that asked.
    fn exhausted(&self, mark: Mark) -> impl FnOnce(Exhausted) -> CiError + '_ {
        move |_| self.err(mark, self.budget.refusal())
    }

    fn orb(&self, name: &str) -> Option<Orb<'a>> {
        let node = self.root.get("orbs")?.get(name)?;
        match &node.value {
            Value::Map(_) => Some(Orb::Inline(node)),
            Value::Scalar { text, .. } => Some(Orb::Registry(text)),
            Value::Seq(_) => None,
        }
    }

    /// The entries of `jobs:`, each checked to be a mapping.
    fn definitions(&self) -> Result<&'a [Entry], CiError> {
        let Some(node) = self.root.get("jobs") else {
            return Ok(&[]);
        };
        if node.is_null() {
            return Err(self.err(
                node.mark,
                "`jobs` is null; expected a mapping of job names to jobs",
            ));
        }
        let entries = node.as_map().ok_or_else(|| {
            self.err(
                node.mark,
                format!(
                    "`jobs` must be a mapping of job names to jobs, found {}",
                    node.kind()
                ),
            )
        })?;
        for e in entries {
            if e.value.as_map().is_none() {
                return Err(self.err(
                    e.value.mark,
                    format!(
                        "job `{}` must be a mapping with `steps`, found {}",
                        e.key,
                        e.value.kind()
                    ),
                ));
            }
        }
        Ok(entries)
    }

    /// One instance of an invocation: the job defined in the file, an inline orb's job, or a
    /// registry orb's job (not verifiable). `None` when the job is defined nowhere.
    fn instance(
        &self,
        definitions: &HashMap<&str, &Entry>,
        invocation: &Invocation<'a>,
        instance: Instance<'a>,
    ) -> Result<Option<Job>, CiError> {
        let call = Call {
            name: instance.name,
            workflow: invocation.workflow.clone(),
            args: instance.args,
            pre: invocation.extra_steps("pre-steps"),
            post: invocation.extra_steps("post-steps"),
        };
        if let Some(def) = definitions.get(invocation.job.as_str()) {
            return self
                .job(&def.key, def.key_mark, &def.value, &Scope::Top, call)
                .map(Some);
        }
        let Some((orb, orb_job)) = invocation.job.split_once('/') else {
            // CircleCI refuses a workflow that names a job defined nowhere (a typo, `- tset`).
            return Err(self.err(
                invocation.mark,
                format!(
                    "workflow `{}` runs job `{}`, which `jobs:` does not define",
                    invocation.workflow.as_deref().unwrap_or("?"),
                    invocation.job
                ),
            ));
        };
        match self.orb(orb) {
            Some(Orb::Inline(def)) => match def.get("jobs").and_then(|j| j.get(orb_job)) {
                Some(body) => {
                    let scope = Scope::Orb(orb.to_string());
                    self.job(&invocation.job, invocation.mark, body, &scope, call)
                        .map(Some)
                }
                None => Ok(None),
            },
            Some(Orb::Registry(reference)) => Ok(Some(Job {
                // The orb's own steps are out of sight, but the workflow's pre- and
                // post-steps run around them and are judged like any step.
                steps: self.around(&call)?,
                name: call.name,
                definition: invocation.job.clone(),
                workflow: call.workflow,
                path: self.path.to_string(),
                line: invocation.mark.line,
                images: Vec::new(),
                kind: JobKind::NotVerifiable(format!("orb job from {reference}")),
                called_at: None,
            })),
            None => Ok(None),
        }
    }

    /// The `pre-steps` and `post-steps` an invocation wraps a job in.
    fn around(&self, call: &Call<'_>) -> Result<Vec<Step>, CiError> {
        let mut steps = Vec::new();
        let mut expander = Expander {
            cx: self,
            out: &mut steps,
            stack: Vec::new(),
        };
        for (list, key) in [(call.pre, "pre-steps"), (call.post, "post-steps")] {
            if let Some(list) = list {
                expander.extra(list, key)?;
            }
        }
        Ok(steps)
    }

    /// A job's steps for one call: pre-steps, the definition's steps with its parameter
    /// defaults overridden by the call's arguments, then post-steps.
    fn job(
        &self,
        name: &str,
        mark: Mark,
        body: &Node,
        scope: &Scope,
        call: Call<'_>,
    ) -> Result<Job, CiError> {
        if body.as_map().is_none() {
            return Err(self.err(
                body.mark,
                format!(
                    "job `{name}` must be a mapping with `steps`, found {}",
                    body.kind()
                ),
            ));
        }
        let mut steps = Vec::new();
        let mut expander = Expander {
            cx: self,
            out: &mut steps,
            stack: Vec::new(),
        };
        if let Some(pre) = call.pre {
            expander.extra(pre, "pre-steps")?;
        }
        let mut params = params::defaults(body.get("parameters"));
        for (key, value) in call.args {
            self.budget
                .nodes(value.size())
                .map_err(self.exhausted(body.mark))?;
            params.insert(key.to_string(), value);
        }
        match body.get("steps") {
            None => {}
            Some(list) if list.as_seq().is_some() => {
                let list = params::substitute(list, &params, self.budget)
                    .map_err(self.exhausted(list.mark))?;
                expander.steps(&list, scope)?;
            }
            Some(other) => {
                return Err(self.err(
                    other.mark,
                    format!(
                        "`steps` of job `{name}` must be a list, found {}",
                        other.kind()
                    ),
                ));
            }
        }
        if let Some(post) = call.post {
            expander.extra(post, "post-steps")?;
        }
        Ok(Job {
            name: call.name,
            definition: name.to_string(),
            workflow: call.workflow,
            path: self.path.to_string(),
            line: mark.line,
            steps,
            images: self.images(body, &params, scope)?,
            kind: JobKind::Steps,
            called_at: None,
        })
    }
}

#[cfg(test)]
mod tests;

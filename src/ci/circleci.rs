//! CircleCI `.circleci/config.yml` (version 2 and 2.1) to the common model.
//!
//! Reusable commands and inline orbs are expanded recursively; each invocation also stays as a
//! named step so a policy can require either the command or what it runs. Registry orbs are
//! outside the repository: their commands stay named steps and their jobs are not verifiable.

use std::collections::BTreeSet;

use super::params::{self, Budget, Exhausted, Params};
use super::yaml::{Mark, Node, Value};
use super::{CiError, CiSystem, Job, JobKind, Pipeline, Step, StepKind};

/// Deepest chain of command invocations we follow.
const MAX_EXPANSION_DEPTH: usize = 32;
/// Most steps one job may expand to; beyond that the config is refused, not truncated.
const MAX_STEPS: usize = 50_000;

/// Parse a CircleCI config whose top level is a mapping.
pub fn parse(path: &str, root: &Node) -> Result<Pipeline, CiError> {
    let cx = Context {
        path,
        root,
        budget: Budget::after_loading(root.size()),
    };
    let mut jobs = Vec::new();
    let mut seen = BTreeSet::new();
    match root.get("jobs") {
        None => {}
        Some(node) if node.is_null() => {
            return Err(cx.err(
                node.mark,
                "`jobs` is null; expected a mapping of job names to jobs",
            ));
        }
        Some(node) => {
            let entries = node.as_map().ok_or_else(|| {
                cx.err(
                    node.mark,
                    format!(
                        "`jobs` must be a mapping of job names to jobs, found {}",
                        node.kind()
                    ),
                )
            })?;
            for entry in entries {
                let job = cx.job(&entry.key, entry.key_mark, &entry.value, &Scope::Top)?;
                seen.insert(job.name.clone());
                jobs.push(job);
            }
        }
    }
    // Jobs that workflows take from orbs: expanded when the orb is inline, otherwise kept as
    // not verifiable so the report says we could not look inside.
    for (name, mark) in cx.workflow_job_refs() {
        if seen.contains(&name) {
            continue;
        }
        let Some((orb, orb_job)) = name.split_once('/') else {
            continue;
        };
        let job = match cx.orb(orb) {
            Some(Orb::Inline(def)) => match def.get("jobs").and_then(|j| j.get(orb_job)) {
                Some(body) => cx.job(&name, mark, body, &Scope::Orb(orb.to_string()))?,
                None => continue,
            },
            Some(Orb::Registry(reference)) => Job {
                name: name.clone(),
                path: path.to_string(),
                line: mark.line,
                steps: Vec::new(),
                kind: JobKind::NotVerifiable(format!("orb job from {reference}")),
            },
            None => continue,
        };
        seen.insert(name);
        jobs.push(job);
    }
    Ok(Pipeline {
        path: path.to_string(),
        ci: CiSystem::Circleci,
        jobs,
        reusable_only: false,
    })
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
    /// One budget for everything this file expands to.
    budget: Budget,
}

impl<'a> Context<'a> {
    fn err(&self, mark: Mark, message: impl Into<String>) -> CiError {
        CiError::new(self.path, Some(mark.line), message)
    }

    /// The error for a file whose expansion ran out of budget, at the step that asked.
    fn exhausted(&self, mark: Mark) -> impl FnOnce(Exhausted) -> CiError + '_ {
        move |_| {
            self.err(
                mark,
                format!(
                    "the config expands to more than {} nodes or {} MiB of text (parameters \
                     passed on through nested commands multiply); orgcheck stops here",
                    Budget::NODES,
                    Budget::BYTES / (1024 * 1024)
                ),
            )
        }
    }

    fn orb(&self, name: &str) -> Option<Orb<'a>> {
        let node = self.root.get("orbs")?.get(name)?;
        match &node.value {
            Value::Map(_) => Some(Orb::Inline(node)),
            Value::Scalar { text, .. } => Some(Orb::Registry(text)),
            Value::Seq(_) => None,
        }
    }

    fn workflow_job_refs(&self) -> Vec<(String, Mark)> {
        let mut out = Vec::new();
        let workflows = self.root.get("workflows").and_then(Node::as_map);
        for workflow in workflows.unwrap_or_default() {
            let jobs = workflow.value.get("jobs").and_then(Node::as_seq);
            for item in jobs.unwrap_or_default() {
                match &item.value {
                    Value::Scalar { text, .. } => out.push((text.clone(), item.mark)),
                    Value::Map(entries) if !entries.is_empty() => {
                        out.push((entries[0].key.clone(), entries[0].key_mark))
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn job(&self, name: &str, mark: Mark, body: &Node, scope: &Scope) -> Result<Job, CiError> {
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
        match body.get("steps") {
            None => {}
            Some(list) if list.as_seq().is_some() => {
                let params = params::defaults(body.get("parameters"));
                let list = params::substitute(list, &params, &self.budget)
                    .map_err(self.exhausted(list.mark))?;
                let mut expander = Expander {
                    cx: self,
                    out: &mut steps,
                    stack: Vec::new(),
                };
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
        Ok(Job {
            name: name.to_string(),
            path: self.path.to_string(),
            line: mark.line,
            steps,
            kind: JobKind::Steps,
        })
    }
}

struct Expander<'c, 'a> {
    cx: &'c Context<'a>,
    out: &'c mut Vec<Step>,
    /// Commands being expanded, outermost first, to detect cycles.
    stack: Vec<String>,
}

impl<'a> Expander<'_, 'a> {
    fn push(&mut self, kind: StepKind, mark: Mark) -> Result<(), CiError> {
        if self.out.len() >= MAX_STEPS {
            return Err(self.cx.err(
                mark,
                format!("a job expands to more than {MAX_STEPS} steps; check for runaway command nesting"),
            ));
        }
        self.cx.budget.nodes(1).map_err(self.cx.exhausted(mark))?;
        self.out.push(Step {
            kind,
            line: mark.line,
            version: None,
        });
        Ok(())
    }

    fn steps(&mut self, list: &Node, scope: &Scope) -> Result<(), CiError> {
        for item in list.as_seq().unwrap_or_default() {
            self.step(item, scope)?;
        }
        Ok(())
    }

    fn step(&mut self, item: &Node, scope: &Scope) -> Result<(), CiError> {
        match &item.value {
            Value::Scalar { text, .. } if !item.is_null() => {
                self.named(text, None, item.mark, scope)
            }
            Value::Map(entries) if !entries.is_empty() => {
                let entry = &entries[0];
                match entry.key.as_str() {
                    "run" => {
                        let command = entry
                            .value
                            .as_str()
                            .or_else(|| entry.value.get("command").and_then(Node::as_str))
                            .unwrap_or_default();
                        self.push(StepKind::Run(command.to_string()), entry.key_mark)
                    }
                    "when" | "unless" => match entry.value.get("steps") {
                        Some(steps) if steps.as_seq().is_some() => self.steps(steps, scope),
                        Some(other) => Err(self.cx.err(
                            other.mark,
                            format!(
                                "`{}` block `steps` must be a list, found {}",
                                entry.key,
                                other.kind()
                            ),
                        )),
                        None => Ok(()),
                    },
                    name => self.named(name, Some(&entry.value), entry.key_mark, scope),
                }
            }
            _ => Err(self.cx.err(
                item.mark,
                format!("a step must be a name or a mapping, found {}", item.kind()),
            )),
        }
    }

    /// A named step: push it, then expand it if it is a reusable command we can see.
    fn named(
        &mut self,
        name: &str,
        args: Option<&Node>,
        mark: Mark,
        scope: &Scope,
    ) -> Result<(), CiError> {
        self.push(StepKind::Uses(name.to_string()), mark)?;
        let (definition, inner_scope) = match name.split_once('/') {
            Some((orb, command)) => match self.cx.orb(orb) {
                Some(Orb::Inline(def)) => (
                    def.get("commands").and_then(|c| c.get(command)),
                    Scope::Orb(orb.to_string()),
                ),
                _ => (None, Scope::Top),
            },
            None => {
                let local = match scope {
                    Scope::Orb(orb) => match self.cx.orb(orb) {
                        Some(Orb::Inline(def)) => def.get("commands").and_then(|c| c.get(name)),
                        _ => None,
                    },
                    Scope::Top => None,
                };
                match local {
                    Some(def) => (Some(def), scope.clone()),
                    None => (
                        self.cx.root.get("commands").and_then(|c| c.get(name)),
                        Scope::Top,
                    ),
                }
            }
        };
        let Some(definition) = definition else {
            return Ok(());
        };
        let key = match &inner_scope {
            Scope::Orb(orb) if !name.contains('/') => format!("{orb}/{name}"),
            _ => name.to_string(),
        };
        if self.stack.contains(&key) {
            let mut chain = self.stack.clone();
            chain.push(key);
            return Err(self.cx.err(
                mark,
                format!(
                    "reusable commands call each other in a cycle: {}",
                    chain.join(" → ")
                ),
            ));
        }
        if self.stack.len() >= MAX_EXPANSION_DEPTH {
            return Err(self.cx.err(
                mark,
                format!("reusable commands nest deeper than {MAX_EXPANSION_DEPTH} levels"),
            ));
        }
        let budget = &self.cx.budget;
        let params: Params =
            params::with_args(params::defaults(definition.get("parameters")), args, budget)
                .map_err(self.cx.exhausted(mark))?;
        match definition.get("steps") {
            Some(body) if body.as_seq().is_some() => {
                let body =
                    params::substitute(body, &params, budget).map_err(self.cx.exhausted(mark))?;
                self.stack.push(key);
                self.steps(&body, &inner_scope)?;
                self.stack.pop();
                Ok(())
            }
            Some(body) if !body.is_null() => Err(self.cx.err(
                body.mark,
                format!(
                    "`steps` of command `{name}` must be a list, found {}",
                    body.kind()
                ),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "circleci_tests.rs"]
mod tests;

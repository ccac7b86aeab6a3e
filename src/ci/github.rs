//! GitHub Actions workflows (`.github/workflows/*.yml`) to the common model.
//!
//! A job that calls a reusable workflow keeps the call: a local one (`./.github/workflows/x.yml`)
//! is resolved against that file at repository level, a remote one is not verifiable.

use super::yaml::{Mark, Node, Value};
use super::{CiError, CiSystem, Job, JobKind, Pipeline, Step, StepKind};

/// Parse a workflow whose top level is a mapping.
pub fn parse(path: &str, root: &Node) -> Result<Pipeline, CiError> {
    let err = |mark: Mark, message: String| CiError::new(path, Some(mark.line), message);
    let mut jobs = Vec::new();
    match root.get("jobs") {
        None => {}
        Some(node) if node.is_null() => {
            return Err(err(
                node.mark,
                "`jobs` is null; expected a mapping of job ids to jobs".into(),
            ));
        }
        Some(node) => {
            let entries = node.as_map().ok_or_else(|| {
                err(
                    node.mark,
                    format!(
                        "`jobs` must be a mapping of job ids to jobs, found {}",
                        node.kind()
                    ),
                )
            })?;
            for entry in entries {
                jobs.push(job(path, &entry.key, entry.key_mark, &entry.value)?);
            }
        }
    }
    Ok(Pipeline {
        path: path.to_string(),
        ci: CiSystem::GithubActions,
        jobs,
        reusable_only: only_workflow_call(root.get("on")),
    })
}

fn job(path: &str, name: &str, mark: Mark, body: &Node) -> Result<Job, CiError> {
    let err = |mark: Mark, message: String| CiError::new(path, Some(mark.line), message);
    if body.as_map().is_none() {
        return Err(err(
            body.mark,
            format!("job `{name}` must be a mapping, found {}", body.kind()),
        ));
    }
    let kind = match body.get("uses").and_then(Node::as_str) {
        Some(target) if target.starts_with("./") => JobKind::LocalWorkflow(target.to_string()),
        Some(target) => JobKind::NotVerifiable(format!("calls workflow {target}")),
        None => JobKind::Steps,
    };
    let mut steps = Vec::new();
    match body.get("steps") {
        None => {}
        Some(list) => {
            let items = list.as_seq().ok_or_else(|| {
                err(
                    list.mark,
                    format!(
                        "`steps` of job `{name}` must be a list, found {}",
                        list.kind()
                    ),
                )
            })?;
            for item in items {
                if item.as_map().is_none() {
                    return Err(err(
                        item.mark,
                        format!(
                            "a step of job `{name}` must be a mapping with `run` or `uses`, found {}",
                            item.kind()
                        ),
                    ));
                }
                let step = |kind| Step {
                    kind,
                    line: item.mark.line,
                };
                if let Some(run) = item.get("run") {
                    steps.push(step(StepKind::Run(scalar_text(run))));
                } else if let Some(uses) = item.get("uses") {
                    steps.push(step(StepKind::Uses(scalar_text(uses))));
                }
            }
        }
    }
    Ok(Job {
        name: name.to_string(),
        path: path.to_string(),
        line: mark.line,
        steps,
        kind,
    })
}

fn scalar_text(node: &Node) -> String {
    node.as_str().unwrap_or_default().to_string()
}

/// `on: workflow_call`, `on: [workflow_call]` or `on: {workflow_call: …}` and nothing else.
fn only_workflow_call(on: Option<&Node>) -> bool {
    let Some(on) = on else { return false };
    match &on.value {
        Value::Scalar { text, .. } => text == "workflow_call",
        Value::Seq(items) => {
            !items.is_empty() && items.iter().all(|i| i.as_str() == Some("workflow_call"))
        }
        Value::Map(entries) => {
            !entries.is_empty() && entries.iter().all(|e| e.key == "workflow_call")
        }
    }
}

#[cfg(test)]
#[path = "github_tests.rs"]
mod tests;

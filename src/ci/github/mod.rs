//! GitHub Actions workflows (`.github/workflows/*.yml`) to the common model.
//!
//! A job that calls a reusable workflow keeps the call: a local one (`./.github/workflows/x.yml`)
//! is resolved against that file at repository level, a remote one is not verifiable.

pub(crate) mod action;
mod steps;

pub(super) use steps::steps;

use super::budget::Budget;
use super::yaml::{Mark, Node, Value};
use super::{CiError, CiSystem, Facts, Image, Job, JobKind, NotRun, NotRunReason, Pipeline, Step};

/// Whether a file read alone looks like a workflow: `on:`, or jobs that say where they run or
/// call a workflow.
pub(super) fn looks_like(root: &Node) -> bool {
    root.get("on").is_some()
        || root.get("runs-on").is_some()
        || root.get("jobs").and_then(Node::as_map).is_some_and(|jobs| {
            jobs.iter()
                .any(|j| j.value.get("runs-on").is_some() || j.value.get("uses").is_some())
        })
}

/// Parse a workflow, charging what it expands to (every job and step, and the steps' text)
/// to the repository's `budget`.
pub(super) fn parse_within(
    path: &str,
    root: &Node,
    text: &str,
    budget: &Budget,
) -> Result<Pipeline, CiError> {
    let pipeline = parse(path, root, text)?;
    let (nodes, bytes) = pipeline
        .jobs
        .iter()
        .chain(pipeline.not_run.iter().map(|n| &n.job))
        .fold((0, 0), |(n, b), job| {
            let text: usize = job.steps.iter().map(Step::text_len).sum::<usize>()
                + job.images.iter().map(|i| i.reference.len()).sum::<usize>();
            (n + 1 + job.steps.len() + job.images.len(), b + text)
        });
    budget
        .charge(nodes, bytes)
        .map_err(|_| CiError::new(path, None, budget.refusal()))?;
    Ok(pipeline)
}

/// Parse a workflow whose top level is a mapping; `text` is its source, for the comments a
/// YAML tree does not keep.
pub fn parse(path: &str, root: &Node, text: &str) -> Result<Pipeline, CiError> {
    let lines: Vec<&str> = text.lines().collect();
    let err = |mark: Mark, message: String| CiError::new(path, Some(mark.line), message);
    let mut pipeline = Pipeline::new(path, CiSystem::GithubActions);
    pipeline.facts = Facts::GithubActions {
        events: events(root.get("on")),
        reusable_only: only_workflow_call(root.get("on")),
        inputs: input_defaults(root.get("on")),
    };
    let workflow = root
        .get("name")
        .and_then(Node::as_str)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(path)
        .to_string();
    // GitHub refuses a workflow without triggers or jobs.
    for key in ["on", "jobs"] {
        if root.get(key).is_none() {
            return Err(err(
                root.mark,
                format!("a workflow needs `{key}:`; GitHub refuses one without it"),
            ));
        }
    }
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
                let mut job = job(path, &lines, &entry.key, entry.key_mark, &entry.value)?;
                job.workflow = Some(workflow.clone());
                if entry.value.get("if").is_some_and(literal_false) {
                    pipeline.not_run.push(NotRun {
                        job,
                        reason: NotRunReason::IfFalse,
                    });
                } else {
                    pipeline.jobs.push(job);
                }
            }
        }
    }
    Ok(pipeline)
}

fn job(path: &str, lines: &[&str], name: &str, mark: Mark, body: &Node) -> Result<Job, CiError> {
    let err = |mark: Mark, message: String| CiError::new(path, Some(mark.line), message);
    if body.as_map().is_none() {
        return Err(err(
            body.mark,
            format!("job `{name}` must be a mapping, found {}", body.kind()),
        ));
    }
    if let (Some(_), Some(steps)) = (body.get("uses"), body.get("steps")) {
        return Err(err(
            steps.mark,
            format!(
                "job `{name}` calls a reusable workflow (`uses`) and has `steps`; GitHub \
                 refuses a job with both"
            ),
        ));
    }
    let kind = match body.get("uses").and_then(Node::as_str) {
        Some(target)
            if target.starts_with("./") || super::remote::Remote::workflow(target).is_some() =>
        {
            JobKind::Calls(super::Call {
                target: target.to_string(),
                with: texts(body.get("with")),
            })
        }
        Some(target) => JobKind::NotVerifiable(format!("calls workflow {target}")),
        None => JobKind::Steps,
    };
    let steps = match body.get("steps") {
        None => Vec::new(),
        Some(list) => steps(path, lines, list, &format!("job `{name}`"))?,
    };
    // People know a job by what GitHub shows: its `name:`, unless that is an expression only
    // a run can evaluate; the id stays its definition, and rules' `jobs` match either.
    let shown = body
        .get("name")
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.contains("${{"))
        .unwrap_or(name);
    Ok(Job {
        name: shown.to_string(),
        definition: name.to_string(),
        workflow: None,
        path: path.to_string(),
        line: mark.line,
        steps,
        images: images(body),
        kind,
        called_at: None,
    })
}

/// The images of a job: `container:` (a reference, or a mapping with `image:`) and each of
/// `services:`. An expression (`${{ matrix.image }}`) is kept as written.
fn images(body: &Node) -> Vec<Image> {
    let image = |node: &Node| {
        let reference = match &node.value {
            Value::Scalar { text, .. } => Some(node).filter(|_| !text.trim().is_empty()),
            Value::Map(_) => node.get("image"),
            Value::Seq(_) => None,
        }?;
        Some(Image {
            reference: reference.as_str()?.trim().to_string(),
            line: reference.mark.line,
        })
    };
    let services = body
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|e| &e.value);
    body.get("container")
        .into_iter()
        .chain(services)
        .filter_map(image)
        .collect()
}

/// `if: false` or `if: ${{ false }}`, written out: the job never runs.
fn literal_false(condition: &Node) -> bool {
    let Some(text) = condition.as_str() else {
        return false;
    };
    let text = text.trim();
    let inner = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    inner.trim() == "false"
}

/// The events of `on:` (a name, a list of names, or a mapping keyed by event).
fn events(on: Option<&Node>) -> Vec<String> {
    let Some(on) = on else { return Vec::new() };
    match &on.value {
        Value::Scalar { text, .. } => vec![text.clone()],
        Value::Seq(items) => items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect(),
        Value::Map(entries) => entries.iter().map(|e| e.key.clone()).collect(),
    }
}

/// For `owner/repo@SHA` (a full 40-hex commit), the version the trailing comment on the same
/// line names: `# v4`, `# v4.1.1`, `# tag=v4.1.1`, `# 4.1.1`.
pub(super) fn pinned_version(uses: &str, lines: &[&str], mark: Mark) -> Option<String> {
    let (_, reference) = uses.split_once('@')?;
    if reference.len() != 40 || !reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let line = lines.get(mark.line.checked_sub(1)?)?;
    let after = line.get(line.find(reference)? + reference.len()..)?;
    let comment = after.split_once('#')?.1.trim();
    let word = comment.split_whitespace().next()?;
    let version = word.strip_prefix("tag=").unwrap_or(word);
    let digits = version.strip_prefix('v').unwrap_or(version);
    let is_version = digits
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    is_version.then(|| version.to_string())
}

/// The entries of a mapping whose values are text (`with:`), by key.
fn texts(map: Option<&Node>) -> Vec<(String, String)> {
    map.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e.key.clone(), e.value.as_str()?.to_string())))
        .collect()
}

/// `on.workflow_call.inputs.NAME.default`, for each input that has one.
fn input_defaults(on: Option<&Node>) -> Vec<(String, String)> {
    let inputs = on
        .and_then(|on| on.get("workflow_call"))
        .and_then(|call| call.get("inputs"))
        .and_then(Node::as_map)
        .unwrap_or_default();
    inputs
        .iter()
        .filter_map(|e| {
            let default = e.value.get("default")?.as_str()?;
            Some((e.key.clone(), default.to_string()))
        })
        .collect()
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
mod tests;

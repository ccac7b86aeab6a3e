//! Dynamic config: where a `setup: true` config continues, read from its calls to the
//! continuation and path-filtering orbs.

use super::super::Continuation;
use super::super::yaml::{Node, Value};
use super::workflow::Plan;

/// Where path-filtering and continuation continue when not told (`config-path`'s default).
pub const DEFAULT_CONTINUATION: &str = ".circleci/continue_config.yml";

/// Registry orbs that continue a pipeline, and the parameter that names the file.
const CONTINUING_ORBS: &[&str] = &["circleci/path-filtering@", "circleci/continuation@"];
const PATH_PARAMETERS: &[&str] = &["config-path", "configuration_path"];

/// The continuation of a setup config; `None` for an ordinary config.
pub fn continuation(root: &Node, plan: &Plan<'_>) -> Option<Continuation> {
    let setup = root.entry("setup")?;
    if setup.value.as_str() != Some("true") {
        return None;
    }
    let aliases: Vec<&str> = root
        .get("orbs")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter(|e| {
            e.value
                .as_str()
                .is_some_and(|r| CONTINUING_ORBS.iter().any(|o| r.starts_with(o)))
        })
        .map(|e| e.key.as_str())
        .collect();
    let is_continuing = |name: &str| {
        name.split_once('/')
            .is_some_and(|(alias, _)| aliases.contains(&alias))
    };
    let mut calls: Vec<(Option<&Node>, usize)> = Vec::new();
    for invocation in plan.runs.iter().filter(|i| is_continuing(&i.job)) {
        calls.push((invocation.args, invocation.mark.line));
    }
    for section in ["jobs", "commands"] {
        if let Some(node) = root.get(section) {
            step_calls(node, &is_continuing, &mut calls);
        }
    }
    if calls.is_empty() {
        return Some(Continuation::Unresolved {
            line: setup.key_mark.line,
            reason: "the setup config chooses or generates its next config itself: no \
                     `circleci/continuation` or `circleci/path-filtering` orb call names a file"
                .into(),
        });
    }
    let mut files: Vec<(String, usize)> = Vec::new();
    for (args, line) in calls {
        let named = PATH_PARAMETERS
            .iter()
            .find_map(|p| args.and_then(|a| a.get(p)));
        let path = match named {
            None => DEFAULT_CONTINUATION.to_string(),
            Some(node) => match node.as_str() {
                Some(text) if !text.contains("<<") && !text.contains("$") => text.to_string(),
                _ => {
                    return Some(Continuation::Unresolved {
                        line: node.mark.line,
                        reason: format!(
                            "the continuation config's path `{}` is decided when the pipeline runs",
                            node.as_str().unwrap_or("…")
                        ),
                    });
                }
            },
        };
        if !files.iter().any(|(p, _)| *p == path) {
            files.push((path, line));
        }
    }
    Some(Continuation::Files(files))
}

/// Steps anywhere under `node` that call a continuing orb's command: `- alias/continue` or
/// `- alias/filter: {config-path: …}`.
fn step_calls<'n>(
    node: &'n Node,
    is_continuing: &dyn Fn(&str) -> bool,
    out: &mut Vec<(Option<&'n Node>, usize)>,
) {
    match &node.value {
        Value::Scalar { text, .. } => {
            if is_continuing(text) {
                out.push((None, node.mark.line));
            }
        }
        Value::Seq(items) => {
            for item in items {
                step_calls(item, is_continuing, out);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                if is_continuing(&e.key) {
                    out.push((Some(&e.value), e.key_mark.line));
                } else {
                    step_calls(&e.value, is_continuing, out);
                }
            }
        }
    }
}

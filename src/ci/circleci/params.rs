//! CircleCI `<< parameters.x >>` substitution over YAML nodes, splicing `steps`-typed values,
//! within the repository's [`Budget`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::ci::budget::{Budget, Exhausted};
use crate::ci::yaml::{Entry, Node, Value};

/// Parameter values by name, already substituted in the caller's context.
pub type Params = BTreeMap<String, Node>;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>").expect("valid regex"));

/// The defaults of a `parameters:` block.
pub fn defaults(parameters: Option<&Node>) -> Params {
    let mut out = Params::new();
    for entry in parameters.and_then(Node::as_map).unwrap_or_default() {
        if let Some(default) = entry.value.get("default") {
            out.insert(entry.key.clone(), default.clone());
        }
    }
    out
}

/// Override `params` with an invocation's arguments (a mapping; anything else passes none).
pub fn with_args(
    mut params: Params,
    args: Option<&Node>,
    budget: &Budget,
) -> Result<Params, Exhausted> {
    for entry in args.and_then(Node::as_map).unwrap_or_default() {
        budget.nodes(entry.value.size())?;
        params.insert(entry.key.clone(), entry.value.clone());
    }
    Ok(params)
}

/// A scalar that is exactly one placeholder names this parameter.
fn whole_placeholder<'a>(text: &str, params: &'a Params) -> Option<&'a Node> {
    let caps = PLACEHOLDER.captures(text.trim())?;
    (caps.get(0)?.len() == text.trim().len())
        .then(|| params.get(&caps[1]))
        .flatten()
}

/// Substitute parameters throughout `node`, charging what it builds to `budget`. A list item
/// that is a `steps` parameter (written `- << parameters.x >>` or `- steps: << parameters.x >>`)
/// is spliced in place.
pub fn substitute(node: &Node, params: &Params, budget: &Budget) -> Result<Node, Exhausted> {
    budget.nodes(1)?;
    // Everything copied is charged, text included: a job copied once per instance (a matrix)
    // copies its scalars each time, and a 1 MB image name times 1,000 instances is 1 GB.
    if params.is_empty() {
        budget.charge(node.size(), node.bytes())?;
        return Ok(node.clone());
    }
    Ok(match &node.value {
        Value::Scalar { text, plain } => {
            if let Some(value) = whole_placeholder(text, params)
                && !matches!(value.value, Value::Scalar { .. })
            {
                budget.charge(value.size(), value.bytes())?;
                return Ok(value.clone());
            }
            if !text.contains("<<") {
                budget.bytes(text.len())?;
                return Ok(node.clone());
            }
            let value = |caps: &regex::Captures<'_>| match params.get(&caps[1]).map(|n| &n.value) {
                Some(Value::Scalar { text, .. }) => Some(text.as_str()),
                _ => None,
            };
            let replaced = crate::ci::budget::replace_charged(text, &PLACEHOLDER, value, budget)?;
            Node::scalar(replaced, *plain, node.mark)
        }
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let done = substitute(item, params, budget)?;
                match spliced(item, &done) {
                    Some(inner) => out.extend(inner.iter().cloned()),
                    None => out.push(done),
                }
            }
            Node::seq(out, node.mark)
        }
        Value::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                out.push(Entry {
                    key: e.key.clone(),
                    key_mark: e.key_mark,
                    value: substitute(&e.value, params, budget)?,
                });
            }
            Node::map(out, node.mark)
        }
    })
}

/// The items to splice when a list item was a steps placeholder.
fn spliced<'a>(before: &Node, after: &'a Node) -> Option<&'a [Node]> {
    match &before.value {
        Value::Scalar { .. } => after.as_seq(),
        Value::Map(entries) if entries.len() == 1 && entries[0].key == "steps" => {
            let was_placeholder = matches!(entries[0].value.value, Value::Scalar { .. });
            if was_placeholder {
                after.get("steps")?.as_seq()
            } else {
                None
            }
        }
        _ => None,
    }
}

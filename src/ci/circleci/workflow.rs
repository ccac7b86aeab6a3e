//! Which CircleCI jobs run: workflows, their `when`/`unless`, and each job invocation with its
//! matrix, `name:` override, arguments and pre/post-steps.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::super::NotRunReason;
use super::super::yaml::{Mark, Node, Value};

/// Most instances one invocation's matrix may expand to; CircleCI's own limit is far lower.
pub const MAX_MATRIX: usize = 1_000;

/// Keys of a workflow job invocation that configure the invocation, not the job's parameters.
const RESERVED: &[&str] = &[
    "name",
    "requires",
    "context",
    "filters",
    "type",
    "matrix",
    "pre-steps",
    "post-steps",
    "serial-group",
    "override-with",
];

static MATRIX_PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<<\s*matrix\.([A-Za-z0-9_-]+)\s*>>").expect("valid regex"));

/// What runs in one config.
pub struct Plan<'a> {
    /// Whether the config has workflows (else CircleCI runs `build` alone).
    pub has_workflows: bool,
    /// Job invocations in workflows that can run, in file order; approvals left out.
    pub runs: Vec<Invocation<'a>>,
    /// Jobs listed only by workflows that can never run, with why.
    pub never: BTreeMap<String, NotRunReason>,
}

/// One job listed in a workflow.
pub struct Invocation<'a> {
    /// The workflow; `None` for the implied `build` of a config without workflows.
    pub workflow: Option<String>,
    /// The job it runs: a key of `jobs:` or `orb/job`.
    pub job: String,
    /// Where the workflow lists it.
    pub mark: Mark,
    /// Its settings and arguments, when it has any.
    pub args: Option<&'a Node>,
}

/// One instance of an invocation: a matrix combination, or the invocation itself.
pub struct Instance<'a> {
    /// The name CircleCI shows.
    pub name: String,
    /// Job parameters: the invocation's arguments, then the combination's values.
    pub args: Vec<(&'a str, Node)>,
}

/// Read the workflows of a config.
pub fn plan(root: &Node) -> Plan<'_> {
    let mut plan = Plan {
        has_workflows: false,
        runs: Vec::new(),
        never: BTreeMap::new(),
    };
    let workflows = root.get("workflows").and_then(Node::as_map);
    for workflow in workflows.unwrap_or_default() {
        // `version: 2` sits beside the workflows in 2.0 configs.
        let Some(jobs) = workflow.value.get("jobs").and_then(Node::as_seq) else {
            continue;
        };
        plan.has_workflows = true;
        let never = never_runs(&workflow.value);
        for item in jobs {
            let (job, mark, args) = match &item.value {
                Value::Scalar { text, .. } if !item.is_null() => (text.clone(), item.mark, None),
                Value::Map(entries) if !entries.is_empty() => {
                    let e = &entries[0];
                    (e.key.clone(), e.key_mark, Some(&e.value))
                }
                _ => continue,
            };
            if args.and_then(|a| a.get("type")).and_then(Node::as_str) == Some("approval") {
                continue;
            }
            match &never {
                Some(condition) => {
                    plan.never
                        .entry(job)
                        .or_insert_with(|| NotRunReason::WorkflowNeverRuns {
                            workflow: workflow.key.clone(),
                            condition: condition.clone(),
                        });
                }
                None => plan.runs.push(Invocation {
                    workflow: Some(workflow.key.clone()),
                    job,
                    mark,
                    args,
                }),
            }
        }
    }
    if !plan.has_workflows
        && let Some(entry) = root
            .get("jobs")
            .and_then(Node::as_map)
            .and_then(|jobs| jobs.iter().find(|e| e.key == "build"))
    {
        plan.runs.push(Invocation {
            workflow: None,
            job: entry.key.clone(),
            mark: entry.key_mark,
            args: None,
        });
    }
    plan
}

/// Why a workflow can never run: its `when` is constant false or its `unless` constant true.
/// Conditions on pipeline values count as satisfiable: path filtering and API triggers set them.
fn never_runs(workflow: &Node) -> Option<String> {
    if workflow.get("when").map(constant) == Some(Some(false)) {
        return Some("when is always false".into());
    }
    if workflow.get("unless").map(constant) == Some(Some(true)) {
        return Some("unless is always true".into());
    }
    None
}

/// The value of a CircleCI logic statement when it does not depend on the pipeline.
fn constant(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Scalar { text, plain } => {
            if text.contains("<<") {
                return None;
            }
            match (text.as_str(), plain) {
                ("true" | "True" | "TRUE", true) => Some(true),
                ("false" | "False" | "FALSE" | "null" | "~" | "0", true) => Some(false),
                ("", _) => Some(false),
                _ => None,
            }
        }
        Value::Map(entries) if entries.len() == 1 => {
            let e = &entries[0];
            let items = || e.value.as_seq().unwrap_or_default().iter().map(constant);
            match e.key.as_str() {
                "and" => all_or_any(items(), false),
                "or" => all_or_any(items(), true),
                "not" => constant(&e.value).map(|v| !v),
                "equal" => {
                    let texts: Option<Vec<&str>> = e
                        .value
                        .as_seq()?
                        .iter()
                        .map(|n| n.as_str().filter(|t| !t.contains("<<")))
                        .collect();
                    let texts = texts?;
                    Some(texts.windows(2).all(|w| w[0] == w[1]))
                }
                "matches" => {
                    let pattern = e.value.get("pattern")?.as_str()?;
                    let value = e.value.get("value")?.as_str()?;
                    if value.contains("<<") || pattern.contains("<<") {
                        return None;
                    }
                    let re = Regex::new(&format!("^(?:{pattern})$")).ok()?;
                    Some(re.is_match(value))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `and` (decisive = false) or `or` (decisive = true) over three-valued items.
fn all_or_any(items: impl Iterator<Item = Option<bool>>, decisive: bool) -> Option<bool> {
    let mut unknown = false;
    for item in items {
        match item {
            Some(v) if v == decisive => return Some(decisive),
            Some(_) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(!decisive)
}

impl<'a> Invocation<'a> {
    /// The invocation's `pre-steps` or `post-steps`.
    pub fn extra_steps(&self, key: &str) -> Option<&'a Node> {
        self.args?.get(key).filter(|n| !n.is_null())
    }

    /// Its instances: one per matrix combination (parameters in name order, `exclude` applied),
    /// named by `name:` with `<< matrix.x >>` filled in, else `job-value-value`.
    pub fn instances(&self) -> Result<Vec<Instance<'a>>, String> {
        let args: Vec<(&'a str, Node)> = self
            .args
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter(|e| !RESERVED.contains(&e.key.as_str()))
            .map(|e| (e.key.as_str(), e.value.clone()))
            .collect();
        let name_template = self.args.and_then(|a| a.get("name")).and_then(Node::as_str);
        let matrix = self.args.and_then(|a| a.get("matrix"));
        let Some(parameters) = matrix
            .and_then(|m| m.get("parameters"))
            .and_then(Node::as_map)
        else {
            let name = name_template.unwrap_or(&self.job).to_string();
            return Ok(vec![Instance { name, args }]);
        };
        let mut axes: Vec<(&'a str, Vec<&'a Node>)> = parameters
            .iter()
            .map(|e| {
                let values = match e.value.as_seq() {
                    Some(items) => items.iter().collect(),
                    None => vec![&e.value],
                };
                (e.key.as_str(), values)
            })
            .collect();
        axes.sort_by_key(|(k, _)| *k);
        let total = axes
            .iter()
            .try_fold(1usize, |acc, (_, v)| acc.checked_mul(v.len()));
        if total.is_none_or(|t| t > MAX_MATRIX) {
            return Err(format!(
                "the matrix of `{}` expands to more than {MAX_MATRIX} jobs",
                self.job
            ));
        }
        let excluded = matrix
            .and_then(|m| m.get("exclude"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let mut out = Vec::new();
        for combination in combinations(&axes) {
            if excluded
                .iter()
                .any(|ex| matches_exclusion(ex, &combination))
            {
                continue;
            }
            let text = |n: &Node| n.as_str().unwrap_or_default().to_string();
            let name = match name_template {
                Some(template) => MATRIX_PLACEHOLDER
                    .replace_all(template, |c: &regex::Captures<'_>| {
                        combination
                            .iter()
                            .find(|(k, _)| *k == &c[1])
                            .map(|(_, v)| text(v))
                            .unwrap_or_else(|| c[0].to_string())
                    })
                    .into_owned(),
                None => std::iter::once(self.job.clone())
                    .chain(combination.iter().map(|(_, v)| text(v)))
                    .collect::<Vec<_>>()
                    .join("-"),
            };
            let mut all = args.clone();
            all.extend(combination.iter().map(|(k, v)| (*k, (*v).clone())));
            out.push(Instance { name, args: all });
        }
        Ok(out)
    }
}

/// Every combination of one value per axis, first axis slowest.
fn combinations<'a>(axes: &[(&'a str, Vec<&'a Node>)]) -> Vec<Vec<(&'a str, &'a Node)>> {
    let mut out: Vec<Vec<(&'a str, &'a Node)>> = vec![Vec::new()];
    for (key, values) in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((*key, *v));
                    next
                })
            })
            .collect();
    }
    out
}

/// Whether an `exclude` entry names this combination (every key it gives equal).
fn matches_exclusion(exclusion: &Node, combination: &[(&str, &Node)]) -> bool {
    let Some(entries) = exclusion.as_map() else {
        return false;
    };
    entries.iter().all(|e| {
        combination
            .iter()
            .any(|(k, v)| *k == e.key && v.as_str().is_some() && v.as_str() == e.value.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::constant;
    use crate::ci::yaml::load;

    fn eval(condition: &str) -> Option<bool> {
        let root = load(&format!("when: {condition}\n")).unwrap().unwrap();
        constant(root.get("when").unwrap())
    }

    #[test]
    fn logic_statements_over_literals_are_evaluated() {
        assert_eq!(eval("false"), Some(false));
        assert_eq!(eval("true"), Some(true));
        assert_eq!(eval("{not: true}"), Some(false));
        assert_eq!(eval("{or: [false, true]}"), Some(true));
        assert_eq!(eval("{and: [true, false]}"), Some(false));
        assert_eq!(eval("{equal: [main, main]}"), Some(true));
        assert_eq!(eval("{equal: [main, dev]}"), Some(false));
        assert_eq!(
            eval("{matches: {pattern: '^v.*', value: v1.2}}"),
            Some(true)
        );
        assert_eq!(eval("{matches: {pattern: 'v', value: xv}}"), Some(false));
    }

    #[test]
    fn anything_on_pipeline_values_is_satisfiable() {
        assert_eq!(eval("<< pipeline.parameters.deploy >>"), None);
        assert_eq!(eval("{equal: [main, << pipeline.git.branch >>]}"), None);
        assert_eq!(eval("{or: [false, << pipeline.parameters.x >>]}"), None);
        // A constant false decides `and` whatever the rest is.
        assert_eq!(
            eval("{and: [<< pipeline.parameters.x >>, false]}"),
            Some(false)
        );
        // A quoted "false" is a non-empty string: not provably false.
        assert_eq!(eval("'false'"), None);
    }
}

//! Local composite actions (`uses: ./path`): the steps of `path/action.yml` expanded in place
//! after the step that calls them, recursively, within cycle and depth limits.

use std::collections::{BTreeMap, BTreeSet};

use crate::ci::budget::Budget;
use crate::ci::{CiError, Step, StepKind};

/// How deep composite actions may call each other (GitHub stops at ten levels).
pub(crate) const MAX_DEPTH: usize = 10;
/// Most steps one job may expand to.
const MAX_STEPS: usize = 50_000;

/// The folder a local `uses:` names, relative to the repository root: `./.github/actions/x`
/// is `.github/actions/x`, `./` is the root. `None` for anything else, including paths that
/// climb out of the repository.
pub fn local_dir(uses: &str) -> Option<String> {
    let rest = uses.strip_prefix("./")?;
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The files an action folder may define itself in, in the order the runner tries them.
pub fn action_files(dir: &str) -> [String; 2] {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    [
        format!("{prefix}action.yml"),
        format!("{prefix}action.yaml"),
    ]
}

/// An action file, understood: composite steps, or `None` for JavaScript and Docker actions.
type Parsed = Result<Option<Vec<Step>>, CiError>;

/// Expanding local actions for one repository, each action file parsed once.
pub struct Actions<'f> {
    files: &'f BTreeMap<&'f str, &'f str>,
    parsed: BTreeMap<String, Option<Parsed>>,
    /// Action folders referenced whose action file is not among the files read.
    pub wanted: BTreeSet<String>,
    /// Problems: bad action files, cycles, depth.
    pub errors: Vec<CiError>,
    /// The file of the job being expanded.
    job_path: String,
    /// The repository's budget: every step an expansion produces is charged to it.
    budget: &'f Budget,
}

impl<'f> Actions<'f> {
    /// Over a repository's files, by path.
    pub fn new(files: &'f BTreeMap<&'f str, &'f str>, budget: &'f Budget) -> Self {
        Actions {
            budget,
            files,
            parsed: BTreeMap::new(),
            wanted: BTreeSet::new(),
            errors: Vec::new(),
            job_path: String::new(),
        }
    }

    /// A job's steps with every local composite action expanded after the step that calls it.
    /// `job_path` is the file the job is in, for errors in its own steps.
    pub fn expand(&mut self, job_path: &str, steps: &[Step]) -> Vec<Step> {
        self.job_path = job_path.to_string();
        let mut out = Vec::with_capacity(steps.len());
        let mut chain = Vec::new();
        self.expand_into(steps, &mut out, &mut chain);
        out
    }

    /// Returns false once the job is too large, to stop the whole expansion.
    fn expand_into(
        &mut self,
        steps: &[Step],
        out: &mut Vec<Step>,
        chain: &mut Vec<String>,
    ) -> bool {
        for step in steps {
            if out.len() >= MAX_STEPS {
                self.problem(
                    step,
                    format!(
                        "a job expands to more than {MAX_STEPS} steps through local actions; \
                         orgcheck stops here"
                    ),
                );
                return false;
            }
            if self.budget.charge(1, step.text_len()).is_err() {
                self.problem(step, self.budget.refusal());
                return false;
            }
            out.push(step.clone());
            let StepKind::Uses(uses) = &step.kind else {
                continue;
            };
            let Some(dir) = local_dir(uses) else {
                continue;
            };
            if chain.contains(&dir) {
                let mut cycle = chain.clone();
                cycle.push(dir);
                self.problem(
                    step,
                    format!(
                        "local actions call each other in a cycle: {}",
                        cycle.join(" → ")
                    ),
                );
                continue;
            }
            if chain.len() >= MAX_DEPTH {
                self.problem(
                    step,
                    format!("local composite actions nest deeper than {MAX_DEPTH} levels"),
                );
                continue;
            }
            let Some(inner) = self.load(&dir) else {
                continue;
            };
            chain.push(dir);
            let more = self.expand_into(&inner, out, chain);
            chain.pop();
            if !more {
                return false;
            }
        }
        true
    }

    /// The composite steps of the action in `dir`, parsed once; `None` when it is not a
    /// composite action, is not among the files, or is broken (recorded once).
    fn load(&mut self, dir: &str) -> Option<Vec<Step>> {
        if !self.parsed.contains_key(dir) {
            let found = action_files(dir)
                .into_iter()
                .find_map(|p| self.files.get(p.as_str()).map(|text| (p, *text)));
            let parsed = match found {
                Some((path, text)) => Some(parse(&path, text, self.budget)),
                None => {
                    self.wanted.insert(dir.to_string());
                    None
                }
            };
            if let Some(Err(e)) = &parsed {
                self.errors.push(e.clone());
            }
            self.parsed.insert(dir.to_string(), parsed);
        }
        match self.parsed.get(dir) {
            Some(Some(Ok(Some(steps)))) => Some(steps.clone()),
            _ => None,
        }
    }

    fn problem(&mut self, step: &Step, message: String) {
        let error = CiError::new(
            step.file.as_deref().unwrap_or(&self.job_path),
            Some(step.line),
            message,
        );
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }
}

/// Parse an action file: its steps when `runs.using` is `composite`, each pointing into the
/// file.
pub fn parse(path: &str, text: &str, budget: &Budget) -> Parsed {
    let root = crate::ci::load_root(path, text, budget)?;
    let Some(runs) = root.get("runs") else {
        return Ok(None);
    };
    if runs.get("using").and_then(|u| u.as_str()) != Some("composite") {
        return Ok(None);
    }
    let Some(list) = runs.get("steps") else {
        return Ok(Some(Vec::new()));
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut steps = super::steps(path, &lines, list, "the composite action")?;
    for step in &mut steps {
        step.file = Some(path.to_string());
    }
    Ok(Some(steps))
}

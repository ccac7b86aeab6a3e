//! Composite actions, local (`uses: ./path`) and in followed repositories
//! (`uses: OWNER/REPO/PATH@REF`): the steps of their `action.yml` expanded in place after the
//! step that calls them, recursively, within cycle and depth limits.

use std::collections::{BTreeMap, BTreeSet};

use crate::ci::budget::Budget;
use crate::ci::remote::{Fetched, Reach, Remote, Shared, Unfollowed};
use crate::ci::{CiError, Job, Step, StepKind};

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

/// Where a step's `uses:` leads, when it is an action orgcheck expands.
enum Action {
    /// A folder of this repository.
    Local(String),
    /// A folder of a followed repository at a ref.
    Remote(Remote),
}

/// Expanding composite actions for one repository, each action file parsed once.
pub struct Actions<'f> {
    files: &'f BTreeMap<&'f str, &'f str>,
    shared: &'f Shared,
    /// The remote files this repository names, against its limit.
    reach: &'f Reach,
    parsed: BTreeMap<String, Option<Parsed>>,
    /// Local action folders referenced whose action file is not among the files read.
    pub wanted: BTreeSet<String>,
    /// Remote action files the run has not read yet.
    pub wanted_shared: BTreeSet<Remote>,
    /// Problems: bad action files, cycles, depth.
    pub errors: Vec<CiError>,
    /// Remote actions that could not be followed.
    pub unfollowed: Vec<Unfollowed>,
    /// The file of the job being expanded.
    job_path: String,
    /// Why the job being expanded is not verifiable, if one of its calls was not followed.
    job_unfollowed: Option<String>,
    /// The repository's budget: every step an expansion produces is charged to it.
    budget: &'f Budget,
}

impl<'f> Actions<'f> {
    /// Over a repository's files, by path, and the run's shared files.
    pub fn new(
        files: &'f BTreeMap<&'f str, &'f str>,
        shared: &'f Shared,
        budget: &'f Budget,
        reach: &'f Reach,
    ) -> Self {
        Actions {
            budget,
            files,
            shared,
            reach,
            parsed: BTreeMap::new(),
            wanted: BTreeSet::new(),
            wanted_shared: BTreeSet::new(),
            errors: Vec::new(),
            unfollowed: Vec::new(),
            job_path: String::new(),
            job_unfollowed: None,
        }
    }

    /// Whether a job uses any action this expands.
    pub fn calls_any(&self, job: &Job) -> bool {
        job.steps.iter().any(|s| self.action(s).is_some())
    }

    /// Whether the repository's budget ran out.
    pub fn budget_spent(&self) -> bool {
        self.budget.is_spent()
    }

    fn action(&self, step: &Step) -> Option<Action> {
        let StepKind::Uses(uses) = &step.kind else {
            return None;
        };
        if let Some(dir) = local_dir(uses) {
            return Some(Action::Local(dir));
        }
        Remote::action(uses)
            .filter(|r| self.shared.follows(r))
            .map(Action::Remote)
    }

    /// A job's steps with every composite action expanded after the step that calls it, and
    /// why the job is not verifiable when a remote call could not be followed. `job_path` is
    /// the file the job is in, for errors in its own steps.
    pub fn expand(&mut self, job_path: &str, steps: &[Step]) -> (Vec<Step>, Option<String>) {
        self.job_path = job_path.to_string();
        self.job_unfollowed = None;
        let mut out = Vec::with_capacity(steps.len());
        let mut chain = Vec::new();
        self.expand_into(steps, &mut out, &mut chain);
        (out, self.job_unfollowed.take())
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
            let Some(action) = self.action(step) else {
                continue;
            };
            let key = match &action {
                Action::Local(dir) => dir.clone(),
                Action::Remote(r) => r.to_string(),
            };
            let why = if chain.contains(&key) {
                let mut cycle = chain.clone();
                cycle.push(key.clone());
                Some(format!(
                    "actions call each other in a cycle: {}",
                    cycle.join(" → ")
                ))
            } else if chain.len() >= MAX_DEPTH {
                Some(format!(
                    "composite actions nest deeper than {MAX_DEPTH} levels"
                ))
            } else {
                None
            };
            let inner = match (why, action) {
                (Some(why), Action::Local(_)) => {
                    self.problem(step, why);
                    None
                }
                (Some(why), Action::Remote(_)) => {
                    self.not_followed(step, why);
                    None
                }
                (None, Action::Local(dir)) => self.load(&dir),
                (None, Action::Remote(r)) => self.load_remote(step, &r),
            };
            let Some(inner) = inner else {
                continue;
            };
            chain.push(key);
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

    /// The composite steps of a remote action, parsed once; `None` when it is not composite,
    /// not read yet (then wanted), or cannot be followed (then the job says why).
    fn load_remote(&mut self, step: &Step, action: &Remote) -> Option<Vec<Step>> {
        let key = action.to_string();
        if !self.parsed.contains_key(&key) {
            let mut found = None;
            let files = action.action_files();
            if !files.iter().all(|f| self.reach.admit(f)) {
                found = Some(Err(Reach::refusal()));
            }
            for file in files.into_iter().filter(|_| found.is_none()) {
                match self.shared.get(&file) {
                    None => {
                        self.wanted_shared.extend(action.action_files());
                        return None;
                    }
                    Some(Fetched::Missing) => continue,
                    Some(Fetched::Failed(why)) => {
                        found = Some(Err(why.clone()));
                        break;
                    }
                    Some(Fetched::Text(text)) => {
                        let parsed = parse(&file.to_string(), text, self.budget);
                        found = Some(parsed.map_err(|e| format!("the action is not valid: {e}")));
                        break;
                    }
                }
            }
            let found = found.unwrap_or_else(|| {
                Err(format!(
                    "`{}` has no `action.yml` in `{}` at `{}`",
                    action.repository(),
                    if action.path.is_empty() {
                        "/"
                    } else {
                        &action.path
                    },
                    action.git_ref
                ))
            });
            self.parsed.insert(
                key.clone(),
                Some(found.map_err(|why| CiError::new(&key, None, why))),
            );
        }
        match self.parsed.get(&key) {
            Some(Some(Ok(steps))) => steps.clone(),
            Some(Some(Err(e))) => {
                let why = e.message.clone();
                self.not_followed(step, why);
                None
            }
            _ => None,
        }
    }

    /// A remote call that could not be followed: recorded at its line, and the job is not
    /// verifiable for it.
    fn not_followed(&mut self, step: &Step, why: String) {
        let StepKind::Uses(target) = &step.kind else {
            return;
        };
        let unfollowed = Unfollowed {
            path: step.file.clone().unwrap_or_else(|| self.job_path.clone()),
            line: step.line,
            target: target.clone(),
            reason: why.clone(),
        };
        if !self.unfollowed.contains(&unfollowed) {
            self.unfollowed.push(unfollowed);
        }
        self.job_unfollowed
            .get_or_insert_with(|| format!("uses {target}, which could not be followed: {why}"));
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
    let root = crate::ci::load_root(path, text, budget, crate::ci::yaml::Keys::Strict)?;
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

//! A GitHub Actions `steps:` list (of a job or a composite action) to steps: each step that
//! runs, at its line, including the steps of a `parallel:` group and `background: true` steps,
//! which run like any other. `wait`, `wait-all` and `cancel` steps only order the others and run
//! nothing of their own. A step GitHub would refuse is refused here too, at its line.

use super::super::yaml::{Mark, Node};
use super::super::{CiError, Step, StepKind};
use super::{pinned_version, scalar_text};

/// Keys of a step that only waits for or stops background steps.
const CONTROL: &[&str] = &["wait", "wait-all", "cancel"];

/// A `steps:` list of a job or a composite action (`owner` names it in errors).
pub(crate) fn steps(
    path: &str,
    lines: &[&str],
    list: &Node,
    owner: &str,
) -> Result<Vec<Step>, CiError> {
    let mut out = Vec::new();
    Reader { path, lines, owner }.list(list, None, &mut out)?;
    Ok(out)
}

struct Reader<'a> {
    path: &'a str,
    lines: &'a [&'a str],
    owner: &'a str,
}

impl Reader<'_> {
    fn err(&self, mark: Mark, message: String) -> CiError {
        CiError::new(self.path, Some(mark.line), message)
    }

    /// The steps of `list`; `group` is the line of the `parallel:` they are in, if any.
    fn list(&self, list: &Node, group: Option<usize>, out: &mut Vec<Step>) -> Result<(), CiError> {
        let items = list.as_seq().ok_or_else(|| {
            let what = if group.is_some() {
                "`parallel`"
            } else {
                "`steps`"
            };
            self.err(
                list.mark,
                format!(
                    "{what} of {} must be a list, found {}",
                    self.owner,
                    list.kind()
                ),
            )
        })?;
        for item in items {
            self.step(item, group, out)?;
        }
        Ok(())
    }

    fn step(&self, item: &Node, group: Option<usize>, out: &mut Vec<Step>) -> Result<(), CiError> {
        if item.as_map().is_none() {
            return Err(self.err(
                item.mark,
                format!(
                    "a step of {} must be a mapping with `run` or `uses`, found {}",
                    self.owner,
                    item.kind()
                ),
            ));
        }
        if let Some(inner) = item.get("parallel") {
            if group.is_some() {
                return Err(self.err(
                    item.mark,
                    "a `parallel` group cannot hold another `parallel` group".into(),
                ));
            }
            return self.list(inner, Some(item.mark.line), out);
        }
        match (item.get("run"), item.get("uses")) {
            (Some(_), Some(uses)) => Err(self.err(
                uses.mark,
                "a step has both `run` and `uses`; GitHub runs a step with one of them".into(),
            )),
            (Some(run), None) => {
                let mut step = Step::new(StepKind::Run(scalar_text(run)), item.mark.line);
                step.parallel = group;
                out.push(step);
                Ok(())
            }
            (None, Some(uses)) => {
                let text = scalar_text(uses);
                let mut step = Step::new(StepKind::Uses(text.clone()), item.mark.line);
                step.version = pinned_version(&text, self.lines, uses.mark);
                step.parallel = group;
                out.push(step);
                Ok(())
            }
            // Only orders the background steps: nothing of its own runs.
            (None, None) if CONTROL.iter().any(|k| item.get(k).is_some()) => Ok(()),
            (None, None) => Err(self.err(
                item.mark,
                "a step needs `run` or `uses` (or `parallel`, `wait`, `wait-all`, `cancel`); \
                 GitHub refuses a step with neither"
                    .into(),
            )),
        }
    }
}

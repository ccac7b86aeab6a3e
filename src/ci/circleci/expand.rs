//! Steps of a CircleCI job, with reusable commands and inline-orb commands expanded in place.

use super::super::yaml::{Mark, Node, Value};
use super::super::{CiError, Step, StepKind};
use super::params::{self, Params};
use super::{Context, MAX_EXPANSION_DEPTH, MAX_STEPS, Orb, Scope};

pub(super) struct Expander<'c, 'a> {
    pub cx: &'c Context<'a>,
    pub out: &'c mut Vec<Step>,
    /// Commands being expanded, outermost first, to detect cycles.
    pub stack: Vec<String>,
}

impl<'a> Expander<'_, 'a> {
    fn push(&mut self, kind: StepKind, mark: Mark) -> Result<(), CiError> {
        if self.out.len() >= MAX_STEPS {
            return Err(self.cx.err(
                mark,
                format!("a job expands to more than {MAX_STEPS} steps; check for runaway command nesting"),
            ));
        }
        let step = Step::new(kind, mark.line);
        self.cx
            .budget
            .charge(1, step.text_len())
            .map_err(self.cx.exhausted(mark))?;
        self.out.push(step);
        Ok(())
    }

    /// A workflow's `pre-steps` or `post-steps` for the job: steps like the job's own.
    pub fn extra(&mut self, list: &Node, key: &str) -> Result<(), CiError> {
        if list.as_seq().is_none() {
            return Err(self.cx.err(
                list.mark,
                format!("`{key}` must be a list of steps, found {}", list.kind()),
            ));
        }
        self.steps(list, &Scope::Top)
    }

    pub fn steps(&mut self, list: &Node, scope: &Scope) -> Result<(), CiError> {
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
    /// The definition a command name refers to from `scope`, and the scope its own steps
    /// resolve in: `orb/command` in an inline orb, a bare name in the inline orb the caller is
    /// in, else in the file's `commands:`. `None` for a built-in or a registry orb's command.
    fn command(&self, name: &str, scope: &Scope) -> (Option<&'a Node>, Scope) {
        if let Some((orb, command)) = name.split_once('/') {
            return match self.cx.orb(orb) {
                Some(Orb::Inline(def)) => (
                    def.get("commands").and_then(|c| c.get(command)),
                    Scope::Orb(orb.to_string()),
                ),
                _ => (None, Scope::Top),
            };
        }
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

    fn named(
        &mut self,
        name: &str,
        args: Option<&Node>,
        mark: Mark,
        scope: &Scope,
    ) -> Result<(), CiError> {
        self.push(StepKind::Uses(name.to_string()), mark)?;
        // A registry orb's command runs the orb version `orbs:` imports: rules with a
        // `version` check it.
        if let Some((orb, _)) = name.split_once('/')
            && let Some(Orb::Registry(reference)) = self.cx.orb(orb)
            && let Some(last) = self.out.last_mut()
        {
            last.version = reference.rsplit_once('@').map(|(_, v)| v.to_string());
        }
        let (Some(definition), inner_scope) = self.command(name, scope) else {
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
        let budget = self.cx.budget;
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

//! The fields of a `[[rule]]` that take more than a type check: the selector, the version
//! constraint and the events. Each kind's own keys are its module's (`src/kind/`).

use std::ops::Range;

use regex::Regex;
use toml_edit::TableLike;

use super::super::{GITHUB_EVENTS, MatchMode, Pattern, RunMatch, Selector};
use super::{Walker, span_of};

impl Walker<'_> {
    /// A rule's selector: `run` (with `match`) or `uses` (with an optional `@version-glob`).
    pub(super) fn selector(&mut self, t: &dyn TableLike, span: &Range<usize>) -> Option<Selector> {
        let run = t.get("run").and_then(|v| self.string(v));
        let uses = t.get("uses").and_then(|v| self.string(v));
        let mode = t.get("match").and_then(|v| self.choice::<MatchMode>(v));
        match (run, uses) {
            (Some(_), Some(_)) => {
                let at = t.get("uses").map(span_of).unwrap_or(span.clone());
                self.error(
                    at,
                    "a rule has exactly one selector: `run` or `uses`, not both",
                );
                None
            }
            (None, None) => {
                self.error(
                    span.clone(),
                    "a rule needs a selector: `run = \"command\"` or `uses = \"name\"`",
                );
                None
            }
            (Some((cmd, cmd_span)), None) => match mode.unwrap_or(MatchMode::Exact) {
                MatchMode::Contains => Some(Selector::Run(RunMatch::Contains(cmd))),
                MatchMode::Regex => match Regex::new(&cmd) {
                    Ok(re) => Some(Selector::Run(RunMatch::Regex(re))),
                    Err(e) => {
                        let detail = e.to_string().lines().last().unwrap_or_default().to_string();
                        self.error(cmd_span, format!("invalid regex: {detail}"));
                        None
                    }
                },
                _ => Some(Selector::Run(RunMatch::Exact(cmd))),
            },
            (None, Some((name, name_span))) => {
                if let Some(m) = t.get("match") {
                    self.error(span_of(m), "`match` applies to `run` selectors only");
                }
                let (base, version) = match name.split_once('@') {
                    Some((b, v)) => (b.to_string(), Some(v.to_string())),
                    None => (name.clone(), None),
                };
                if base.is_empty() {
                    self.error(name_span.clone(), "`uses` needs a step name before `@`");
                }
                let version = match version.map(|v| Pattern::new(&v)) {
                    Some(Err(e)) => {
                        self.error(name_span, format!("invalid version glob: {e}"));
                        return None;
                    }
                    Some(Ok(p)) => Some(p),
                    None => None,
                };
                let name = match Pattern::new(&base) {
                    Ok(p) => p,
                    Err(e) => {
                        self.error(name_span, format!("invalid name glob: {e}"));
                        return None;
                    }
                };
                Some(Selector::Uses { name, version })
            }
        }
    }

    /// A rule's `version` constraint: only on a `uses` selector without an `@version-glob`.
    pub(super) fn version(
        &mut self,
        t: &dyn TableLike,
        selector: Option<&Selector>,
    ) -> Option<super::super::version::Constraint> {
        let item = t.get("version")?;
        let (text, span) = self.string(item)?;
        match selector {
            Some(Selector::Uses { version: None, .. }) => {}
            Some(Selector::Uses { .. }) => {
                self.error(
                    span,
                    "a rule has either `@version-glob` in `uses` or `version`, not both",
                );
                return None;
            }
            Some(Selector::Run(_)) => {
                self.error(span, "`version` applies to `uses` selectors only");
                return None;
            }
            None => return None,
        }
        match super::super::version::Constraint::parse(&text) {
            Ok(c) => Some(c),
            Err(e) => {
                let message = format!(
                    "invalid version range `{text}`: {e}; write e.g. `>=4`, `>=4.1, <6` or `^4`"
                );
                self.error(span, message);
                None
            }
        }
    }

    /// A rule's `events`, each a GitHub event name.
    pub(super) fn events(&mut self, t: &dyn TableLike) -> Vec<String> {
        let mut events = Vec::new();
        for (event, event_span) in t.get("events").map(|v| self.strings(v)).unwrap_or_default() {
            if GITHUB_EVENTS.contains(&event.as_str()) {
                events.push(event);
            } else {
                self.error(
                    event_span,
                    format!(
                        "unknown GitHub event `{event}`; expected an event name such as \
                         `push`, `pull_request` or `workflow_dispatch`"
                    ),
                );
            }
        }
        events
    }
}

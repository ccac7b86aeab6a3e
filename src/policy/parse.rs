//! Read a policy file: parse TOML, then validate every field, collecting *all* errors with
//! file:line:column (the way cargo-deny reports its config), so one run shows everything to fix.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use toml_edit::{Document, Item, TableLike, Value};

mod rule_fields;
mod settings;

use super::names::{closest, is_kebab};
use super::schema;
use super::{
    Check, Date, Exemption, PINNED_RULE, Pattern, Pinned, Pinning, Policy, Rule, Scope, Selector,
    Severity, UnusedJobs, Unverifiable,
};
use crate::choice::Choice;
use crate::ci::CiSystem;
use crate::ci::budget::Limits;

/// The rule `[settings] pinned = "sha"` stands for: every GitHub Actions `uses` step pinned.
fn pinned_rule(pinning: Pinning, allow_unpinned: Vec<Pattern>) -> Rule {
    Rule {
        id: PINNED_RULE.to_string(),
        description: "Actions are pinned to a full commit SHA ([settings] pinned)".to_string(),
        selector: Some(Selector::Uses {
            name: Pattern::new("*").expect("a valid glob"),
            version: None,
        }),
        ci: vec![CiSystem::GithubActions],
        jobs: Vec::new(),
        events: Vec::new(),
        checks: vec![Check::Pin(Pinned {
            pinning,
            allow_unpinned,
        })],
        severity: Severity::Error,
        enforce_from: None,
        fix: None,
        line: 0,
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A policy that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid policy.
    #[error("{}", render(path, diagnostics))]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn render(path: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = format!(
        "invalid policy {path} ({} error{}):",
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    );
    for d in diagnostics {
        out.push_str(&format!(
            "\n  {path}:{}:{}: {}",
            d.line, d.column, d.message
        ));
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Read and validate a policy file.
pub fn load(path: &Path) -> Result<Policy, PolicyError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
        path: shown.clone(),
        source,
    })?;
    parse(&shown, &text)
}

/// Validate policy text; `path` is only used in messages.
pub fn parse(path: &str, text: &str) -> Result<Policy, PolicyError> {
    let mut w = Walker::new(text);
    let policy = match Document::parse(text) {
        Ok(doc) => Some(w.policy(doc.as_table())),
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim().to_string();
            w.error(at..at, format!("invalid TOML: {message}"));
            None
        }
    };
    match policy {
        Some(p) if w.diagnostics.is_empty() => Ok(p),
        _ => {
            w.diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(PolicyError::Invalid {
                path: path.to_string(),
                diagnostics: w.diagnostics,
            })
        }
    }
}

pub(crate) struct Walker<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Walker<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Walker {
            text,
            line_starts,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// How many errors so far, to tell whether a step found one.
    pub(crate) fn error_count(&self) -> usize {
        self.diagnostics.len()
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        self.position(span.start).0
    }

    /// Check a table's keys, reporting unknown ones with what was expected.
    fn known_keys(
        &mut self,
        table: &dyn TableLike,
        what: &str,
        allowed: &[&str],
        fallback: Range<usize>,
    ) {
        for (key, _) in table.iter() {
            if !allowed.contains(&key) {
                let span = table
                    .get_key_value(key)
                    .and_then(|(k, _)| k.span())
                    .unwrap_or_else(|| fallback.clone());
                let hint = closest(key, allowed)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    span,
                    format!(
                        "unknown key `{key}` in {what}{hint}; expected one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn policy(&mut self, root: &toml_edit::Table) -> Policy {
        let whole = 0..0;
        self.known_keys(root, "the policy", schema::TOP, whole.clone());
        let mut settings_pin = None;
        let mut policy = Policy {
            scope: Scope::default(),
            unverifiable_jobs: Unverifiable::Ignore,
            unused_jobs: UnusedJobs::Ignore,
            limits: Limits::DEFAULT,
            resolve_owners: Vec::new(),
            owners: super::OwnersFrom::Codeowners,
            rules: Vec::new(),
            exemptions: Vec::new(),
        };
        if let Some(item) = root.get("scope")
            && let Some(t) = self.table(item, "scope")
        {
            policy.scope = self.scope(t, span_of(item));
        }
        if let Some(item) = root.get("settings")
            && let Some(t) = self.table(item, "settings")
        {
            settings_pin = self.settings(t, span_of(item), &mut policy);
        }
        let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
        if settings_pin.is_some() {
            first_line.insert(PINNED_RULE.to_string(), 0);
        }
        for (table, span) in self.tables(root.get("rule"), "rule") {
            // Duplicates are judged on the id alone, so a rule with other errors still counts.
            if let Some((id, id_item)) = table.get("id").and_then(|i| Some((i.as_str()?, i))) {
                match first_line.get(id) {
                    Some(0) => {
                        let message = format!(
                            "rule id `{id}` is taken by `[settings] pinned`; choose another"
                        );
                        self.error(span_of(id_item), message);
                        continue;
                    }
                    Some(first) => {
                        let message =
                            format!("duplicate rule id `{id}`; first defined on line {first}");
                        self.error(span_of(id_item), message);
                        continue;
                    }
                    None => {
                        first_line.insert(id.to_string(), self.line_of(&span));
                    }
                }
            }
            if let Some(rule) = self.rule(table, span) {
                policy.rules.push(rule);
            }
        }
        if let Some((pinning, allow_unpinned)) = settings_pin {
            policy.rules.push(pinned_rule(pinning, allow_unpinned));
        }
        for (table, span) in self.tables(root.get("exemption"), "exemption") {
            if let Some(ex) = self.exemption(table, span, &first_line) {
                policy.exemptions.push(ex);
            }
        }
        policy
    }

    fn scope(&mut self, t: &dyn TableLike, span: Range<usize>) -> Scope {
        self.known_keys(t, "[scope]", &schema::keys(schema::SCOPE), span);
        let mut scope = Scope::default();
        if let Some(v) = t.get("include") {
            scope.include = self.patterns(v);
        }
        if let Some(v) = t.get("exclude") {
            scope.exclude = self.patterns(v);
        }
        if let Some(v) = t.get("skip-archived") {
            scope.skip_archived = self.boolean(v).unwrap_or(true);
        }
        if let Some(v) = t.get("skip-forks") {
            scope.skip_forks = self.boolean(v).unwrap_or(true);
        }
        if let Some(v) = t.get("require-topics") {
            scope.require_topics = self.strings(v).into_iter().map(|(s, _)| s).collect();
        }
        scope
    }

    fn rule(&mut self, t: &dyn TableLike, span: Range<usize>) -> Option<Rule> {
        self.known_keys(
            t,
            "[[rule]]",
            &schema::keys(&schema::rule_fields()),
            span.clone(),
        );
        let id = self.required_string(t, "id", "[[rule]]", span.clone());
        if let Some((id, id_span)) = &id
            && !is_kebab(id)
        {
            self.error(
                id_span.clone(),
                format!("rule id `{id}` must be kebab-case: lowercase letters, digits and `-`"),
            );
        }
        let description = self.required_string(t, "description", "[[rule]]", span.clone());
        let image = crate::kind::image::parse(self, t, &span);
        let selector = match image {
            Some(_) => None,
            None => Some(self.selector(t, &span)),
        };
        let ci = match t.get("ci") {
            None => CiSystem::ALL.to_vec(),
            Some(v) => self.choices(v, "CI system"),
        };
        let jobs = t.get("jobs").map(|v| self.patterns(v)).unwrap_or_default();
        let events = self.events(t);
        let selected = selector.as_ref().and_then(Option::as_ref);
        let version = self.version(t, selected);
        let checks = match image {
            Some(images) => vec![Check::Image(images)],
            None => crate::kind::step_checks(self, t, &span, selected, version),
        };
        let severity = t.get("severity").and_then(|v| self.choice(v));
        let enforce_from = t
            .get("enforce-from")
            .and_then(|v| self.date(v, "enforce-from"));
        Some(Rule {
            id: id?.0,
            description: description?.0,
            selector: match selector {
                Some(s) => Some(s?),
                None => None,
            },
            ci,
            jobs,
            events,
            checks,
            severity: severity.unwrap_or(Severity::Error),
            enforce_from,
            fix: t
                .get("fix")
                .and_then(|v| self.string(v))
                .map(|(s, _)| s)
                .filter(|s| !s.trim().is_empty()),
            line: self.line_of(&span),
        })
    }

    fn exemption(
        &mut self,
        t: &dyn TableLike,
        span: Range<usize>,
        rules: &BTreeMap<String, usize>,
    ) -> Option<Exemption> {
        self.known_keys(
            t,
            "[[exemption]]",
            &schema::keys(schema::EXEMPTION),
            span.clone(),
        );
        let repositories = match t.get("repositories") {
            Some(v) => self.patterns(v),
            None => {
                self.error(span.clone(), "missing key `repositories` in [[exemption]]: a repository glob or list of globs");
                Vec::new()
            }
        };
        let mut rule_ids = Vec::new();
        if let Some(v) = t.get("rules") {
            for (id, id_span) in self.strings(v) {
                if !rules.contains_key(&id) {
                    self.error(
                        id_span,
                        format!("exemption names rule `{id}`, which the policy does not define"),
                    );
                }
                rule_ids.push(id);
            }
        }
        let reason = self.required_string(t, "reason", "[[exemption]]", span.clone());
        let expires = match t.get("expires") {
            None => None,
            Some(item) => Some(self.date(item, "expires")?),
        };
        Some(Exemption {
            repositories,
            rules: rule_ids,
            reason: reason?.0,
            expires,
            line: self.line_of(&span),
        })
    }

    // --- typed accessors: each reports its own type error and returns None ---------------

    fn table<'i>(&mut self, item: &'i Item, name: &str) -> Option<&'i dyn TableLike> {
        let t = item.as_table_like();
        if t.is_none() {
            self.error(
                span_of(item),
                format!("`{name}` must be a table, found {}", item.type_name()),
            );
        }
        t
    }

    /// `[[name]]` entries (or an inline array of inline tables), with their spans.
    fn tables<'i>(
        &mut self,
        item: Option<&'i Item>,
        name: &str,
    ) -> Vec<(&'i dyn TableLike, Range<usize>)> {
        let Some(item) = item else { return Vec::new() };
        if let Some(aot) = item.as_array_of_tables() {
            return aot
                .iter()
                .map(|t| (t as &dyn TableLike, t.span().unwrap_or(0..0)))
                .collect();
        }
        if let Some(arr) = item.as_array() {
            let mut out = Vec::new();
            for v in arr.iter() {
                match v.as_inline_table() {
                    Some(t) => out.push((t as &dyn TableLike, v.span().unwrap_or(0..0))),
                    None => self.error(
                        v.span().unwrap_or(0..0),
                        format!("each `{name}` must be a table"),
                    ),
                }
            }
            return out;
        }
        self.error(
            span_of(item),
            format!("`{name}` must be written as [[{name}]] tables"),
        );
        Vec::new()
    }

    pub(crate) fn string(&mut self, item: &Item) -> Option<(String, Range<usize>)> {
        match item.as_str() {
            Some(s) => Some((s.to_string(), span_of(item))),
            None => {
                self.error(
                    span_of(item),
                    format!("expected a string, found {}", item.type_name()),
                );
                None
            }
        }
    }

    fn required_string(
        &mut self,
        t: &dyn TableLike,
        key: &str,
        what: &str,
        span: Range<usize>,
    ) -> Option<(String, Range<usize>)> {
        match t.get(key) {
            None => {
                self.error(span, format!("missing key `{key}` in {what}"));
                None
            }
            Some(item) => {
                let (s, s_span) = self.string(item)?;
                if s.trim().is_empty() {
                    self.error(s_span, format!("`{key}` must not be empty"));
                    return None;
                }
                Some((s, s_span))
            }
        }
    }

    pub(crate) fn boolean(&mut self, item: &Item) -> Option<bool> {
        let b = item.as_bool();
        if b.is_none() {
            self.error(
                span_of(item),
                format!("expected true or false, found {}", item.type_name()),
            );
        }
        b
    }

    /// A date, as a TOML date or a string.
    fn date(&mut self, item: &Item, key: &str) -> Option<Date> {
        let text = match item.as_value() {
            Some(Value::Datetime(d)) => Some(d.value().to_string()),
            Some(Value::String(s)) => Some(s.value().clone()),
            _ => None,
        };
        let date = text.as_deref().and_then(Date::parse);
        if date.is_none() {
            self.error(
                span_of(item),
                format!("`{key}` must be a date like 2026-12-31"),
            );
        }
        date
    }

    /// One of an enumerated value's identifiers.
    pub(crate) fn choice<C: Choice>(&mut self, item: &Item) -> Option<C> {
        let (s, span) = self.string(item)?;
        let found = C::from_id(&s);
        if found.is_none() {
            let list: Vec<String> = C::IDS.iter().map(|a| format!("`{a}`")).collect();
            self.error(
                span,
                format!("unknown value `{s}`; expected one of {}", list.join(", ")),
            );
        }
        found
    }

    /// A string or an array of strings, each one of an enumerated value's identifiers;
    /// `what` names the value in errors.
    fn choices<C: Choice>(&mut self, item: &Item, what: &str) -> Vec<C> {
        let mut out = Vec::new();
        for (s, span) in self.strings(item) {
            match C::from_id(&s) {
                Some(c) => out.push(c),
                None => {
                    let message = format!("unknown {what} `{s}`; expected {}", C::expected());
                    self.error(span, message);
                }
            }
        }
        out
    }

    /// A string or an array of strings.
    pub(crate) fn strings(&mut self, item: &Item) -> Vec<(String, Range<usize>)> {
        if let Some(s) = item.as_str() {
            return vec![(s.to_string(), span_of(item))];
        }
        let Some(arr) = item.as_array() else {
            self.error(
                span_of(item),
                format!(
                    "expected a string or an array of strings, found {}",
                    item.type_name()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in arr.iter() {
            let span = v.span().unwrap_or(0..0);
            match v.as_str() {
                Some(s) => out.push((s.to_string(), span)),
                None => self.error(span, format!("expected a string, found {}", v.type_name())),
            }
        }
        out
    }

    pub(crate) fn patterns(&mut self, item: &Item) -> Vec<Pattern> {
        let mut out = Vec::new();
        for (s, span) in self.strings(item) {
            match Pattern::new(&s) {
                Ok(p) => out.push(p),
                Err(e) => self.error(span, format!("invalid glob `{s}`: {e}")),
            }
        }
        out
    }
}

pub(crate) fn span_of(item: &Item) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

//! Edits to a policy file that keep everything else byte for byte (comments, order, blank
//! lines, quoting, inline tables), through `toml_edit`. Every edit is validated before it is
//! written, and written atomically, so the file is never left invalid or half-written.

mod form;

use std::path::Path;

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value, value};

use super::{MatchMode, PolicyError, Severity, parse};
use crate::atomic::write_atomic;
use crate::choice::Choice;
use crate::ci::CiSystem;
use form::Form;

/// Why an edit was refused. The file is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML that can be edited.
    #[error("{0}")]
    Toml(String),
    /// No rule has that id.
    #[error("no rule has id `{0}`; `orgcheck policy list` shows the ids")]
    NoSuchRule(String),
    /// A rule with that id exists already.
    #[error("a rule with id `{0}` exists already; ids are unique (use `orgcheck policy edit {0}`)")]
    Duplicate(String),
    /// Removing the rule would leave exemptions naming it.
    #[error(
        "exemptions name rule `{id}` (the [[exemption]] at line {lines}); pass --prune-exemptions to take the rule out of them (an exemption left with no rule is removed)"
    )]
    NamedByExemptions {
        /// The rule.
        id: String,
        /// Where, for the person deciding.
        lines: String,
    },
    /// No exemption matches.
    #[error("no exemption covers exactly {0}; `orgcheck policy list` shows them")]
    NoSuchExemption(String),
    /// The edit would make the policy invalid.
    #[error("the edit was refused because the policy would be invalid:\n{0}")]
    Invalid(PolicyError),
}

/// What an edit does to one key that may be absent: set it, or remove it (the default then
/// applies). On the command line an empty value (`--fix ''`) removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    /// Set the key to this.
    Set(T),
    /// Remove the key.
    Remove,
}

impl Change<String> {
    /// A flag's text: blank removes the key.
    pub fn from_flag(text: &str) -> Self {
        if text.trim().is_empty() {
            Change::Remove
        } else {
            Change::Set(text.to_string())
        }
    }
}

/// Write a change to `key`, keeping its place and decoration when it is set.
fn change<T>(t: &mut Table, key: &str, c: Option<&Change<T>>, value: impl Fn(&T) -> Value) {
    match c {
        Some(Change::Set(v)) => set(t, key, value(v)),
        Some(Change::Remove) => {
            t.remove(key);
        }
        None => {}
    }
}

/// Values for a rule's fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RuleFields {
    /// New id.
    pub id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// A `run` selector (replaces `uses`).
    pub run: Option<String>,
    /// A `uses` selector (replaces `run` and `match`).
    pub uses: Option<String>,
    /// How `run` compares.
    pub match_mode: Option<MatchMode>,
    /// A `uses` rule's version constraint.
    pub version: Option<Change<String>>,
    /// CI systems; removing the key means both systems.
    pub ci: Option<Change<Vec<CiSystem>>>,
    /// Job globs; removing the key means every job.
    pub jobs: Option<Change<Vec<String>>>,
    /// GitHub events; removing the key means every workflow.
    pub events: Option<Change<Vec<String>>>,
    /// How much findings matter.
    pub severity: Option<Severity>,
    /// `YYYY-MM-DD`.
    pub enforce_from: Option<Change<String>>,
    /// How to fix a finding.
    pub fix: Option<Change<String>>,
    /// Each kind's keys (`src/kind/`).
    pub kinds: crate::kind::Flags,
}

/// One change to a policy.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Add a rule (`id`, `description` and a selector are required).
    AddRule(RuleFields),
    /// Change fields of the rule with this id.
    EditRule(String, RuleFields),
    /// Remove a rule; with `prune`, take it out of exemptions too.
    RemoveRule {
        /// The rule.
        id: String,
        /// Also edit the exemptions that name it.
        prune: bool,
    },
    /// Add an exemption.
    Exempt {
        /// Repository globs.
        repositories: Vec<String>,
        /// Rule ids (empty: every rule).
        rules: Vec<String>,
        /// Why.
        reason: String,
        /// `YYYY-MM-DD`.
        expires: Option<String>,
    },
    /// Remove the exemptions with exactly these repositories (and rules, when given).
    Unexempt {
        /// Repository globs, as in the exemption.
        repositories: Vec<String>,
        /// Rule ids, as in the exemption; `None` matches any.
        rules: Option<Vec<String>>,
    },
}

/// Apply an edit to policy text and validate the result; `path` is for messages. The result
/// keeps the text's byte-order mark and line ending.
pub fn apply(path: &str, text: &str, edit: &Edit) -> Result<String, EditError> {
    let form = Form::of(text);
    let plain = Form::plain(text);
    let out = apply_plain(path, &plain, edit)?;
    Ok(form.restore(&out))
}

fn apply_plain(path: &str, text: &str, edit: &Edit) -> Result<String, EditError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Toml(format!("{path}: {e}")))?;
    refuse_inline_arrays(path, &doc)?;
    match edit {
        Edit::AddRule(fields) => add_rule(&mut doc, fields)?,
        Edit::EditRule(id, fields) => edit_rule(&mut doc, id, fields)?,
        Edit::RemoveRule { id, prune } => remove_rule(&mut doc, text, id, *prune)?,
        Edit::Exempt {
            repositories,
            rules,
            reason,
            expires,
        } => exempt(&mut doc, repositories, rules, reason, expires.as_deref())?,
        Edit::Unexempt {
            repositories,
            rules,
        } => unexempt(&mut doc, repositories, rules.as_deref())?,
    }
    let out = doc.to_string();
    parse(path, &out).map_err(EditError::Invalid)?;
    Ok(out)
}

/// The parser also accepts `rule = [{ … }]`; the editor keeps only `[[rule]]` tables in
/// place, so it refuses the inline form rather than edit around it (and lose rules).
fn refuse_inline_arrays(path: &str, doc: &DocumentMut) -> Result<(), EditError> {
    for key in ["rule", "exemption"] {
        if let Some(item) = doc.get(key)
            && !item.is_array_of_tables()
        {
            return Err(EditError::Toml(format!(
                "{path}: `{key}` is written inline (`{key} = [{{ … }}]`); `orgcheck policy` edits \
                 only `[[{key}]]` tables, so rewrite each entry as a `[[{key}]]` table first (the \
                 file is unchanged)"
            )));
        }
    }
    Ok(())
}

/// Apply an edit to a file: read, edit, validate, write atomically.
pub fn edit_file(path: &Path, edit: &Edit) -> Result<(), EditError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EditError::Io {
        path: shown.clone(),
        source,
    })?;
    let out = apply(&shown, &text, edit)?;
    write_atomic(path, out.as_bytes()).map_err(|source| EditError::Io {
        path: shown,
        source,
    })
}

pub(crate) fn strings(items: &[String]) -> Value {
    let mut a = Array::new();
    for s in items {
        a.push(s.as_str());
    }
    Value::Array(a)
}

/// Set a key, keeping the key's place and its surrounding whitespace and comments.
pub(crate) fn set(table: &mut Table, key: &str, new: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = new;
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, value(new));
        }
    }
}

fn rules_mut(doc: &mut DocumentMut) -> Option<&mut ArrayOfTables> {
    doc.get_mut("rule").and_then(Item::as_array_of_tables_mut)
}

fn find_rule<'d>(doc: &'d mut DocumentMut, id: &str) -> Option<&'d mut Table> {
    rules_mut(doc)?
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(id))
}

fn apply_fields(t: &mut Table, f: &RuleFields) {
    if let Some(v) = &f.id {
        set(t, "id", v.as_str().into());
    }
    if let Some(v) = &f.description {
        set(t, "description", v.as_str().into());
    }
    f.kinds.apply_subject(t);
    if f.run.is_some() || f.uses.is_some() {
        crate::kind::image::remove(t);
    }
    if let Some(v) = &f.run {
        t.remove("uses");
        set(t, "run", v.as_str().into());
    }
    if let Some(v) = &f.uses {
        t.remove("run");
        t.remove("match");
        set(t, "uses", v.as_str().into());
    }
    if let Some(v) = f.match_mode {
        set(t, "match", v.id().into());
    }
    change(t, "version", f.version.as_ref(), |v| v.as_str().into());
    change(t, "ci", f.ci.as_ref(), |l| {
        strings(&l.iter().map(|c| c.id().to_string()).collect::<Vec<_>>())
    });
    change(t, "jobs", f.jobs.as_ref(), |l| strings(l));
    change(t, "events", f.events.as_ref(), |l| strings(l));
    f.kinds.apply(t);
    if let Some(v) = f.severity {
        set(t, "severity", v.id().into());
    }
    // A TOML date when it reads as one; otherwise the text, which validation then refuses
    // with its position.
    change(
        t,
        "enforce-from",
        f.enforce_from.as_ref(),
        |v| match v.parse::<toml_edit::Datetime>() {
            Ok(d) => d.into(),
            Err(_) => v.as_str().into(),
        },
    );
    change(t, "fix", f.fix.as_ref(), |v| v.as_str().into());
}

/// Insert a table into `key`'s array of tables, right after its last entry, so a new rule
/// lands with the rules and not after the exemptions.
fn insert_after_last(doc: &mut DocumentMut, key: &str, mut table: Table) {
    table.decor_mut().set_prefix("\n");
    let last = doc
        .get(key)
        .and_then(Item::as_array_of_tables)
        .and_then(|a| a.iter().filter_map(Table::position).max());
    if let Some(last) = last {
        // Make room: everything placed after the last entry moves one down.
        for (_, item) in doc.as_table_mut().iter_mut() {
            match item {
                Item::Table(t) => bump(t, last),
                Item::ArrayOfTables(a) => a.iter_mut().for_each(|t| bump(t, last)),
                _ => {}
            }
        }
        table.set_position(Some(last + 1));
    }
    match doc.get_mut(key).and_then(Item::as_array_of_tables_mut) {
        Some(a) => a.push(table),
        None => {
            let mut a = ArrayOfTables::new();
            a.push(table);
            doc.insert(key, Item::ArrayOfTables(a));
        }
    }
}

fn bump(t: &mut Table, after: isize) {
    if let Some(p) = t.position()
        && p > after
    {
        t.set_position(Some(p + 1));
    }
}

fn add_rule(doc: &mut DocumentMut, f: &RuleFields) -> Result<(), EditError> {
    let id = f.id.clone().unwrap_or_default();
    if find_rule(doc, &id).is_some() {
        return Err(EditError::Duplicate(id));
    }
    let mut t = Table::new();
    // Key order as in the example policy: id, description, selector, then the rest.
    apply_fields(
        &mut t,
        &RuleFields {
            ci: None,
            jobs: None,
            events: None,
            severity: None,
            enforce_from: None,
            fix: None,
            kinds: f.kinds.subject(),
            ..f.clone()
        },
    );
    apply_fields(
        &mut t,
        &RuleFields {
            ci: f.ci.clone(),
            jobs: f.jobs.clone(),
            events: f.events.clone(),
            severity: f.severity,
            enforce_from: f.enforce_from.clone(),
            fix: f.fix.clone(),
            kinds: f.kinds.rest(),
            ..RuleFields::default()
        },
    );
    insert_after_last(doc, "rule", t);
    Ok(())
}

fn edit_rule(doc: &mut DocumentMut, id: &str, f: &RuleFields) -> Result<(), EditError> {
    if let Some(new) = &f.id
        && new != id
        && find_rule(doc, new).is_some()
    {
        return Err(EditError::Duplicate(new.clone()));
    }
    let t = find_rule(doc, id).ok_or_else(|| EditError::NoSuchRule(id.to_string()))?;
    apply_fields(t, f);
    // A renamed rule keeps its exemptions.
    if let Some(new) = &f.id
        && new != id
    {
        for ex in exemptions_mut(doc) {
            if let Some(rules) = ex.get_mut("rules").and_then(Item::as_value_mut) {
                rename_in(rules, id, new);
            }
        }
    }
    Ok(())
}

fn rename_in(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.value() == from => {
            let decor = s.decor().clone();
            *v = to.into();
            *v.decor_mut() = decor;
        }
        Value::Array(a) => {
            for item in a.iter_mut() {
                rename_in(item, from, to);
            }
        }
        _ => {}
    }
}

fn exemptions_mut(doc: &mut DocumentMut) -> Vec<&mut Table> {
    doc.get_mut("exemption")
        .and_then(Item::as_array_of_tables_mut)
        .map(|a| a.iter_mut().collect())
        .unwrap_or_default()
}

fn names(t: &Table, key: &str) -> Vec<String> {
    match t.get(key) {
        Some(item) if item.as_str().is_some() => {
            vec![item.as_str().unwrap_or_default().to_string()]
        }
        Some(item) => item
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

fn remove_rule(doc: &mut DocumentMut, text: &str, id: &str, prune: bool) -> Result<(), EditError> {
    let index = doc
        .get("rule")
        .and_then(Item::as_array_of_tables)
        .and_then(|a| {
            a.iter()
                .position(|t| t.get("id").and_then(Item::as_str) == Some(id))
        })
        .ok_or_else(|| EditError::NoSuchRule(id.to_string()))?;
    let naming: Vec<usize> = doc
        .get("exemption")
        .and_then(Item::as_array_of_tables)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter(|(_, t)| names(t, "rules").iter().any(|r| r == id))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    if !naming.is_empty() && !prune {
        return Err(EditError::NamedByExemptions {
            id: id.to_string(),
            lines: exemption_lines(text, &naming),
        });
    }
    if let Some(rules) = rules_mut(doc) {
        rules.remove(index);
    }
    if let Some(exemptions) = doc
        .get_mut("exemption")
        .and_then(Item::as_array_of_tables_mut)
    {
        for t in exemptions.iter_mut() {
            if let Some(v) = t.get_mut("rules").and_then(Item::as_value_mut)
                && let Value::Array(a) = v
            {
                a.retain(|item| item.as_str() != Some(id));
                // The new first element should not keep the space that followed a comma.
                if let Some(first) = a.get_mut(0) {
                    let blank = first
                        .decor()
                        .prefix()
                        .and_then(|p| p.as_str())
                        .is_some_and(|p| p.trim().is_empty());
                    if blank {
                        first.decor_mut().set_prefix("");
                    }
                }
            }
        }
        // An exemption left with no rule would excuse every rule: remove it instead.
        exemptions.retain(|t| match t.get("rules") {
            None => true,
            Some(item) => !names(t, "rules").is_empty() && item.as_str() != Some(id),
        });
    }
    Ok(())
}

/// Lines of the `[[exemption]]` headers with these indices, for messages.
fn exemption_lines(text: &str, indices: &[usize]) -> String {
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[exemption]]"))
        .map(|(i, _)| i + 1)
        .collect();
    indices
        .iter()
        .filter_map(|i| headers.get(*i))
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn exempt(
    doc: &mut DocumentMut,
    repositories: &[String],
    rules: &[String],
    reason: &str,
    expires: Option<&str>,
) -> Result<(), EditError> {
    let mut t = Table::new();
    t.insert("repositories", value(strings(repositories)));
    if !rules.is_empty() {
        t.insert("rules", value(strings(rules)));
    }
    t.insert("reason", value(reason));
    if let Some(date) = expires {
        let parsed: toml_edit::Datetime = date
            .parse()
            .ok()
            .filter(|_| super::Date::parse(date).is_some())
            .ok_or_else(|| {
                EditError::Toml(format!(
                    "--expires `{date}`: expected a date like 2026-12-31"
                ))
            })?;
        t.insert("expires", value(parsed));
    }
    insert_after_last(doc, "exemption", t);
    Ok(())
}

fn unexempt(
    doc: &mut DocumentMut,
    repositories: &[String],
    rules: Option<&[String]>,
) -> Result<(), EditError> {
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let want_repos = sorted(repositories.to_vec());
    let want_rules = rules.map(|r| sorted(r.to_vec()));
    let Some(exemptions) = doc
        .get_mut("exemption")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Err(EditError::NoSuchExemption(want_repos.join(", ")));
    };
    let before = exemptions.len();
    exemptions.retain(|t| {
        let same_repos = sorted(names(t, "repositories")) == want_repos;
        let same_rules = want_rules
            .as_ref()
            .is_none_or(|w| &sorted(names(t, "rules")) == w);
        !(same_repos && same_rules)
    });
    if exemptions.len() == before {
        return Err(EditError::NoSuchExemption(want_repos.join(", ")));
    }
    Ok(())
}

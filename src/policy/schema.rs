//! The policy file's fields, declared once: the parser checks keys against these lists and
//! `orgcheck policy schema` (and the shipped `policy.schema.json`) is generated from them, so
//! editors and orgcheck agree on what a policy may contain.

use super::{MatchMode, Pinning, Severity, UnusedJobs, Unverifiable};
use crate::choice::Choice;
use crate::ci::CiSystem;
use crate::ci::budget::Limits;
use serde_json::{Map, Value, json};

/// A field's type.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string.
    Str,
    /// A kebab-case identifier.
    Id,
    /// true or false, with its default.
    Bool(bool),
    /// One of these strings; the first is the default.
    Enum(&'static [&'static str]),
    /// A string or an array of strings.
    Strings,
    /// Like `Strings`, each one of these values.
    EnumStrings(&'static [&'static str]),
    /// A date, `YYYY-MM-DD` (a TOML date or a string).
    Date,
    /// A whole number of at least 1, with its default.
    Count(usize),
}

/// One key of a table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub key: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether it must be present.
    pub required: bool,
    /// What it means (the schema's description).
    pub doc: &'static str,
}

pub(crate) const fn f(key: &'static str, kind: Kind, required: bool, doc: &'static str) -> Field {
    Field {
        key,
        kind,
        required,
        doc,
    }
}

/// `[scope]`.
pub const SCOPE: &[Field] = &[
    f(
        "include",
        Kind::Strings,
        false,
        "Repository-name globs to scan (`*`, `?`, `[ab]`, `{a,b}`). Absent or empty: every repository.",
    ),
    f(
        "exclude",
        Kind::Strings,
        false,
        "Repository-name globs to leave out, applied after `include`.",
    ),
    f(
        "skip-archived",
        Kind::Bool(true),
        false,
        "Leave archived repositories out.",
    ),
    f("skip-forks", Kind::Bool(true), false, "Leave forks out."),
    f(
        "require-topics",
        Kind::Strings,
        false,
        "A repository must carry all of these topics to be scanned.",
    ),
];

/// `[settings]`.
pub const SETTINGS: &[Field] = &[
    f(
        "unverifiable-jobs",
        Kind::Enum(Unverifiable::IDS),
        false,
        "Orb jobs and workflows from other repositories run steps orgcheck cannot see: `ignore` lists them as not verifiable, `fail` counts them as missing every rule.",
    ),
    f(
        "pinned",
        Kind::Enum(Pinning::IDS),
        false,
        "`sha`: every GitHub Actions `uses` step must be pinned to a full commit SHA (reported as the rule `pinned-actions`, which exemptions can name).",
    ),
    crate::kind::pinned::ALLOW_UNPINNED,
    f(
        "owners",
        Kind::Str,
        false,
        "Where each repository's owners come from, for the report's By owner table and `scan --owner`: `codeowners` (the default: the owners CODEOWNERS gives the repository's CI files, the last matching pattern winning, as on GitHub) or `property:NAME` (the organization's custom repository property NAME).",
    ),
    f(
        "resolve-owners",
        Kind::Strings,
        false,
        "Accounts besides the scanned organization whose shared workflows (`OWNER/REPO/.github/workflows/FILE@REF`) and actions (`OWNER/REPO@REF`) are read and judged as part of each caller's jobs. Calls to any other owner stay steps, or not-verifiable jobs.",
    ),
    f(
        "unused-jobs",
        Kind::Enum(UnusedJobs::IDS),
        false,
        "Jobs that never run (no workflow lists them, or `if: false`): `ignore` lists them as not run, `judge` judges them like jobs that run.",
    ),
    f(
        "max-repository-nodes",
        Kind::Count(Limits::DEFAULT.nodes),
        false,
        "Most YAML nodes, jobs and steps one repository's CI may expand to (aliases, parameters, commands, composite actions and copies counted together); a repository past it is an error.",
    ),
    f(
        "max-repository-mib",
        Kind::Count(Limits::DEFAULT.bytes >> 20),
        false,
        "Most text, in MiB, one repository's CI may expand to (a scalar reached through k aliases counts k times); a repository past it is an error.",
    ),
];

/// `[[rule]]`.
pub const RULE: &[Field] = &[
    f(
        "id",
        Kind::Id,
        true,
        "Stable kebab-case identifier, used by reports and exemptions.",
    ),
    f(
        "description",
        Kind::Str,
        true,
        "What the step is for, shown in reports.",
    ),
    f(
        "run",
        Kind::Str,
        false,
        "Selector: a `run` command. Exactly one of `run` and `uses`.",
    ),
    f(
        "uses",
        Kind::Str,
        false,
        "Selector: a named step (CircleCI built-in, command or orb command; GitHub action), optionally `name@version-glob`. Exactly one of `run` and `uses`.",
    ),
    f(
        "match",
        Kind::Enum(MatchMode::IDS),
        false,
        "How `run` compares: `exact` after trimming whitespace, `contains`, or `regex` (anywhere in the command).",
    ),
    f(
        "ci",
        Kind::EnumStrings(CiSystem::IDS),
        false,
        "CI systems the rule applies to. Default: both.",
    ),
    f(
        "jobs",
        Kind::Strings,
        false,
        "Job-name globs the rule applies to, matched against the job's name in its workflow and its definition's name. Default: every job.",
    ),
    f(
        "events",
        Kind::EnumStrings(super::GITHUB_EVENTS),
        false,
        "GitHub events (`push`, `pull_request`, …) the rule applies to: a GitHub Actions job is covered when its workflow is triggered by one of them. CircleCI jobs are not filtered. Default: every workflow.",
    ),
    f(
        "version",
        Kind::Str,
        false,
        "For a `uses` selector: the versions a matching step may run, e.g. `>=4`, `>=4.1, <6`, `^4`. Refs like `v4` and `4.1.1` are versions (missing parts are 0); a full SHA takes its version from the trailing comment (`# v4.1.1`); a CircleCI orb step, from the orb version `orbs:` imports; branches are never accepted. The job must run a matching step at an accepted version.",
    ),
    f(
        "severity",
        Kind::Enum(Severity::IDS),
        false,
        "`error`: a finding makes the repository non-compliant and the run fail. `warning`: findings are reported and counted, never failing.",
    ),
    f(
        "enforce-from",
        Kind::Date,
        false,
        "Until this day (YYYY-MM-DD) the rule's findings are warnings; from it, `severity` applies. The issue announces rules enforced within 30 days, with who would fail.",
    ),
    f(
        "fix",
        Kind::Str,
        false,
        "How to fix a finding, shown in the report beside each job that fails the rule, e.g. \"add `uses: acme/scan@v2`; see https://wiki.example/scan\". Text in backticks shows as code. Without it, the report words a fix from the selector.",
    ),
];

/// `[[exemption]]`.
pub const EXEMPTION: &[Field] = &[
    f(
        "repositories",
        Kind::Strings,
        true,
        "Repository-name globs the exemption covers.",
    ),
    f(
        "rules",
        Kind::Strings,
        false,
        "Rule ids the repositories are excused from. Absent: every rule.",
    ),
    f("reason", Kind::Str, true, "Why, shown in reports."),
    f(
        "expires",
        Kind::Date,
        false,
        "Last day the exemption applies (YYYY-MM-DD); after it the report says it expired.",
    ),
];

/// Top-level keys.
pub const TOP: &[&str] = &["scope", "settings", "rule", "exemption"];

/// Every `[[rule]]` key: the shared ones, then each kind's (`src/kind/`).
pub fn rule_fields() -> Vec<Field> {
    RULE.iter()
        .chain(crate::kind::KEYS.iter().copied().flatten())
        .copied()
        .collect()
}

/// The keys of a table's fields.
pub fn keys(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.key).collect()
}

fn field_schema(field: &Field) -> Value {
    let strings = json!({ "oneOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": "string" } }
    ] });
    let mut s = match field.kind {
        Kind::Str => json!({ "type": "string", "minLength": 1 }),
        Kind::Id => json!({ "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$" }),
        Kind::Bool(default) => json!({ "type": "boolean", "default": default }),
        Kind::Enum(values) => json!({ "type": "string", "enum": values, "default": values[0] }),
        Kind::Strings => strings,
        Kind::EnumStrings(values) => json!({ "oneOf": [
            { "type": "string", "enum": values },
            { "type": "array", "items": { "type": "string", "enum": values } }
        ] }),
        Kind::Date => json!({ "type": "string", "format": "date" }),
        Kind::Count(default) => json!({ "type": "integer", "minimum": 1, "default": default }),
    };
    s["description"] = json!(field.doc);
    s
}

fn table_schema(fields: &[Field], description: &str) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.key.to_string(), field_schema(f)))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect();
    let mut s = json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "properties": properties,
    });
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    s
}

/// The JSON Schema of a policy file (draft-07), for Taplo and Even Better TOML.
pub fn json_schema() -> Value {
    let mut rule = table_schema(
        &rule_fields(),
        "A rule: a step every job must run, must not run or must pin, or the images jobs may run.",
    );
    rule["oneOf"] = json!([
        { "required": ["run"] },
        { "required": ["uses"] },
        { "required": ["image"] }
    ]);
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/orgcheck/orgcheck/blob/main/policy.schema.json",
        "title": "orgcheck policy",
        "description": "The CI steps every job in an organization must run. See policy.example.toml.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "scope": table_schema(SCOPE, "Which repositories are scanned."),
            "settings": table_schema(SETTINGS, "How to treat what orgcheck cannot see."),
            "rule": { "type": "array", "description": "Rules: steps every job must run, or must not run.", "items": rule },
            "exemption": { "type": "array", "description": "Repositories excused from rules, until a date.", "items": table_schema(EXEMPTION, "An exemption.") }
        }
    })
}

/// The schema as the file ships it.
pub fn json_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).expect("serializes");
    s.push('\n');
    s
}

//! What a policy change changes, rule by rule: the review half of a policy pull request.

use serde::Serialize;

use super::{Exemption, Policy, Rule};
use crate::choice::Choice;

/// Differences between two policies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyDiff {
    /// Rules only in the new policy (`id: selector`).
    pub added: Vec<String>,
    /// Rules only in the old policy.
    pub removed: Vec<String>,
    /// Rules in both whose fields differ.
    pub changed: Vec<RuleChange>,
    /// Exemptions only in the new policy.
    pub exemptions_added: Vec<String>,
    /// Exemptions only in the old policy.
    pub exemptions_removed: Vec<String>,
    /// `[scope]` and `[settings]` fields that differ.
    pub settings_changed: Vec<FieldChange>,
}

impl PolicyDiff {
    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.exemptions_added.is_empty()
            && self.exemptions_removed.is_empty()
            && self.settings_changed.is_empty()
    }
}

/// One rule's changed fields.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    /// The rule.
    pub id: String,
    /// What changed.
    pub fields: Vec<FieldChange>,
}

/// One field, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// The key.
    pub field: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
}

fn rule_fields(r: &Rule) -> Vec<(&'static str, String)> {
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "(all)".to_string()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("description", r.description.clone()),
        ("selector", r.selector_text()),
        (
            "version",
            r.version().map_or("(any)".into(), |c| c.text.clone()),
        ),
        (
            "ci",
            list(r.ci.iter().map(|c| c.id().to_string()).collect()),
        ),
        (
            "jobs",
            list(r.jobs.iter().map(|p| p.text.clone()).collect()),
        ),
        ("events", list(r.events.clone())),
        ("severity", r.severity.id().to_string()),
        (
            "enforce-from",
            r.enforce_from.map_or("(now)".into(), |d| d.to_string()),
        ),
    ]
    .into_iter()
    .chain(crate::kind::diff_fields(r))
    .chain([(
        "fix",
        r.fix
            .clone()
            .unwrap_or_else(|| "(worded from the step)".into()),
    )])
    .collect()
}

fn exemption_text(e: &Exemption) -> String {
    let repos: Vec<&str> = e.repositories.iter().map(|p| p.text.as_str()).collect();
    let rules = if e.rules.is_empty() {
        "every rule".to_string()
    } else {
        e.rules.join(", ")
    };
    let until = e
        .expires
        .map(|d| format!(", until {d}"))
        .unwrap_or_default();
    format!("{} from {rules} ({}{until})", repos.join(", "), e.reason)
}

/// Compare two policies.
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    let mut d = PolicyDiff::default();
    for r in &new.rules {
        match old.rules.iter().find(|o| o.id == r.id) {
            None => d.added.push(format!("{}: {}", r.id, r.selector_text())),
            Some(o) => {
                let fields = changed(rule_fields(o), rule_fields(r));
                if !fields.is_empty() {
                    d.changed.push(RuleChange {
                        id: r.id.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for o in &old.rules {
        if !new.rules.iter().any(|r| r.id == o.id) {
            d.removed.push(format!("{}: {}", o.id, o.selector_text()));
        }
    }
    let old_ex: Vec<String> = old.exemptions.iter().map(exemption_text).collect();
    let new_ex: Vec<String> = new.exemptions.iter().map(exemption_text).collect();
    d.exemptions_added = new_ex
        .iter()
        .filter(|e| !old_ex.contains(e))
        .cloned()
        .collect();
    d.exemptions_removed = old_ex
        .iter()
        .filter(|e| !new_ex.contains(e))
        .cloned()
        .collect();
    let settings = |p: &Policy| {
        let globs = |v: &[super::Pattern]| {
            v.iter()
                .map(|p| p.text.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        vec![
            ("scope.include", globs(&p.scope.include)),
            ("scope.exclude", globs(&p.scope.exclude)),
            ("scope.skip-archived", p.scope.skip_archived.to_string()),
            ("scope.skip-forks", p.scope.skip_forks.to_string()),
            ("scope.require-topics", p.scope.require_topics.join(", ")),
            (
                "settings.unverifiable-jobs",
                p.unverifiable_jobs.id().to_string(),
            ),
            ("settings.unused-jobs", p.unused_jobs.id().to_string()),
            ("settings.resolve-owners", p.resolve_owners.join(", ")),
            ("settings.owners", p.owners.text()),
        ]
    };
    d.settings_changed = changed(settings(old), settings(new));
    d
}

/// The fields whose values differ, given the same fields in the same order before and after.
fn changed(old: Vec<(&str, String)>, new: Vec<(&str, String)>) -> Vec<FieldChange> {
    old.into_iter()
        .zip(new)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldChange {
            field: field.into(),
            old: a,
            new: b,
        })
        .collect()
}

//! The failing index: every failing repository named, grouped by its first owner when
//! owners are known, else by the rules it fails; errors first.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::finding::Severity;
use super::super::gfm::inert;
use super::super::{Report, Status};

/// Failing repositories that fail the same rules, or that have the same first owner.
#[derive(Serialize)]
pub(super) struct GroupView {
    /// Markdown: the rules, or "could not be checked".
    label: String,
    count: usize,
    names: Vec<String>,
}

/// Every failing repository, grouped by the rules it fails (errors first, then the largest
/// groups); at most `cap` names in all.
pub(super) fn index(
    report: &Report,
    cap: usize,
    name: &dyn Fn(&str) -> String,
) -> (Vec<GroupView>, usize, usize) {
    let position = |id: &str| {
        report
            .rules
            .iter()
            .position(|r| r.id == id)
            .unwrap_or(usize::MAX)
    };
    if by_owner(report) {
        return owner_index(report, cap, name);
    }
    let mut groups: BTreeMap<Vec<usize>, Vec<&str>> = BTreeMap::new();
    let mut errored = Vec::new();
    for r in &report.repositories {
        match r.status {
            Status::Error => errored.push(r.name.as_str()),
            Status::NonCompliant => {
                let mut rules: Vec<usize> = r
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| position(&f.rule))
                    .collect();
                rules.sort_unstable();
                rules.dedup();
                groups.entry(rules).or_default().push(&r.name);
            }
            _ => {}
        }
    }
    let mut ordered: Vec<(String, Vec<&str>)> = Vec::new();
    if !errored.is_empty() {
        ordered.push(("⚠️ could not be checked".into(), errored));
    }
    let mut by_size: Vec<_> = groups.into_iter().collect();
    by_size.sort_by_key(|(_, names)| std::cmp::Reverse(names.len()));
    for (rules, names) in by_size {
        let label = rules
            .iter()
            .filter_map(|&i| report.rules.get(i))
            .map(|r| format!("**{}**", inert(&r.id)))
            .collect::<Vec<_>>()
            .join(" · ");
        ordered.push((format!("❌ {label}"), names));
    }
    named(ordered, cap, name)
}

/// Whether the index groups by owner: when any failing repository has owners.
pub(super) fn by_owner(report: &Report) -> bool {
    report
        .repositories
        .iter()
        .any(|r| r.status.is_failing() && !r.owners.is_empty())
}

/// The index by first owner: errors first, then the owners with most failing repositories.
fn owner_index(
    report: &Report,
    cap: usize,
    name: &dyn Fn(&str) -> String,
) -> (Vec<GroupView>, usize, usize) {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut errored = Vec::new();
    for r in &report.repositories {
        match r.status {
            Status::Error => errored.push(r.name.as_str()),
            Status::NonCompliant => {
                let owner = r.owners.first().map_or("", String::as_str);
                groups.entry(owner).or_default().push(&r.name);
            }
            _ => {}
        }
    }
    let mut ordered: Vec<(String, Vec<&str>)> = Vec::new();
    if !errored.is_empty() {
        ordered.push(("⚠️ could not be checked".into(), errored));
    }
    let mut by_size: Vec<_> = groups.into_iter().collect();
    by_size.sort_by_key(|(_, names)| std::cmp::Reverse(names.len()));
    for (owner, names) in by_size {
        let label = match owner {
            "" => "❌ no owner".to_string(),
            owner => format!("❌ **{}**", inert(owner)),
        };
        ordered.push((label, names));
    }
    named(ordered, cap, name)
}

/// The groups with at most `cap` names in all; with the total and how many were not named.
fn named(
    ordered: Vec<(String, Vec<&str>)>,
    cap: usize,
    name: &dyn Fn(&str) -> String,
) -> (Vec<GroupView>, usize, usize) {
    let total = ordered.iter().map(|(_, n)| n.len()).sum();
    let mut left = cap;
    let views = ordered
        .into_iter()
        .map(|(label, names)| {
            let count = names.len();
            let take = count.min(left);
            left -= take;
            GroupView {
                label,
                count,
                names: names[..take].iter().map(|n| name(n)).collect(),
            }
        })
        .collect();
    (views, total, total.saturating_sub(cap))
}

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

/// How the index writes names and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Style {
    /// At most this many names in all.
    pub cap: usize,
    /// The last resort before names are cut: one list instead of a group per set of rules,
    /// and names that share a stem written once as `stem-{a,b,c}` (brace expansion, as shells
    /// read it).
    pub compact: bool,
}

/// Every failing repository, grouped by the rules it fails (errors first, then the largest
/// groups); at most `style.cap` names in all. A group is shown only with its names: past the
/// cap, the groups left are counted in what was not named.
pub(super) fn index(
    report: &Report,
    style: Style,
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
        return owner_index(report, style, name);
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
    // Compact: the rules' labels go before any name does, so one list whose names share
    // stems (each repository's rules are in the full report).
    if style.compact {
        let mut all: Vec<&str> = groups.into_values().flatten().collect();
        all.sort_unstable();
        if !all.is_empty() {
            ordered.push(("❌ non-compliant".into(), all));
        }
        return named(ordered, style, name);
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
    named(ordered, style, name)
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
    style: Style,
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
    named(ordered, style, name)
}

/// The groups with at most `style.cap` names in all, each with its names (a group past the
/// cap is left out, not shown as a bare count); with the total and how many were not named.
fn named(
    ordered: Vec<(String, Vec<&str>)>,
    style: Style,
    name: &dyn Fn(&str) -> String,
) -> (Vec<GroupView>, usize, usize) {
    let total = ordered.iter().map(|(_, n)| n.len()).sum();
    let mut left = style.cap;
    let views = ordered
        .into_iter()
        .filter_map(|(label, mut names)| {
            let count = names.len();
            let take = count.min(left);
            left -= take;
            if take == 0 {
                return None;
            }
            names.truncate(take);
            let names = match style.compact {
                true => compact(&names),
                false => names.iter().map(|n| name(n)).collect(),
            };
            Some(GroupView {
                label,
                count,
                names,
            })
        })
        .collect();
    (views, total, total.saturating_sub(style.cap))
}

/// A name up to its last `-`, `_` or `.`, that included; empty when it has none.
fn stem(n: &str) -> &str {
    n.rfind(['-', '_', '.']).map_or("", |i| &n[..=i])
}

/// Names that share a stem (up to their last `-`, `_` or `.`) written once:
/// `billing-api-{0012,0456}`; a name alone as it is. Plain text, never linked.
fn compact(names: &[&str]) -> Vec<String> {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let s = stem(sorted[i]);
        let run = sorted[i..]
            .iter()
            .take_while(|n| !s.is_empty() && stem(n) == s)
            .count()
            .max(1);
        if run == 1 {
            out.push(inert(sorted[i]));
        } else {
            let tails: Vec<String> = sorted[i..i + run]
                .iter()
                .map(|n| inert(&n[s.len()..]))
                .collect();
            out.push(format!("{}{{{}}}", inert(s), tails.join(",")));
        }
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn names_that_share_a_stem_are_written_once() {
        let names = ["web-b", "api", "web-a", "ml_x", "ml_y", "solo-1"];
        assert_eq!(
            compact(&names),
            ["api", "ml\\_{x,y}", "solo-1", "web-{a,b}"]
        );
    }
}

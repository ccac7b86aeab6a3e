//! The By owner table: for each owner, how many of its repositories fail and how many could
//! not be checked, so a platform lead knows whom to ask.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::gfm::inert;
use super::super::{Report, Status};

/// Most owners the table shows; the rest are counted.
const MAX_OWNERS: usize = 25;

/// One owner's row.
#[derive(Serialize)]
pub(super) struct ByOwnerView {
    /// Markdown, inert (a team is never mentioned live).
    owner: String,
    failing: usize,
    errors: usize,
}

/// The rows, most failing first, and how many owners were left out. Empty when no repository
/// has owners. A repository with several owners counts for each.
pub(super) fn by_owner(report: &Report) -> (Vec<ByOwnerView>, usize) {
    if !report.repositories.iter().any(|r| !r.owners.is_empty()) {
        return (Vec::new(), 0);
    }
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in report.repositories.iter().filter(|r| r.status.is_failing()) {
        let errored = r.status == Status::Error;
        let no_owner = [String::new()];
        let owners = if r.owners.is_empty() {
            &no_owner[..]
        } else {
            &r.owners[..]
        };
        for owner in owners {
            let entry = counts.entry(owner.to_ascii_lowercase()).or_default();
            if errored {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
    }
    let mut rows: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    rows.sort_by_key(|(_, (failing, errors))| std::cmp::Reverse((*failing, *errors)));
    let more = rows.len().saturating_sub(MAX_OWNERS);
    let views = rows
        .into_iter()
        .take(MAX_OWNERS)
        .map(|(owner, (failing, errors))| ByOwnerView {
            owner: if owner.is_empty() {
                "*no owner*".into()
            } else {
                inert(&owner)
            },
            failing,
            errors,
        })
        .collect();
    (views, more)
}

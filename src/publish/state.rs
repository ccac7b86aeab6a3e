//! The compact state a published issue carries between runs, hidden in an HTML comment: which
//! repositories were failing and which exemptions had expired, as 32-bit name hashes so 5,000
//! failing repositories still fit GitHub's 65,536-character body limit. From it each run says
//! what changed since the last one.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::report::view::Changes;
use crate::report::{Report, Status};

const PREFIX: &str = "<!-- orgcheck:state v1 ";
const SUFFIX: &str = " -->";

/// What a run leaves for the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    failing: BTreeSet<u32>,
    expired: BTreeSet<u32>,
    /// Fingerprint of the published report without its "since the last run" part, so an
    /// unchanged report is recognised even though that part differs from run to run.
    pub content: u64,
}

/// A stable 64-bit FNV-1a fingerprint of text.
pub fn fingerprint(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a: stable across versions and platforms, which a std hasher is not.
fn hash(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn failing(status: Status) -> bool {
    matches!(status, Status::NonCompliant | Status::Error)
}

fn expired_keys(report: &Report) -> Vec<(u32, String)> {
    report
        .repositories
        .iter()
        .flat_map(|r| {
            r.exemptions.iter().filter(|e| e.expired).map(move |e| {
                (
                    hash(&format!(
                        "{}\u{0}{}\u{0}{}",
                        r.name, e.policy_line, e.reason
                    )),
                    format!("{} ({})", r.name, e.reason),
                )
            })
        })
        .collect()
}

impl RunState {
    /// The state of a report whose rendering has fingerprint `content`.
    pub fn of(report: &Report, content: u64) -> Self {
        RunState {
            content,
            failing: report
                .repositories
                .iter()
                .filter(|r| failing(r.status))
                .map(|r| hash(&r.name))
                .collect(),
            expired: expired_keys(report).into_iter().map(|(h, _)| h).collect(),
        }
    }

    /// What changed from this (previous) state to `report`.
    pub fn changes(&self, report: &Report) -> Changes {
        let mut changes = Changes::default();
        for r in &report.repositories {
            let was = self.failing.contains(&hash(&r.name));
            match (was, failing(r.status)) {
                (false, true) => changes.newly_failing.push(r.name.clone()),
                (true, false) => changes.fixed.push(r.name.clone()),
                _ => {}
            }
        }
        // A repository that left the scope (or the organization) is no longer failing here.
        changes.newly_expired = expired_keys(report)
            .into_iter()
            .filter(|(h, _)| !self.expired.contains(h))
            .map(|(_, label)| label)
            .collect();
        changes
    }

    /// The hidden comment.
    pub fn encode(&self) -> String {
        let pack = |set: &BTreeSet<u32>| {
            let bytes: Vec<u8> = set.iter().flat_map(|h| h.to_be_bytes()).collect();
            STANDARD.encode(bytes)
        };
        format!(
            "{PREFIX}c={:016x} f={} e={}{SUFFIX}",
            self.content,
            pack(&self.failing),
            pack(&self.expired)
        )
    }

    /// Read the hidden comment from an issue body, if there is a readable one.
    pub fn decode(body: &str) -> Option<Self> {
        let start = body.find(PREFIX)? + PREFIX.len();
        let rest = &body[start..];
        let inner = &rest[..rest.find(SUFFIX)?];
        let mut state = RunState::default();
        for part in inner.split_whitespace() {
            let (key, value) = part.split_once('=')?;
            if key == "c" {
                state.content = u64::from_str_radix(value, 16).ok()?;
                continue;
            }
            let bytes = STANDARD.decode(value).ok()?;
            if bytes.len() % 4 != 0 {
                return None;
            }
            let set: BTreeSet<u32> = bytes
                .chunks(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            match key {
                "f" => state.failing = set,
                "e" => state.expired = set,
                _ => {}
            }
        }
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_an_issue_body() {
        let state = RunState {
            failing: [1, 2, 0xdead_beef].into_iter().collect(),
            expired: [7].into_iter().collect(),
            content: 0xfeed,
        };
        let body = format!("# Report\n\ntext\n{}\n", state.encode());
        assert_eq!(RunState::decode(&body), Some(state));
        assert_eq!(RunState::decode("no state here"), None);
        assert_eq!(RunState::decode("<!-- orgcheck:state v1 f=!!! -->"), None);
    }

    #[test]
    fn five_thousand_failing_repositories_stay_compact() {
        let state = RunState {
            failing: (0..5000)
                .map(|i| hash(&format!("repository-{i}")))
                .collect(),
            expired: BTreeSet::new(),
            content: 1,
        };
        assert!(state.encode().len() < 27_000, "{}", state.encode().len());
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
    }
}

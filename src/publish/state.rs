//! The compact state a published issue carries between runs, hidden in an HTML comment: which
//! repositories were failing or errored and which exemptions had expired, as 32-bit name hashes
//! so 5,000 failing repositories take under 35% of GitHub's 65,536-character body. From it each
//! run says what changed since the last one.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::report::view::{Changes, Counts};
use crate::report::{Report, Status};

/// v2 packs each set as sorted hashes, delta- and LEB128-encoded: about 3 bytes a name
/// instead of 4, so 5,000 failing repositories take under a third of the body. v1 (4 bytes a
/// name, no error set) is still read, so an upgrade keeps the history.
const PREFIX: &str = "<!-- orgcheck:state v2 ";
const PREFIX_V1: &str = "<!-- orgcheck:state v1 ";
const SUFFIX: &str = " -->";

/// What a run leaves for the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    /// Non-compliant or errored repositories.
    failing: BTreeSet<u32>,
    /// Of those, the errored ones; `None` from a v1 state, which did not keep them apart.
    errored: Option<BTreeSet<u32>>,
    expired: BTreeSet<u32>,
    /// Fingerprint of the published report without its "since the last run" part, so an
    /// unchanged report is recognised even though that part differs from run to run.
    pub content: u64,
    /// The sets did not fit the body's share ([`MAX_STATE`]) and were left out: the next run
    /// cannot say what changed, and says nothing rather than something wrong.
    untracked: bool,
    /// The counts of the last [`HISTORY`] runs, oldest first, this one last: the trend.
    history: Vec<Counts>,
}

/// How many runs the trend keeps.
const HISTORY: usize = crate::report::view::TREND_RUNS;

/// Most characters the state may take of an issue body, so the report keeps most of it.
/// About 6,000 failing repositories fit; an organization with more publishes no history.
pub const MAX_STATE: usize = crate::publish::issue::BODY_LIMIT * 35 / 100;

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
                    r.name.clone(),
                )
            })
        })
        .collect()
}

/// Sorted values as gaps, each in LEB128 (7 bits a byte, high bit: more follows).
fn pack(set: &BTreeSet<u32>) -> String {
    let mut bytes = Vec::with_capacity(set.len() * 3);
    let mut last = 0u32;
    for &v in set {
        let mut gap = v - last;
        last = v;
        loop {
            let low = (gap & 0x7f) as u8;
            gap >>= 7;
            if gap == 0 {
                bytes.push(low);
                break;
            }
            bytes.push(low | 0x80);
        }
    }
    STANDARD.encode(bytes)
}

fn unpack(text: &str) -> Option<BTreeSet<u32>> {
    let bytes = STANDARD.decode(text).ok()?;
    let mut set = BTreeSet::new();
    let (mut last, mut gap, mut shift) = (0u32, 0u32, 0u32);
    for b in bytes {
        // The fifth byte holds the top 4 bits of 32; more would be lost.
        if shift == 28 && b & 0x7f > 0x0f {
            return None;
        }
        gap |= u32::from(b & 0x7f) << shift;
        if b & 0x80 != 0 {
            shift += 7;
            if shift > 28 {
                return None;
            }
            continue;
        }
        last = last.checked_add(gap)?;
        set.insert(last);
        (gap, shift) = (0, 0);
    }
    (shift == 0).then_some(set)
}

/// Which of `all` (sorted) are in `some`, as a bitmap: one bit a failing repository.
fn pack_subset(all: &BTreeSet<u32>, some: &BTreeSet<u32>) -> String {
    let mut bits = vec![0u8; all.len().div_ceil(8)];
    for (i, v) in all.iter().enumerate() {
        if some.contains(v) {
            bits[i / 8] |= 1 << (i % 8);
        }
    }
    STANDARD.encode(bits)
}

fn unpack_subset(all: &BTreeSet<u32>, text: &str) -> Option<BTreeSet<u32>> {
    let bits = STANDARD.decode(text).ok()?;
    (bits.len() == all.len().div_ceil(8)).then(|| {
        all.iter()
            .enumerate()
            .filter(|(i, _)| bits[i / 8] & (1 << (i % 8)) != 0)
            .map(|(_, v)| *v)
            .collect()
    })
}

/// v1: each value as 4 big-endian bytes.
fn unpack_v1(text: &str) -> Option<BTreeSet<u32>> {
    let bytes = STANDARD.decode(text).ok()?;
    (bytes.len() % 4 == 0).then(|| {
        bytes
            .chunks(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

/// Counts as the trend keeps them: non-compliant, errors, compliant, exempt.
fn counts_of(report: &Report) -> Counts {
    let s = &report.summary;
    Counts {
        non_compliant: s.non_compliant,
        error: s.error,
        compliant: s.compliant,
        exempt: Some(s.exempt),
    }
}

/// The history as LEB128 varints, four a run.
fn pack_history(history: &[Counts]) -> String {
    let mut bytes = Vec::with_capacity(history.len() * 8);
    for c in history {
        for v in [c.non_compliant, c.error, c.compliant, c.exempt.unwrap_or(0)] {
            let mut v = v as u64;
            loop {
                let low = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    bytes.push(low);
                    break;
                }
                bytes.push(low | 0x80);
            }
        }
    }
    STANDARD.encode(bytes)
}

fn unpack_history(text: &str) -> Option<Vec<Counts>> {
    let bytes = STANDARD.decode(text).ok()?;
    let mut values = Vec::new();
    let (mut v, mut shift) = (0u64, 0u32);
    for b in bytes {
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 != 0 {
            shift += 7;
            if shift > 35 {
                return None;
            }
            continue;
        }
        values.push(usize::try_from(v).ok()?);
        (v, shift) = (0, 0);
    }
    if shift != 0 || values.len() % 4 != 0 || values.len() / 4 > HISTORY {
        return None;
    }
    Some(
        values
            .chunks(4)
            .map(|c| Counts {
                non_compliant: c[0],
                error: c[1],
                compliant: c[2],
                exempt: Some(c[3]),
            })
            .collect(),
    )
}

impl RunState {
    /// The state of a report whose rendering has fingerprint `content`, after `previous`
    /// (whose trend it continues).
    pub fn of(report: &Report, content: u64, previous: Option<&RunState>) -> Self {
        let mut history: Vec<Counts> = previous.map(|p| p.history.clone()).unwrap_or_default();
        history.push(counts_of(report));
        let drop = history.len().saturating_sub(HISTORY);
        history.drain(..drop);
        let with = |keep: fn(Status) -> bool| {
            report
                .repositories
                .iter()
                .filter(|r| keep(r.status))
                .map(|r| hash(&r.name))
                .collect()
        };
        RunState {
            content,
            untracked: false,
            history,
            failing: with(Status::is_failing),
            errored: Some(with(|s| s == Status::Error)),
            expired: expired_keys(report).into_iter().map(|(h, _)| h).collect(),
        }
    }

    /// What changed from this (previous) state to `report`: only the counts when the state
    /// could not keep the sets.
    pub fn changes(&self, report: &Report) -> Option<Changes> {
        if self.untracked {
            // The sets were not kept, but the counts were: the trend goes on.
            return Some(Changes {
                previous: self.history.last().copied(),
                history: self.history.clone(),
                ..Changes::default()
            });
        }
        let mut changes = Changes::default();
        let was_errored = |h: &u32| match &self.errored {
            Some(set) => set.contains(h),
            None => self.failing.contains(h),
        };
        for r in &report.repositories {
            let h = hash(&r.name);
            let was_failing = self.failing.contains(&h);
            match r.status {
                Status::NonCompliant if !was_failing || was_errored(&h) => {
                    changes.newly_failing.push(r.name.clone());
                }
                Status::Error if !was_errored(&h) => changes.newly_errored.push(r.name.clone()),
                s if was_failing && !s.is_failing() => changes.fixed.push(r.name.clone()),
                _ => {}
            }
        }
        // A repository that left the scope (or the organization) is no longer failing here.
        changes.newly_expired = expired_keys(report)
            .into_iter()
            .filter(|(h, _)| !self.expired.contains(h))
            .map(|(_, name)| name)
            .collect();
        changes.previous = self.history.last().copied().or_else(|| {
            let errored = self.errored.as_ref()?;
            Some(Counts {
                non_compliant: self.failing.len() - errored.len(),
                error: errored.len(),
                compliant: 0,
                exempt: None,
            })
        });
        changes.history = self.history.clone();
        Some(changes)
    }

    /// The trend kept so far, oldest first.
    pub fn history(&self) -> &[Counts] {
        &self.history
    }

    /// The hidden comment.
    pub fn encode(&self) -> String {
        let none = BTreeSet::new();
        let errored = self.errored.as_ref().unwrap_or(&none);
        let history = pack_history(&self.history);
        let full = format!(
            "{PREFIX}c={:016x} h={history} f={} x={} e={}{SUFFIX}",
            self.content,
            pack(&self.failing),
            pack_subset(&self.failing, errored),
            pack(&self.expired)
        );
        if full.len() <= MAX_STATE && !self.untracked {
            return full;
        }
        format!("{PREFIX}c={:016x} h={history} u=1{SUFFIX}", self.content)
    }

    /// Read a state line (v2, or v1), as [`crate::publish::footer::read`] finds it at the end
    /// of an issue body: the whole line must be one state comment.
    pub fn decode(line: &str) -> Option<Self> {
        let (inner, v1) = match line.strip_prefix(PREFIX) {
            Some(rest) => (rest, false),
            None => (line.strip_prefix(PREFIX_V1)?, true),
        };
        let inner = inner.strip_suffix(SUFFIX)?;
        let mut state = RunState::default();
        let mut errored = None;
        for part in inner.split_whitespace() {
            let (key, value) = part.split_once('=')?;
            if key == "c" {
                state.content = u64::from_str_radix(value, 16).ok()?;
                continue;
            }
            if key == "x" {
                errored = Some(value);
                continue;
            }
            if key == "u" {
                state.untracked = value == "1";
                continue;
            }
            if key == "h" {
                state.history = unpack_history(value)?;
                continue;
            }
            let set = if v1 {
                unpack_v1(value)?
            } else {
                unpack(value)?
            };
            match key {
                "f" => state.failing = set,
                "e" => state.expired = set,
                _ => {}
            }
        }
        if let Some(bits) = errored {
            state.errored = Some(unpack_subset(&state.failing, bits)?);
        }
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[u32]) -> BTreeSet<u32> {
        values.iter().copied().collect()
    }

    #[test]
    fn round_trips_through_an_issue_body() {
        let state = RunState {
            failing: set(&[0, 1, 2, 300, 0xdead_beef, u32::MAX]),
            errored: Some(set(&[2, u32::MAX])),
            expired: set(&[7]),
            content: 0xfeed,
            untracked: false,
            history: vec![Counts {
                non_compliant: 300,
                error: 2,
                compliant: 70_000,
                exempt: Some(1),
            }],
        };
        assert_eq!(RunState::decode(&state.encode()), Some(state.clone()));
        // Only a whole line is a state.
        assert_eq!(RunState::decode(&format!("x {}", state.encode())), None);
        assert_eq!(RunState::decode("no state here"), None);
        assert_eq!(RunState::decode("<!-- orgcheck:state v2 f=!!! -->"), None);
        // A varint that never ends, or runs past 32 bits, is no state.
        assert_eq!(RunState::decode("<!-- orgcheck:state v2 f=gA== -->"), None);
        assert_eq!(
            RunState::decode("<!-- orgcheck:state v2 f=/////x8= -->"),
            None
        );
    }

    #[test]
    fn a_v1_state_is_still_read() {
        let v1 = format!(
            "<!-- orgcheck:state v1 c=00000000000000ff f={} e= -->",
            STANDARD.encode([0, 0, 0, 5, 0xde, 0xad, 0xbe, 0xef])
        );
        let state = RunState::decode(&v1).unwrap();
        assert_eq!(state.failing, set(&[5, 0xdead_beef]));
        assert_eq!(state.errored, None);
        assert_eq!(state.content, 0xff);
    }

    #[test]
    fn five_thousand_failing_repositories_stay_within_35_percent_of_the_body() {
        let failing: BTreeSet<u32> = (0..5000)
            .map(|i| hash(&format!("repository-{i}")))
            .collect();
        // Every one errored: the error set is a bitmap over the failing ones.
        let errored = failing.clone();
        let state = RunState {
            failing,
            errored: Some(errored),
            expired: BTreeSet::new(),
            content: 1,
            untracked: false,
            history: Vec::new(),
        };
        let len = state.encode().len();
        assert!(len < MAX_STATE, "{len} of {MAX_STATE}");
        assert_eq!(RunState::decode(&state.encode()), Some(state));
    }

    #[test]
    fn sets_too_large_for_the_body_are_left_out_and_the_next_run_says_nothing() {
        let failing: BTreeSet<u32> = (0..20_000)
            .map(|i| hash(&format!("repository-{i}")))
            .collect();
        let state = RunState {
            failing,
            errored: Some(BTreeSet::new()),
            expired: BTreeSet::new(),
            content: 7,
            untracked: false,
            history: Vec::new(),
        };
        let line = state.encode();
        assert!(line.len() < 100, "{line}");
        let read = RunState::decode(&line).unwrap();
        assert_eq!(read.content, 7, "an unchanged report is still recognised");
        assert!(read.untracked);
        let report = crate::eval::evaluate(
            &crate::policy::parse("p.toml", "").unwrap(),
            &[],
            &crate::eval::Context {
                source: crate::report::Scanned::Org("o".into()),
                policy_path: "p.toml".into(),
                today: crate::policy::Date::parse("2026-12-06").unwrap(),
                incomplete: None,
            },
        );
        let changes = read.changes(&report).unwrap();
        assert!(changes.is_empty() && changes.previous.is_none());
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
    }
}

//! The compact state a published issue carries between runs, hidden in an HTML comment: which
//! repositories were failing or errored and which exemptions had expired, as name hashes of
//! just enough bits (Rice-coded), so 3,500 failing repositories take under 15% of GitHub's
//! 65,536-character body; and the counts of the last runs, for the trend. From it each run says
//! what changed since the last one.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::report::view::{Changes, Counts};
use crate::report::{Report, Status};

/// v3 keeps each name as a hash of `b` bits, enough that two of the organization's failing
/// names share one about once in 8,000 names (`b` = log2(names) + 12, at most 32), the sets
/// Rice-coded: under 2 bytes a name. v2 (32-bit hashes, LEB128 gaps, about 3 bytes a name) and
/// v1 (4 bytes a name, no error set) are still read, so an upgrade keeps the history.
const PREFIX: &str = "<!-- orgcheck:state v3 ";
const PREFIX_V2: &str = "<!-- orgcheck:state v2 ";
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
    /// Bits of each name hash in the sets (32 before v3).
    bits: u32,
}

/// How many runs the trend keeps.
const HISTORY: usize = crate::report::view::TREND_RUNS;

/// Most characters the state may take of an issue body, so the report keeps most of it.
/// About 3,800 failing repositories fit; past that the next run says what changed in counts
/// (and the trend), not by name.
pub const MAX_STATE: usize = crate::publish::issue::BODY_LIMIT * 15 / 100;

/// Hash bits for a state of `n` names: log2(n) + 12, between 16 and 32.
fn bits_for(n: usize) -> u32 {
    (usize::BITS - n.max(1).leading_zeros() + 12).clamp(16, 32)
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

/// `hash` cut to `bits`.
fn short(s: &str, bits: u32) -> u32 {
    hash(s) >> (32 - bits)
}

fn expired_keys(report: &Report, bits: u32) -> Vec<(u32, String)> {
    report
        .repositories
        .iter()
        .flat_map(|r| {
            r.exemptions.iter().filter(|e| e.expired).map(move |e| {
                (
                    short(
                        &format!("{}\u{0}{}\u{0}{}", r.name, e.policy_line, e.reason),
                        bits,
                    ),
                    r.name.clone(),
                )
            })
        })
        .collect()
}

/// Sorted values as gaps, each in LEB128 (7 bits a byte, high bit: more follows): v2, which
/// is only read now (and written by tests, to read it).
#[cfg(test)]
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

/// Which of `all` (sorted) are in `some`, as a bitmap: one bit a failing repository (v2).
#[cfg(test)]
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
        history.push(Counts::of(&report.summary));
        let drop = history.len().saturating_sub(HISTORY);
        history.drain(..drop);
        let failing_count = report.summary.non_compliant + report.summary.error;
        let bits = bits_for(failing_count);
        let with = |keep: fn(Status) -> bool| {
            report
                .repositories
                .iter()
                .filter(|r| keep(r.status))
                .map(|r| short(&r.name, bits))
                .collect()
        };
        RunState {
            content,
            untracked: false,
            history,
            bits,
            failing: with(Status::is_failing),
            errored: Some(with(|s| s == Status::Error)),
            expired: expired_keys(report, bits)
                .into_iter()
                .map(|(h, _)| h)
                .collect(),
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
            let h = short(&r.name, self.bits);
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
        changes.newly_expired = expired_keys(report, self.bits)
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
        let history = pack_history(&self.history);
        let none = BTreeSet::new();
        let errored = self.errored.as_ref().unwrap_or(&none);
        // The errored ones as positions among the failing ones.
        let positions: BTreeSet<u32> = self
            .failing
            .iter()
            .enumerate()
            .filter(|(_, h)| errored.contains(h))
            .map(|(i, _)| i as u32)
            .collect();
        let index_bits = bits_for(self.failing.len()).min(32);
        let full = format!(
            "{PREFIX}c={:016x} h={history} b={} f={} x={} e={}{SUFFIX}",
            self.content,
            self.bits,
            rice_set(&self.failing, self.bits),
            rice_set(&positions, index_bits),
            rice_set(&self.expired, self.bits)
        );
        if full.len() <= MAX_STATE && !self.untracked {
            return full;
        }
        format!("{PREFIX}c={:016x} h={history} u=1{SUFFIX}", self.content)
    }

    /// Read a state line (v3, v2 or v1), as [`crate::publish::footer::read`] finds it at the
    /// end of an issue body: the whole line must be one state comment.
    pub fn decode(line: &str) -> Option<Self> {
        if let Some(rest) = line.strip_prefix(PREFIX) {
            return Self::decode_v3(rest.strip_suffix(SUFFIX)?);
        }
        let (inner, v1) = match line.strip_prefix(PREFIX_V2) {
            Some(rest) => (rest, false),
            None => (line.strip_prefix(PREFIX_V1)?, true),
        };
        let inner = inner.strip_suffix(SUFFIX)?;
        let mut state = RunState {
            bits: 32,
            ..RunState::default()
        };
        let mut errored = None;
        for part in inner.split_whitespace() {
            let (key, value) = part.split_once('=')?;
            match key {
                "c" => state.content = u64::from_str_radix(value, 16).ok()?,
                "x" => errored = Some(value),
                "u" => state.untracked = value == "1",
                "f" | "e" => {
                    let set = if v1 {
                        unpack_v1(value)?
                    } else {
                        unpack(value)?
                    };
                    match key {
                        "f" => state.failing = set,
                        _ => state.expired = set,
                    }
                }
                _ => {}
            }
        }
        if let Some(bits) = errored {
            state.errored = Some(unpack_subset(&state.failing, bits)?);
        }
        Some(state)
    }

    fn decode_v3(inner: &str) -> Option<Self> {
        let mut state = RunState::default();
        let mut fields = std::collections::HashMap::new();
        for part in inner.split_whitespace() {
            let (key, value) = part.split_once('=')?;
            fields.insert(key, value);
        }
        state.content = u64::from_str_radix(fields.get("c")?, 16).ok()?;
        state.history = unpack_history(fields.get("h")?)?;
        if fields.get("u") == Some(&"1") {
            state.untracked = true;
            return Some(state);
        }
        state.bits = fields
            .get("b")?
            .parse()
            .ok()
            .filter(|b| (16..=32).contains(b))?;
        state.failing = unrice_set(fields.get("f")?, state.bits)?;
        let index_bits = bits_for(state.failing.len()).min(32);
        let positions = unrice_set(fields.get("x")?, index_bits)?;
        let failing: Vec<u32> = state.failing.iter().copied().collect();
        state.errored = Some(
            positions
                .iter()
                .map(|&i| failing.get(i as usize).copied())
                .collect::<Option<_>>()?,
        );
        state.expired = unrice_set(fields.get("e")?, state.bits)?;
        Some(state)
    }
}

/// A set as `N.K.BASE64`: how many values, the Rice parameter, the coded gaps.
fn rice_set(set: &BTreeSet<u32>, bits: u32) -> String {
    let values: Vec<u32> = set.iter().copied().collect();
    let k = super::rice::parameter(values.len(), bits);
    format!(
        "{}.{k}.{}",
        values.len(),
        STANDARD.encode(super::rice::pack(&values, k))
    )
}

fn unrice_set(text: &str, bits: u32) -> Option<BTreeSet<u32>> {
    let mut parts = text.splitn(3, '.');
    let n: usize = parts.next()?.parse().ok()?;
    let k: u32 = parts.next()?.parse().ok()?;
    let bytes = STANDARD.decode(parts.next()?).ok()?;
    let values = super::rice::unpack(&bytes, k, n, bits)?;
    Some(values.into_iter().collect())
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
            bits: 32,
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
        assert_eq!(
            RunState::decode("<!-- orgcheck:state v3 c=1 h= b=24 f=9.1.AA== x=0.0. e=0.0. -->"),
            None
        );
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
    fn a_v2_state_is_still_read() {
        let failing = set(&[5, 0xdead_beef, u32::MAX]);
        let v2 = format!(
            "{PREFIX_V2}c=00000000000000ff f={} x={} e={}{SUFFIX}",
            pack(&failing),
            pack_subset(&failing, &set(&[u32::MAX])),
            pack(&set(&[]))
        );
        let state = RunState::decode(&v2).unwrap();
        assert_eq!((state.failing.clone(), state.bits), (failing, 32));
        assert_eq!(state.errored, Some(set(&[u32::MAX])));
    }

    #[test]
    fn a_year_of_runs_and_3_800_failing_repositories_stay_within_15_percent_of_the_body() {
        let bits = bits_for(3800);
        let failing: BTreeSet<u32> = (0..3800)
            .map(|i| short(&format!("billing-payments-{i:04}"), bits))
            .collect();
        // One in 25 errored, as in the simulated organization.
        let errored = failing.iter().copied().step_by(25).collect();
        let state = RunState {
            bits,
            failing,
            errored: Some(errored),
            expired: BTreeSet::new(),
            content: 1,
            untracked: false,
            history: vec![
                Counts {
                    non_compliant: 3_650,
                    error: 150,
                    compliant: 1_200,
                    exempt: Some(30),
                };
                HISTORY
            ],
        };
        let line = state.encode();
        assert!(
            line.contains(" f="),
            "the sets fit: {} of {MAX_STATE}",
            line.len()
        );
        assert!(line.len() < MAX_STATE, "{} of {MAX_STATE}", line.len());
        assert_eq!(RunState::decode(&line), Some(state));
    }

    #[test]
    fn sets_too_large_for_the_body_are_left_out_and_the_next_run_says_nothing() {
        let failing: BTreeSet<u32> = (0..20_000)
            .map(|i| hash(&format!("repository-{i}")))
            .collect();
        let state = RunState {
            bits: 32,
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

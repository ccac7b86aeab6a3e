//! Versions of what a `uses` step runs, and the constraints rules put on them
//! (`version = ">=4"`, `">=4.1, <6"`, `"^4"`).
//!
//! A ref is a version when it reads like one: `v4`, `v4.1.1`, `4.1`, `v5.0.0-beta.1`. Missing
//! parts count as zero, so the floating major tag `v4` is 4.0.0: `>=4` accepts it, `>=4.1` does
//! not. A full commit SHA takes its version from the trailing comment (`# v4.1.1`), as
//! Dependabot and Renovate write it; branch names and anything else are not versions.

use semver::{Version, VersionReq};

use crate::ci::{Step, StepKind};

/// A version constraint as the policy writes it.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// As written.
    pub text: String,
    req: VersionReq,
}

impl Constraint {
    /// Parse `>=4`, `>=4.1, <6`, `^4`, `~4.1`, `=4.2.0` (Cargo's syntax; a leading `v` on a
    /// version is allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let cleaned: String = text
            .split(',')
            .map(|part| {
                let part = part.trim();
                let op_end = part
                    .find(|c: char| c.is_ascii_digit() || c == 'v' || c == 'V')
                    .unwrap_or(part.len());
                let (op, rest) = part.split_at(op_end);
                let rest = rest.strip_prefix(['v', 'V']).unwrap_or(rest);
                format!("{}{rest}", op.trim())
            })
            .collect::<Vec<_>>()
            .join(", ");
        let req = VersionReq::parse(&cleaned).map_err(|e| e.to_string())?;
        Ok(Constraint {
            text: text.to_string(),
            req,
        })
    }

    /// Whether `version` satisfies the constraint.
    pub fn accepts(&self, version: &Version) -> bool {
        self.req.matches(version)
    }
}

/// What a step's ref says about its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A version.
    Version(Version),
    /// A full commit SHA with no version comment.
    BareSha,
    /// A ref that is not a version: a branch or an arbitrary tag.
    NotAVersion(String),
    /// No ref at all (`uses: actions/checkout`, a CircleCI command).
    Unversioned,
}

/// Parse a version as refs write them: `v4`, `4.1`, `v4.1.1`, `4.1.1-rc.1`.
pub fn parse_version(text: &str) -> Option<Version> {
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let (core, pre) = match text.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (text, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 9)
    {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u64>().ok());
    let mut v = Version::new(n(0)?, n(1)?, n(2)?);
    if let Some(pre) = pre {
        v.pre = semver::Prerelease::new(pre).ok()?;
    }
    Some(v)
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The version a `uses` step runs: its ref, or for a SHA (and for CircleCI orb steps, whose
/// version the config's `orbs:` gives) the version the parser attached.
pub fn seen(step: &Step) -> Seen {
    let StepKind::Uses(text) = &step.kind else {
        return Seen::Unversioned;
    };
    let attached = step.version.as_deref().and_then(parse_version);
    match text.split_once('@') {
        Some((_, r)) if is_full_sha(r) => attached.map_or(Seen::BareSha, Seen::Version),
        Some((_, r)) => {
            parse_version(r).map_or_else(|| Seen::NotAVersion(r.to_string()), Seen::Version)
        }
        None => attached.map_or(Seen::Unversioned, Seen::Version),
    }
}

impl Seen {
    /// Why this does not satisfy `constraint`, or `None` when it does.
    pub fn refusal(&self, constraint: &Constraint) -> Option<String> {
        let needs = &constraint.text;
        match self {
            Seen::Version(v) if constraint.accepts(v) => None,
            Seen::Version(v) => Some(format!("{v} is not {needs}")),
            Seen::BareSha => Some(format!(
                "pinned to a commit with no version comment (# v4.1.1), so it cannot be shown to be {needs}"
            )),
            Seen::NotAVersion(r) => Some(format!(
                "{r} is a branch or tag name, not a version {needs}"
            )),
            Seen::Unversioned => Some(format!("no version is given; {needs} is required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(text: &str, version: Option<&str>) -> Step {
        let mut s = Step::new(StepKind::Uses(text.into()), 1);
        s.version = version.map(str::to_string);
        s
    }

    #[test]
    fn refs_parse_as_versions_when_they_read_like_one() {
        assert_eq!(parse_version("v4"), Some(Version::new(4, 0, 0)));
        assert_eq!(parse_version("4.1"), Some(Version::new(4, 1, 0)));
        assert_eq!(parse_version("v4.1.1"), Some(Version::new(4, 1, 1)));
        assert_eq!(
            parse_version("v5.0.0-beta.1").unwrap().pre.as_str(),
            "beta.1"
        );
        for nonsense in [
            "main",
            "master",
            "v",
            "",
            "4.x",
            "1.2.3.4",
            "latest",
            "v4.1.",
            "99999999999",
        ] {
            assert_eq!(parse_version(nonsense), None, "{nonsense}");
        }
    }

    #[test]
    fn constraints_accept_what_they_say() {
        let c = |t: &str| Constraint::parse(t).unwrap();
        let v = |t: &str| parse_version(t).unwrap();
        assert!(c(">=4").accepts(&v("v4")) && c(">=4").accepts(&v("v5.0.1")));
        assert!(!c(">=4").accepts(&v("v3.9.9")));
        assert!(c(">=4.1, <6").accepts(&v("5.2")) && !c(">=4.1, <6").accepts(&v("6")));
        assert!(!c(">=4.1").accepts(&v("v4")), "v4 is 4.0.0");
        assert!(c("^4").accepts(&v("4.9")) && !c("^4").accepts(&v("5")));
        assert!(
            c(">= v4").accepts(&v("4.0.1")),
            "a v before the version is allowed"
        );
        // Pre-releases satisfy only a constraint that names one (Cargo's rule).
        assert!(!c(">=4").accepts(&v("5.0.0-beta.1")));
        for bad in ["", ">=", "four", ">=4 <6 ^", "=>4"] {
            assert!(Constraint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_a_step_runs() {
        let sha = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";
        assert_eq!(
            seen(&uses("actions/checkout@v4", None)),
            Seen::Version(Version::new(4, 0, 0))
        );
        assert_eq!(
            seen(&uses(sha, Some("v4.2.2"))),
            Seen::Version(Version::new(4, 2, 2))
        );
        assert_eq!(seen(&uses(sha, None)), Seen::BareSha);
        assert_eq!(
            seen(&uses("actions/checkout@main", None)),
            Seen::NotAVersion("main".into())
        );
        assert_eq!(seen(&uses("actions/checkout", None)), Seen::Unversioned);
        // A CircleCI orb step carries the version its `orbs:` entry imports.
        assert_eq!(
            seen(&uses("node/install", Some("5.1.0"))),
            Seen::Version(Version::new(5, 1, 0))
        );
        let c = Constraint::parse(">=4").unwrap();
        assert!(
            seen(&uses(sha, None))
                .refusal(&c)
                .unwrap()
                .contains("no version comment")
        );
        assert!(
            seen(&uses("a/b@main", None))
                .refusal(&c)
                .unwrap()
                .contains("branch or tag")
        );
        assert_eq!(seen(&uses("a/b@v4", None)).refusal(&c), None);
    }
}

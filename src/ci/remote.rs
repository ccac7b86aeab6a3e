//! Calls into other repositories (`OWNER/REPO/PATH@REF`): what a call names, which owners are
//! followed, and the files read for them, shared by every repository of a run so each
//! (repository, ref, path) is read once.

use std::collections::{BTreeMap, BTreeSet};

/// A file or action folder in another repository at a ref, as a `uses:` names it. Owner and
/// repository are kept in lower case, as GitHub compares them, so one file is one key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Remote {
    /// The account.
    pub owner: String,
    /// The repository.
    pub repo: String,
    /// The file (a workflow) or folder (an action; empty for the repository's root).
    pub path: String,
    /// Branch, tag or commit SHA, as written.
    pub git_ref: String,
}

impl Remote {
    /// `OWNER/REPO/.github/workflows/FILE@REF`, the only shape GitHub calls a workflow in
    /// another repository by (the file sits directly in `.github/workflows`).
    pub fn workflow(uses: &str) -> Option<Remote> {
        let r = Remote::parse(uses)?;
        let file = r.path.strip_prefix(".github/workflows/")?;
        let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
        (yaml && !file.contains('/')).then_some(r)
    }

    /// `OWNER/REPO@REF` or `OWNER/REPO/PATH@REF`: an action (its folder), not `docker://` or a
    /// local `./` one.
    pub fn action(uses: &str) -> Option<Remote> {
        if uses.starts_with("docker://") || uses.starts_with('.') {
            return None;
        }
        Remote::parse(uses)
    }

    /// The display of a remote file back into its parts: how a finding's file is told to be in
    /// another repository. Local paths have no `@REF` after the file, so they never parse.
    pub fn from_path(path: &str) -> Option<Remote> {
        let r = Remote::parse(path)?;
        let file = r.path.rsplit('/').next().unwrap_or_default();
        (file.ends_with(".yml") || file.ends_with(".yaml")).then_some(r)
    }

    fn parse(uses: &str) -> Option<Remote> {
        let (target, git_ref) = uses.trim().split_once('@')?;
        if git_ref.is_empty() || git_ref.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let mut parts = target.splitn(3, '/');
        let owner = parts.next()?;
        let repo = parts.next()?;
        let valid_repo = !repo.is_empty()
            && repo != "."
            && repo != ".."
            && repo
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !is_login(owner) || !valid_repo {
            return None;
        }
        // The same normalization as local paths; a path that climbs out of the repository
        // names nothing.
        let path = super::local_dir(&format!("./{}", parts.next().unwrap_or_default()))?;
        Some(Remote {
            owner: owner.to_ascii_lowercase(),
            repo: repo.to_ascii_lowercase(),
            path,
            git_ref: git_ref.to_string(),
        })
    }

    /// A file in the same repository at the same ref: an action folder's `action.yml`, or a
    /// workflow a remote workflow calls as `./.github/workflows/…` (GitHub reads it from the
    /// callee's commit).
    pub fn at(&self, path: &str) -> Remote {
        Remote {
            path: path.to_string(),
            ..self.clone()
        }
    }

    /// The files an action folder may define itself in, in the order the runner tries them.
    pub fn action_files(&self) -> [Remote; 2] {
        super::action_files(&self.path).map(|p| self.at(&p))
    }

    /// `OWNER/REPO` for GraphQL and links.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }
}

impl std::fmt::Display for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.as_str() {
            "" => write!(f, "{}/{}@{}", self.owner, self.repo, self.git_ref),
            path => write!(f, "{}/{}/{path}@{}", self.owner, self.repo, self.git_ref),
        }
    }
}

/// Whether `s` is a GitHub account name: letters, digits and single inner hyphens, at most 39.
pub fn is_login(s: &str) -> bool {
    (1..=39).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// What reading a remote file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Its text.
    Text(String),
    /// No such file at that ref (or no such ref).
    Missing,
    /// The repository or file could not be read, with why.
    Failed(String),
}

/// Most distinct remote files one run reads: each costs a GraphQL field, and repositories
/// could name a different ref or path each. Past it, calls are not followed, and say so.
pub const MAX_FILES: usize = 2_000;
/// Most bytes of remote text one run holds.
pub const MAX_BYTES: usize = 64 << 20;
/// Most bytes of shared files a run keeps from what it read anyway (the organization's pages),
/// so calls into them need no request.
pub const MAX_OFFERED_BYTES: usize = 4 << 20;

/// The owners a run follows and the remote files read so far.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    owners: BTreeSet<String>,
    files: BTreeMap<Remote, Fetched>,
    bytes: usize,
    offered: usize,
    /// Files offered, not read: they do not count against [`MAX_FILES`].
    given: usize,
    /// How this source reads them, when it differs from what GitHub runs (`scan --local`).
    pub note: Option<String>,
}

impl Shared {
    /// Following calls to `owners` (any case).
    pub fn new<'a>(owners: impl IntoIterator<Item = &'a str>) -> Self {
        Shared {
            owners: owners.into_iter().map(str::to_ascii_lowercase).collect(),
            ..Shared::default()
        }
    }

    /// Whether calls to `r` are followed.
    pub fn follows(&self, r: &Remote) -> bool {
        self.owners.contains(&r.owner)
    }

    /// What reading `r` gave, if it was read.
    pub fn get(&self, r: &Remote) -> Option<&Fetched> {
        self.files.get(r)
    }

    /// Record what reading `r` gave. Past the run's limits, the file is recorded as not read.
    pub fn insert(&mut self, r: Remote, fetched: Fetched) {
        let fetched = match fetched {
            Fetched::Text(text) if self.bytes + text.len() > MAX_BYTES => Fetched::Failed(format!(
                "the run already holds {MAX_BYTES} bytes of shared files"
            )),
            Fetched::Text(text) => {
                self.bytes += text.len();
                Fetched::Text(text)
            }
            other => other,
        };
        self.files.insert(r, fetched);
    }

    /// A file the run read anyway (a repository's page lists it at the default branch), kept
    /// in case a call names it, within [`MAX_OFFERED_BYTES`]; a file already known is kept as
    /// it is.
    pub fn offer(&mut self, r: Remote, fetched: Fetched) {
        let size = match &fetched {
            Fetched::Text(text) => text.len(),
            _ => 0,
        };
        if self.files.contains_key(&r) || self.offered + size > MAX_OFFERED_BYTES {
            return;
        }
        self.offered += size;
        self.files.insert(r, fetched);
        self.given += 1;
    }

    /// Whether the run may read another file.
    pub fn has_room(&self) -> bool {
        self.files.len() - self.given < MAX_FILES
    }

    /// Whether any call was followed (read, or tried).
    pub fn is_used(&self) -> bool {
        self.files.len() > self.given
    }

    /// The owners followed, for notes.
    pub fn owners(&self) -> impl Iterator<Item = &str> {
        self.owners.iter().map(String::as_str)
    }
}

/// Most distinct files in other repositories one repository's CI may name (an action is
/// two: `action.yml` and `action.yaml`). GitHub lets one workflow run call 50 workflows; a
/// repository naming thousands would otherwise spend the run's [`MAX_FILES`] on its own and
/// leave every other repository's calls unread. The budget is the repository's, as its
/// other budgets are.
pub const MAX_PER_REPOSITORY: usize = 400;

/// The shared files one repository's CI names, counted against [`MAX_PER_REPOSITORY`].
#[derive(Debug, Default)]
pub struct Reach {
    seen: std::cell::RefCell<BTreeSet<Remote>>,
}

impl Reach {
    /// Whether the repository may name `r`: a file named before always, a new one while the
    /// repository is under its limit.
    pub fn admit(&self, r: &Remote) -> bool {
        let mut seen = self.seen.borrow_mut();
        if seen.contains(r) {
            return true;
        }
        if seen.len() >= MAX_PER_REPOSITORY {
            return false;
        }
        seen.insert(r.clone());
        true
    }

    /// Why a file past the limit is not followed.
    pub fn refusal() -> String {
        format!(
            "the repository names more than {MAX_PER_REPOSITORY} files in other repositories; \
             orgcheck follows at most that many"
        )
    }
}

/// A call that could not be followed, at its line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unfollowed {
    /// The file of the call.
    pub path: String,
    /// Line of the call.
    pub line: usize,
    /// What it calls, as written.
    pub target: String,
    /// Why it could not be followed.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_as_github_reads_them() {
        let w = Remote::workflow("Acme/Shared/.github/workflows/ci.yml@v1").unwrap();
        assert_eq!(
            (w.owner.as_str(), w.repo.as_str(), w.path.as_str()),
            ("acme", "shared", ".github/workflows/ci.yml")
        );
        assert_eq!(w.to_string(), "acme/shared/.github/workflows/ci.yml@v1");
        assert!(Remote::workflow("acme/shared/.github/workflows/sub/ci.yml@v1").is_none());
        assert!(Remote::workflow("acme/shared/ci.yml@v1").is_none());
        assert!(Remote::workflow("./.github/workflows/ci.yml").is_none());
        let a = Remote::action("acme/shared@main").unwrap();
        assert_eq!(
            (a.path.as_str(), a.to_string()),
            ("", "acme/shared@main".into())
        );
        assert_eq!(
            Remote::action("acme/shared/setup/node@abc")
                .unwrap()
                .action_files()[0]
                .to_string(),
            "acme/shared/setup/node/action.yml@abc"
        );
        for bad in [
            "docker://alpine@sha256:0",
            "./x",
            "acme@v1",
            "acme/../x@v1",
            "acme/shared/../../etc@v1",
            "-acme/x@v1",
            "acme/x@",
            "acme/x@a b",
        ] {
            assert!(Remote::action(bad).is_none(), "{bad}");
        }
        assert!(Remote::from_path("acme/shared/setup/action.yml@v1").is_some());
        assert!(Remote::from_path(".github/workflows/ci.yml").is_none());
        assert!(Remote::from_path("tools/x/action.yml").is_none());
    }

    #[test]
    fn the_run_holds_a_bounded_amount_of_shared_text() {
        let mut shared = Shared::new(["Acme"]);
        let r = Remote::action("acme/big@v1").unwrap();
        assert!(shared.follows(&r));
        shared.insert(r.clone(), Fetched::Text("x".repeat(MAX_BYTES)));
        let s = r.at("other.yml");
        shared.insert(s.clone(), Fetched::Text("y".into()));
        assert!(matches!(shared.get(&s), Some(Fetched::Failed(_))));
    }
}

//! Repositories on disk: a folder of repositories (`scan --local`) or one checkout (`check`).

use std::path::{Path, PathBuf};

use super::SourceError;
use crate::ci::budget::Limits;
use crate::ci::remote::{Fetched, Remote, Shared};
use crate::ci::{self, yaml::MAX_BYTES, yaml::too_large};
use crate::source::Repository;

/// Where calls into other repositories are read from.
enum Others<'a> {
    /// The folder of repositories being scanned: `OWNER/REPO/PATH@REF` is `DIR/REPO/PATH` in
    /// its working tree, whatever the ref.
    Dir(&'a Path),
    /// Nowhere (`check` reads one repository): every call is listed as not followed.
    Nowhere,
}

/// Every subdirectory of `dir` is one repository, in name order. Hidden folders are ignored.
/// Calls into other repositories of `dir` (named as `dir`'s own folder name, or an owner of
/// `resolve_owners`) are followed into `dir/REPO`'s working tree, whatever ref they name.
pub fn scan_dir(
    dir: &Path,
    limits: Limits,
    resolve_owners: &[String],
) -> Result<LocalScan, SourceError> {
    let io = |source| SourceError::Io {
        path: dir.display().to_string(),
        source,
    };
    if !dir.is_dir() {
        return Err(SourceError::Invalid(format!(
            "{} is not a directory; --local takes a folder whose subfolders are repositories",
            dir.display()
        )));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut unreadable = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => dirs.push(path),
            Ok(_) => {}
            // A dangling link or a link loop: that repository's error, not a silent gap.
            Err(e) => unreadable.push((name.to_string_lossy().into_owned(), e)),
        }
    }
    dirs.sort();
    let mut shared = dir_shared(dir, resolve_owners);
    let mut repos: Vec<Repository> = dirs
        .iter()
        .map(|d| read_from(d, None, limits, &mut shared, &Others::Dir(dir)))
        .collect();
    for (name, e) in unreadable {
        let mut ci = crate::ci::RepositoryCi::default();
        ci.errors
            .push(ci::CiError::new(&name, None, format!("cannot read: {e}")));
        repos.push(Repository {
            name,
            ci,
            ..Repository::default()
        });
    }
    repos.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(LocalScan {
        repositories: repos,
        note: shared.is_used().then_some(shared.note).flatten(),
    })
}

/// A folder of repositories, read.
#[derive(Debug)]
pub struct LocalScan {
    /// Its repositories, in name order.
    pub repositories: Vec<Repository>,
    /// How calls between them were read, for the report.
    pub note: Option<String>,
}

/// The owners a folder of repositories stands for: its own name, and `resolve_owners`.
fn dir_shared(dir: &Path, resolve_owners: &[String]) -> Shared {
    let own = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| ci::remote::is_login(n));
    let owners = own.iter().chain(resolve_owners).map(String::as_str);
    let mut shared = Shared::new(owners);
    let names: Vec<&str> = shared.owners().collect();
    if !names.is_empty() {
        shared.note = Some(format!(
            "calls into {} are read from {}/REPO's working tree, whatever ref they name",
            names.join(", "),
            dir.display()
        ));
    }
    shared
}

/// One repository checkout, its CI within `limits`. Its name is the folder's name. Calls into
/// `resolve_owners` are not read, and are listed as not followed.
pub fn read_repo(
    dir: &Path,
    name: Option<&str>,
    limits: Limits,
    resolve_owners: &[String],
) -> Repository {
    let mut shared = Shared::new(resolve_owners.iter().map(String::as_str));
    read_from(dir, name, limits, &mut shared, &Others::Nowhere)
}

fn read_from(
    dir: &Path,
    name: Option<&str>,
    limits: Limits,
    shared: &mut Shared,
    others: &Others<'_>,
) -> Repository {
    let name = name.map(str::to_string).unwrap_or_else(|| {
        std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string())
    });
    let mut files: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    // The files of every CI system's folder (for CircleCI, the config and the continuation
    // configs it may hand over to), as its row of the table says.
    let candidates = ci_files(dir);
    // Every file's text, configs and the local actions they name alike, counts against the
    // repository's budget as it is read: 200 files (or 200 actions) each under every per-file
    // limit are refused here, not held in memory.
    let mut budget = ReadBudget {
        left: limits.bytes,
        limits,
        spent: false,
    };
    for rel in candidates {
        match budget.read(dir, &rel) {
            Ok(Some(text)) => files.push((rel, text)),
            Ok(None) => {}
            Err(e) if budget.is_spent() => return refused(name, problems, e),
            // A broken file that is not a config is an error only if a config refers to it.
            Err(e) if ci::CiSystem::of_repo_path(&rel).is_some() => problems.push(e),
            Err(_) => {}
        }
    }
    let load = |files: &[(String, String)], shared: &Shared| {
        let files = files.iter().map(|(p, t)| (p.as_str(), t.as_str()));
        ci::load_repository_within(files, limits, shared)
    };
    let mut parsed = load(&files, shared);
    // Local composite actions and calls into other repositories are read as jobs name them,
    // then the repository is loaded again, until nothing new is named (each round goes one
    // level deeper).
    let mut follow = ci::Follow::default();
    loop {
        let next = follow.next(&mut parsed);
        if next.is_empty() {
            break;
        }
        for folder in next.folders {
            if let Err(e) = budget.read_action(dir, &folder, &mut files, &mut problems) {
                return refused(name, problems, e);
            }
        }
        for remote in next.shared {
            let fetched = read_other(others, &remote, shared.has_room());
            shared.insert(remote, fetched);
        }
        parsed = load(&files, shared);
    }
    parsed.errors.extend(problems);
    let owners = match codeowners(dir) {
        Some(c) => c.owners_of_ci(&parsed),
        None => Vec::new(),
    };
    Repository {
        name,
        owners,
        ci: parsed,
        ..Repository::default()
    }
}

/// The repository's CODEOWNERS, from the first place GitHub looks that has one; `None` when
/// none can be read (a local scan cannot read custom properties either).
fn codeowners(dir: &Path) -> Option<crate::source::codeowners::CodeOwners> {
    let text = crate::source::codeowners::PLACES
        .iter()
        .find_map(|place| read_text(dir, place).ok().flatten())?;
    Some(crate::source::codeowners::CodeOwners::parse(&text))
}

/// A file of another repository in the scanned folder, as the run's shared file.
fn read_other(others: &Others<'_>, remote: &Remote, room: bool) -> Fetched {
    let root = match others {
        Others::Dir(_) if !room => {
            let why = format!(
                "the run already read {} shared files",
                ci::remote::MAX_FILES
            );
            return Fetched::Failed(why);
        }
        Others::Dir(root) => {
            // GitHub compares repository names in any case; folders keep theirs.
            let found = std::fs::read_dir(root).ok().and_then(|entries| {
                entries
                    .filter_map(Result::ok)
                    .find(|e| e.file_name().to_string_lossy().to_ascii_lowercase() == remote.repo)
            });
            match found {
                Some(entry) => entry.path(),
                None => root.join(&remote.repo),
            }
        }
        Others::Nowhere => {
            return Fetched::Failed(
                "`check` reads one repository; `scan --local DIR` or `scan --org` follow it".into(),
            );
        }
    };
    if !root.is_dir() {
        return Fetched::Failed(format!(
            "no repository `{}` in the scanned folder",
            remote.repo
        ));
    }
    match read_text(&root, &remote.path) {
        Ok(Some(text)) => Fetched::Text(text),
        Ok(None) => Fetched::Missing,
        Err(e) => Fetched::Failed(e.message),
    }
}

/// The bytes a repository's files may still hold, spent as they are read.
struct ReadBudget {
    left: usize,
    limits: Limits,
    spent: bool,
}

impl ReadBudget {
    /// [`read_text`], charged: past the budget, the repository's budget error.
    fn read(&mut self, dir: &Path, rel: &str) -> Result<Option<String>, ci::CiError> {
        let Some(text) = read_text(dir, rel)? else {
            return Ok(None);
        };
        match self.left.checked_sub(text.len()) {
            Some(left) => {
                self.left = left;
                Ok(Some(text))
            }
            None => {
                self.spent = true;
                let refusal = ci::budget::Budget::new(self.limits).refusal();
                Err(ci::CiError::new(rel, None, refusal))
            }
        }
    }

    fn is_spent(&self) -> bool {
        self.spent
    }

    /// The action file of a local action folder (`action.yml`, else `action.yaml`), into
    /// `files`; a file that cannot be read into `problems`. Err only when the budget is spent.
    fn read_action(
        &mut self,
        dir: &Path,
        folder: &str,
        files: &mut Vec<(String, String)>,
        problems: &mut Vec<ci::CiError>,
    ) -> Result<(), ci::CiError> {
        for rel in ci::action_files(folder) {
            match self.read(dir, &rel) {
                Ok(Some(text)) => {
                    files.push((rel, text));
                    return Ok(());
                }
                Ok(None) => {}
                Err(e) if self.is_spent() => return Err(e),
                Err(e) => {
                    problems.push(e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// A repository whose files hold more than its budget: that error alone (and problems met
/// before it), nothing parsed, since what was read is cut short.
fn refused(name: String, mut problems: Vec<ci::CiError>, e: ci::CiError) -> Repository {
    problems.push(e);
    Repository {
        name,
        ci: ci::RepositoryCi {
            errors: problems,
            ..Default::default()
        },
        ..Repository::default()
    }
}

/// The `.yml` and `.yaml` files directly in `dir/sub`, as repository paths, in name order.
/// The configs and support files in every CI system's folder, by repository path.
fn ci_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for system in &ci::SYSTEMS {
        let Ok(entries) = std::fs::read_dir(dir.join(system.folder)) else {
            continue;
        };
        // Not only regular files: a pipe, a device or a broken link named like a config is
        // that repository's error (see `read_text`), not a config that silently is not there.
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let siblings: Vec<&str> = names.iter().map(String::as_str).collect();
        out.extend(
            names
                .iter()
                .filter(|n| system.role(n, &siblings) != ci::Role::Ignored)
                .map(|n| format!("{}/{n}", system.folder)),
        );
    }
    out
}

/// What a path that is not a regular file is, for its error: reading a pipe would wait
/// forever, and a device (`/dev/zero`) never ends.
fn not_a_file(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    format!("the file is {what}, not a file orgcheck can read as a config")
}

/// A repository file's text: `None` when it does not exist, an error when it is too large,
/// not UTF-8 or unreadable.
fn read_text(dir: &Path, rel: &str) -> Result<Option<String>, ci::CiError> {
    let path = dir.join(rel);
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        // A link whose target is missing, or that loops, still names a config.
        Err(e) if std::fs::symlink_metadata(&path).is_ok() => {
            let why = if e.raw_os_error() == Some(40) {
                "the file is a link that loops back on itself (ELOOP)".to_string()
            } else {
                format!("the file is a link that leads nowhere readable ({e})")
            };
            return Err(ci::CiError::new(rel, None, why));
        }
        Err(_) => return Ok(None),
    };
    if meta.is_dir() {
        return Ok(None);
    }
    if !meta.is_file() {
        return Err(ci::CiError::new(rel, None, not_a_file(&meta)));
    }
    // A link may point anywhere on this machine; only the repository's own files are read.
    let inside = match (std::fs::canonicalize(&path), std::fs::canonicalize(dir)) {
        (Ok(file), Ok(root)) => file.starts_with(root),
        _ => false,
    };
    if !inside {
        return Err(ci::CiError::new(
            rel,
            None,
            "the file is a link to outside the repository; orgcheck reads only the repository's own files",
        ));
    }
    if meta.len() as usize > MAX_BYTES {
        return Err(ci::CiError::new(rel, None, too_large(meta.len() as usize)));
    }
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                Err(ci::CiError::new(
                    rel,
                    Some(line),
                    "file is not UTF-8 text (CI services read configs as UTF-8)",
                ))
            }
        },
        Err(e) => Err(ci::CiError::new(rel, None, format!("cannot read: {e}"))),
    }
}

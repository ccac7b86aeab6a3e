//! Repositories on disk: a folder of repositories (`scan --local`) or one checkout (`check`).

use std::path::{Path, PathBuf};

use super::SourceError;
use crate::ci::{self, yaml::MAX_BYTES, yaml::too_large};
use crate::eval::Repository;

/// Every subdirectory of `dir` is one repository, in name order. Hidden folders are ignored.
pub fn scan_dir(dir: &Path) -> Result<Vec<Repository>, SourceError> {
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
    let mut repos: Vec<Repository> = dirs.iter().map(|d| read_repo(d, None)).collect();
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
    Ok(repos)
}

/// One repository checkout. Its name is the folder's name.
pub fn read_repo(dir: &Path, name: Option<&str>) -> Repository {
    let name = name.map(str::to_string).unwrap_or_else(|| {
        std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string())
    });
    let mut files: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    // CircleCI reads `config.yml`, and `config.yaml` only when there is no `config.yml`.
    let circleci = [".circleci/config.yml", ".circleci/config.yaml"]
        .into_iter()
        .find(|rel| dir.join(rel).is_file())
        .unwrap_or(".circleci/config.yml");
    let mut candidates = vec![circleci.to_string()];
    if let Ok(entries) = std::fs::read_dir(dir.join(".github/workflows")) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .map(|e| format!(".github/workflows/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        candidates.extend(names);
    }
    for rel in candidates {
        if ci::CiSystem::of_repo_path(&rel).is_none() {
            continue;
        }
        let path = dir.join(&rel);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.len() as usize > MAX_BYTES {
            problems.push(ci::CiError::new(&rel, None, too_large(meta.len() as usize)));
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((rel, text)),
                Err(e) => {
                    let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                    problems.push(ci::CiError::new(
                        &rel,
                        Some(line),
                        "file is not UTF-8 text (CI services read configs as UTF-8)",
                    ))
                }
            },
            Err(e) => problems.push(ci::CiError::new(&rel, None, format!("cannot read: {e}"))),
        }
    }
    let mut parsed = ci::load_repository(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    parsed.errors.extend(problems);
    Repository {
        name,
        ci: parsed,
        ..Repository::default()
    }
}

//! Where a run happens, read from the environment GitHub Actions sets: the links and facts
//! the report's footer and "full report" lines show, and the policy's identity.

use std::path::{Component, Path};
use std::time::Instant;

use crate::cli::CommonArgs;
use crate::report::view::RunInfo;

use super::env::Env;

/// The run's links and facts. In GitHub Actions: the workflow run
/// (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`), and the policy file at
/// the workflow's commit (`$GITHUB_SHA`) when the policy is in that repository's checkout.
pub(super) fn run_info(common: &CommonArgs, env: &Env, started: Instant) -> RunInfo {
    let var = |name: &str| env.get(name).map(str::to_string);
    let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let server = server.trim_end_matches('/');
    let repo = env.repository().map(str::to_string);
    let sha =
        var("GITHUB_SHA").filter(|s| s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()));
    let run_url = match (&repo, var("GITHUB_RUN_ID")) {
        (Some(repo), Some(id)) if id.chars().all(|c| c.is_ascii_digit()) => {
            Some(format!("{server}/{repo}/actions/runs/{id}"))
        }
        _ => None,
    };
    // The policy links into the workflow's repository only when it is in that checkout (the
    // workspace), not in another repository checked out beside it.
    let workspace = var("GITHUB_WORKSPACE").and_then(|w| std::fs::canonicalize(w).ok());
    let in_workspace = |top: &Path| workspace.as_deref().is_none_or(|w| w == top);
    let policy_url = match (&repo, &sha, checkout(&common.policy)) {
        (Some(repo), Some(sha), Some((top, path))) if in_workspace(&top) => {
            Some(format!("{server}/{repo}/blob/{sha}/{path}"))
        }
        _ => None,
    };
    RunInfo {
        run_url,
        report_file: common.output.as_ref().map(|p| p.display().to_string()),
        policy_commit: policy_url.as_ref().and(sha),
        policy_url,
        duration: Some(started.elapsed()),
    }
}

/// The policy's path as its repository knows it, however it was typed: relative to the
/// enclosing git checkout (`./orgcheck.toml`, `orgcheck.toml` and `../platform/orgcheck.toml`
/// from elsewhere are one policy), so they find one compliance issue. Outside a checkout, the
/// path as typed without `./` segments.
pub(super) fn policy_identity(path: &Path) -> String {
    checkout(path).map(|(_, rel)| rel).unwrap_or_else(|| {
        let parts: Vec<String> = path
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/").replace("//", "/")
    })
}

/// What identifies a file or folder (the policy, a `--local` folder) however its path was
/// typed and wherever orgcheck runs: its path in the git checkout that holds it, else its
/// absolute path with links resolved. A path that does not exist is kept as typed.
pub(super) fn path_identity(path: &Path) -> String {
    checkout(path).map(|(_, rel)| rel).unwrap_or_else(|| {
        std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .to_string_lossy()
            .replace('\\', "/")
    })
}

/// The git checkout that holds `path`, and `path` relative to it, if one does.
fn checkout(path: &Path) -> Option<(std::path::PathBuf, String)> {
    let full = std::fs::canonicalize(path).ok()?;
    full.ancestors().skip(1).find_map(|top| {
        let rel = full.strip_prefix(top).ok()?;
        top.join(".git")
            .exists()
            .then(|| (top.to_path_buf(), rel.to_string_lossy().replace('\\', "/")))
    })
}

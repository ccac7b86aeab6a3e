//! One repository's files over GitHub: what its page of the organization query gave, what is
//! still missing (files cut short, local actions elsewhere), and fetching that.

use std::sync::Arc;

use http::Method;
use serde_json::json;
use tokio::task::JoinSet;

use super::query::{self, RepoNode};
use super::{Client, REST_CONCURRENCY, Replay};
use crate::ci::budget::Limits;
use crate::ci::remote::{Remote, Shared};
use crate::ci::{self, CiError, yaml::MAX_BYTES, yaml::too_large};
use crate::policy::RepoFacts;
use crate::source::Repository;

pub(super) struct Pending {
    pub(super) repo: Repository,
    files: Vec<(String, String)>,
    problems: Vec<CiError>,
    /// Files the query named but could not give whole: fetched over REST.
    fetch: Vec<String>,
    /// Local action folders to fetch `action.yml` (or `action.yaml`) from.
    actions: Vec<String>,
    /// Files in other repositories its calls name, for the run's shared files.
    pub(super) shared: Vec<Remote>,
    /// Which action folders were read, and how deep.
    follow: ci::Follow,
    oid: String,
    /// What its CI may expand to.
    limits: Limits,
    /// Its CODEOWNERS, when owners come from there.
    codeowners: Option<crate::source::codeowners::CodeOwners>,
}

impl Pending {
    /// Bytes of file text it holds.
    pub(super) fn text_bytes(&self) -> usize {
        self.files.iter().map(|(p, t)| p.len() + t.len()).sum()
    }
}

/// The repository when its files are all read; `None` when it still needs files (queued on
/// `p`): those the query could not give whole, and local actions its jobs name that were not
/// fetched yet.
pub(super) fn settle(p: &mut Pending, shared: &Shared) -> Option<Repository> {
    if !p.fetch.is_empty() {
        return None;
    }
    let mut ci = load(p, shared);
    let next = p.follow.next(&mut ci);
    if next.is_empty() {
        return Some(Repository {
            owners: owners(p, &ci),
            ci,
            ..p.repo.clone()
        });
    }
    p.actions.extend(next.folders);
    p.shared.extend(next.shared);
    None
}

pub(super) fn pending_from(
    node: RepoNode,
    in_scope: &(dyn Fn(&RepoFacts<'_>) -> bool + Sync),
    limits: Limits,
    codeowners: bool,
) -> Pending {
    let codeowners_text = codeowners.then(|| node.codeowners().map(str::to_string));
    let topics: Vec<String> = node
        .repository_topics
        .map(|t| {
            t.nodes
                .into_iter()
                .flatten()
                .map(|n| n.topic.name)
                .collect()
        })
        .unwrap_or_default();
    let oid = node
        .default_branch_ref
        .as_ref()
        .and_then(|b| b.target.as_ref())
        .and_then(|t| t.oid.clone())
        .unwrap_or_else(|| "HEAD".into());
    let facts = RepoFacts {
        name: &node.name,
        archived: node.is_archived,
        fork: node.is_fork,
        topics: &topics,
    };
    let wanted = in_scope(&facts);
    let parsed_codeowners = codeowners_text.filter(|_| wanted).map(|text| {
        text.as_deref()
            .map(crate::source::codeowners::CodeOwners::parse)
            .unwrap_or_default()
    });
    let mut p = Pending {
        repo: Repository {
            blob_url: Some(format!("{}/blob/{oid}", node.url)),
            url: Some(node.url.clone()),
            name: node.name,
            archived: node.is_archived,
            fork: node.is_fork,
            topics,
            ..Repository::default()
        },
        files: Vec::new(),
        problems: Vec::new(),
        fetch: Vec::new(),
        actions: Vec::new(),
        shared: Vec::new(),
        follow: ci::Follow::default(),
        oid,
        limits,
        codeowners: parsed_codeowners,
    };
    if !wanted || node.is_empty {
        return p;
    }

    take_folders(&mut p, node.folders);
    take_actions(&mut p, node.actions);
    p
}

/// Each CI system's folder, its files as the system's row of the table says: configs, and
/// files a config may name (kept, and an error only if one does).
fn take_folders(
    p: &mut Pending,
    mut folders: std::collections::BTreeMap<String, Option<query::Tree>>,
) {
    for system in &ci::SYSTEMS {
        let mut entries = folders
            .remove(system.alias)
            .flatten()
            .and_then(|t| t.entries)
            .unwrap_or_default();
        entries.retain(|e| e.kind == "blob");
        let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
        let siblings: Vec<&str> = names.iter().map(String::as_str).collect();
        for entry in entries {
            let role = system.role(&entry.name, &siblings);
            let path = format!("{}/{}", system.folder, entry.name);
            let blob = entry.object.unwrap_or_default();
            match role {
                ci::Role::Config => take_blob(p, path, blob),
                ci::Role::Support => take_support_blob(p, path, blob),
                ci::Role::Ignored => {}
            }
        }
    }
}

/// The local actions listed with the page, each folder then known to the follower.
fn take_actions(p: &mut Pending, actions: Option<query::ActionsTree>) {
    for folder in actions.and_then(|t| t.entries).unwrap_or_default() {
        if folder.kind != "tree" {
            continue;
        }
        let dir = format!("{}/{}", query::ACTIONS_FOLDER, folder.name);
        let files = folder.object.and_then(|t| t.entries).unwrap_or_default();
        for file in files {
            if file.kind == "blob" && (file.name == "action.yml" || file.name == "action.yaml") {
                let path = format!("{dir}/{}", file.name);
                take_support_blob(p, path, file.object.unwrap_or_default());
            }
        }
        // Listed whole: no need to ask for this folder again.
        p.follow.mark(dir);
    }
}

/// A file that matters only if a config refers to it: kept when its text is usable, fetched
/// when truncated, and otherwise left out.
fn take_support_blob(p: &mut Pending, path: String, blob: query::Blob) {
    if blob.is_binary == Some(true) || blob.byte_size.is_some_and(|s| s > MAX_BYTES) {
        return;
    }
    take_blob(p, path, blob);
}

fn take_blob(p: &mut Pending, path: String, blob: query::Blob) {
    if blob.is_binary == Some(true) {
        p.problems
            .push(CiError::new(&path, None, "file is binary, not YAML"));
    } else if blob.byte_size.is_some_and(|s| s > MAX_BYTES) {
        let size = blob.byte_size.unwrap_or_default();
        p.problems.push(CiError::new(&path, None, too_large(size)));
    } else {
        match blob.text {
            Some(text) if blob.is_truncated != Some(true) => p.files.push((path, text)),
            // Truncated (or no text without being binary): read it whole over REST.
            _ => p.fetch.push(path),
        }
    }
}

/// Most files one `Files` query asks for (two per action folder: `action.yml`, `action.yaml`).
const FILES_PER_QUERY: usize = 100;

/// Fetch the action files of the local action folders jobs name, for every pending repository
/// at once: one GraphQL query per 50 folders, so the request count grows by rounds, not by
/// repositories. A file GraphQL cuts short is queued for REST like any other.
pub(super) async fn fetch_actions(client: &Arc<Client>, org: &str, pending: &mut [Pending]) {
    let mut asks: Vec<(usize, String)> = Vec::new();
    for (i, p) in pending.iter_mut().enumerate() {
        asks.extend(p.actions.drain(..).map(|d| (i, d)));
    }
    for chunk in asks.chunks(FILES_PER_QUERY / 2) {
        // Group the chunk by repository, keeping its order: one `repository` field each.
        let mut groups: Vec<(usize, Vec<&str>)> = Vec::new();
        for (i, dir) in chunk {
            match groups.last_mut() {
                Some((last, dirs)) if last == i => dirs.push(dir),
                _ => groups.push((*i, vec![dir])),
            }
        }
        let counts: Vec<usize> = groups.iter().map(|(_, dirs)| dirs.len() * 2).collect();
        let mut vars = serde_json::Map::new();
        for (g, (i, dirs)) in groups.iter().enumerate() {
            let p = &pending[*i];
            vars.insert(format!("o{g}"), json!(org));
            vars.insert(format!("r{g}"), json!(p.repo.name));
            let paths = dirs.iter().flat_map(|d| ci::action_files(d));
            for (f, path) in paths.enumerate() {
                vars.insert(format!("f{g}_{f}"), json!(format!("{}:{path}", p.oid)));
            }
        }
        let answer = client
            .graphql(&query::files_query(&counts), vars.into(), true)
            .await;
        for (g, (i, dirs)) in groups.iter().enumerate() {
            let p = &mut pending[*i];
            let data = match &answer {
                Ok(a) => &a.data[format!("r{g}")],
                Err(e) => {
                    for dir in dirs {
                        let path = &ci::action_files(dir)[0];
                        let message = format!("could not fetch the local action: {e}");
                        p.problems.push(CiError::new(path, None, message));
                    }
                    continue;
                }
            };
            for (d, dir) in dirs.iter().enumerate() {
                // `action.yml` first, as the runner looks.
                for (k, path) in ci::action_files(dir).into_iter().enumerate() {
                    let found = &data[format!("f{g}_{}", d * 2 + k)];
                    if found.is_object()
                        && let Ok(blob) = serde_json::from_value::<query::Blob>(found.clone())
                        && (blob.text.is_some() || blob.is_truncated == Some(true))
                    {
                        take_support_blob(p, path, blob);
                        break;
                    }
                }
            }
        }
    }
}

/// Fetch, a few at a time, the files GraphQL could not give whole, as raw content at the
/// scanned commit. A file that cannot be fetched makes its repository an error.
pub(super) async fn fetch_files(client: &Arc<Client>, org: &str, pending: &mut [Pending]) {
    let mut jobs = JoinSet::new();
    let mut queue: Vec<(usize, String)> = Vec::new();
    for (i, p) in pending.iter_mut().enumerate() {
        queue.extend(p.fetch.drain(..).map(|f| (i, f)));
    }
    queue.reverse();
    let mut results: Vec<(usize, String, Result<String, String>)> = Vec::new();
    loop {
        while jobs.len() < REST_CONCURRENCY
            && let Some((i, path)) = queue.pop()
        {
            let client = Arc::clone(client);
            let url = client.rest_url(&format!(
                "/repos/{org}/{}/contents/{}?ref={}",
                encode_segment(&pending[i].repo.name),
                encode_path(&path),
                pending[i].oid
            ));
            jobs.spawn(async move {
                let result = match raw(&client, &url).await {
                    Ok(Some(text)) => Ok(text),
                    Ok(None) => Err("GitHub answered 404 fetching the file".to_string()),
                    Err(e) => Err(e),
                };
                (i, path, result)
            });
        }
        match jobs.join_next().await {
            Some(Ok(r)) => results.push(r),
            Some(Err(e)) => results.push((usize::MAX, String::new(), Err(e.to_string()))),
            None => break,
        }
    }
    for (i, path, result) in results {
        let Some(p) = pending.get_mut(i) else {
            continue;
        };
        match result {
            Ok(text) => p.files.push((path, text)),
            Err(message) => p.problems.push(CiError::new(&path, None, message)),
        }
    }
}

/// One file's raw content; `None` when GitHub answers 404.
async fn raw(client: &Client, url: &str) -> Result<Option<String>, String> {
    let answer = client
        .request(
            Method::GET,
            url,
            None,
            "application/vnd.github.raw",
            Replay::Safe,
            true,
        )
        .await
        .map_err(|e| format!("could not fetch the file: {e}"))?;
    match answer.status {
        200 => Ok(Some(answer.body)),
        404 => Ok(None),
        status => Err(format!(
            "GitHub answered {status} fetching the file: {}",
            client.scrub(&answer.message())
        )),
    }
}

/// Characters a path segment keeps as they are in a URL (RFC 3986 unreserved).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A repository path for a URL: each segment percent-encoded, so names with `?`, `#` or
/// spaces fetch the file they name.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Most rounds of fetching for one scan: every action level, plus a round for truncated files
/// at each, plus one.
pub(super) const FOLLOW_ROUNDS: usize = 2 * ci::MAX_ROUNDS + 2;

/// A repository whose files were still being followed when the scan stopped following.
pub(super) fn unfinished(p: Pending, shared: &Shared) -> Repository {
    let ci = load(&p, shared);
    Repository {
        read_error: Some(format!(
            "orgcheck stopped following its files after {FOLLOW_ROUNDS} rounds"
        )),
        owners: owners(&p, &ci),
        ci,
        ..p.repo
    }
}

/// The owners CODEOWNERS gives its CI, when owners come from there.
fn owners(p: &Pending, ci: &ci::RepositoryCi) -> Vec<String> {
    p.codeowners
        .as_ref()
        .map(|c| c.owners_of_ci(ci))
        .unwrap_or_default()
}

/// The repository's CI as its files read so far, with the problems reading them; `wanted`
/// names the action folders its jobs use that were not among them.
fn load(p: &Pending, shared: &Shared) -> ci::RepositoryCi {
    let files = p.files.iter().map(|(a, b)| (a.as_str(), b.as_str()));
    let mut parsed = ci::load_repository_within(files, p.limits, shared);
    parsed.errors.extend(p.problems.iter().cloned());
    parsed
}

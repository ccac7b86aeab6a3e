//! Files in other repositories that calls name, read for the whole run: one batched GraphQL
//! query per 50 files, across every pending repository, each (repository, ref, path) once.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use super::query;
use super::repos::Pending;
use super::{Client, GitHubError};
use crate::ci::remote::{Fetched, Remote, Shared};
use crate::ci::yaml::{MAX_BYTES, too_large};
use crate::ci::{self, CiSystem};

/// Keep what a repository's page of the organization query holds that calls may name, at its
/// default branch: its reusable workflows (those that say `workflow_call`) and its
/// `.github/actions/*` composite actions. A call into them then needs no request.
pub(super) fn offer_page(shared: &mut Shared, org: &str, node: &query::RepoNode) {
    let Some(branch) = &node.default_branch_ref else {
        return;
    };
    let at = |path: String| Remote {
        owner: org.to_ascii_lowercase(),
        repo: node.name.to_ascii_lowercase(),
        path,
        git_ref: branch.name.clone(),
    };
    let text = |blob: &Option<query::Blob>| {
        let blob = blob.as_ref()?;
        let whole = blob.is_truncated != Some(true) && blob.is_binary != Some(true);
        blob.text.clone().filter(|_| whole)
    };
    let workflows = ci::system(CiSystem::GithubActions);
    let entries = node
        .folders
        .get(workflows.alias)
        .and_then(Option::as_ref)
        .and_then(|t| t.entries.as_ref());
    for entry in entries.into_iter().flatten() {
        if let Some(body) = text(&entry.object).filter(|t| t.contains("workflow_call")) {
            let path = format!("{}/{}", workflows.folder, entry.name);
            shared.offer(at(path), Fetched::Text(body));
        }
    }
    let folders = node.actions.as_ref().and_then(|t| t.entries.as_ref());
    for folder in folders.into_iter().flatten().filter(|f| f.kind == "tree") {
        let files = folder.object.as_ref().and_then(|t| t.entries.as_ref());
        let dir = format!("{}/{}", query::ACTIONS_FOLDER, folder.name);
        // The folder is listed whole: a file it does not hold is known to be missing.
        for candidate in ci::action_files(&dir) {
            let name = candidate.rsplit('/').next().unwrap_or_default();
            let found = files
                .into_iter()
                .flatten()
                .find(|f| f.name == name && f.kind == "blob");
            match found.map(|f| text(&f.object)) {
                Some(Some(body)) => shared.offer(at(candidate), Fetched::Text(body)),
                Some(None) => {}
                None => shared.offer(at(candidate), Fetched::Missing),
            }
        }
    }
}

/// Most files one query asks for.
const FILES_PER_QUERY: usize = 50;

/// Read the shared files pending repositories wait on that the run has not read yet, into
/// `shared`. Every file asked for gets an answer, failures included, so no repository waits
/// on a file forever.
pub(super) async fn fetch(client: &Arc<Client>, shared: &mut Shared, pending: &mut [Pending]) {
    let mut asks: BTreeSet<Remote> = BTreeSet::new();
    for p in pending.iter_mut() {
        asks.extend(p.shared.drain(..).filter(|r| shared.get(r).is_none()));
    }
    let mut queued = Vec::new();
    for remote in asks {
        if shared.has_room() {
            queued.push(remote);
        } else {
            let why = format!(
                "the run already read {} shared files",
                crate::ci::remote::MAX_FILES
            );
            shared.insert(remote, Fetched::Failed(why));
        }
    }
    for chunk in queued.chunks(FILES_PER_QUERY) {
        match query_files(client, chunk).await {
            Ok(answers) => {
                for (remote, fetched) in chunk.iter().zip(answers) {
                    shared.insert(remote.clone(), fetched);
                }
            }
            Err(e) => {
                let why = format!("could not read it from GitHub: {e}");
                for remote in chunk {
                    shared.insert(remote.clone(), Fetched::Failed(why.clone()));
                }
            }
        }
    }
}

/// One `Files` query for `files` (sorted, so each repository's files are together).
async fn query_files(client: &Client, files: &[Remote]) -> Result<Vec<Fetched>, GitHubError> {
    let mut groups: Vec<(String, Vec<&Remote>)> = Vec::new();
    for remote in files {
        match groups.last_mut() {
            Some((repo, list)) if *repo == remote.repository() => list.push(remote),
            _ => groups.push((remote.repository(), vec![remote])),
        }
    }
    let mut vars = serde_json::Map::new();
    for (g, (_, list)) in groups.iter().enumerate() {
        vars.insert(format!("o{g}"), json!(list[0].owner));
        vars.insert(format!("r{g}"), json!(list[0].repo));
        for (f, remote) in list.iter().enumerate() {
            let expression = format!("{}:{}", remote.git_ref, remote.path);
            vars.insert(format!("f{g}_{f}"), json!(expression));
        }
    }
    let counts: Vec<usize> = groups.iter().map(|(_, list)| list.len()).collect();
    let answer = client
        .graphql(&query::files_query(&counts), vars.into(), true)
        .await?;
    let mut out = Vec::with_capacity(files.len());
    for (g, (repo, list)) in groups.iter().enumerate() {
        let data = &answer.data[format!("r{g}")];
        for f in 0..list.len() {
            out.push(if data.is_object() {
                fetched(&data[format!("f{g}_{f}")])
            } else {
                Fetched::Failed(format!(
                    "GitHub could not read `{repo}`: it does not exist or these credentials \
                     cannot see it"
                ))
            });
        }
    }
    Ok(out)
}

/// One answered blob: null is a file (or ref) that does not exist.
fn fetched(found: &serde_json::Value) -> Fetched {
    if !found.is_object() {
        return Fetched::Missing;
    }
    let Ok(blob) = serde_json::from_value::<query::Blob>(found.clone()) else {
        return Fetched::Failed("GitHub's answer for the file was not a file".into());
    };
    match blob {
        query::Blob {
            is_binary: Some(true),
            ..
        } => Fetched::Failed("the file is binary, not YAML".into()),
        query::Blob {
            byte_size: Some(size),
            ..
        } if size > MAX_BYTES => Fetched::Failed(too_large(size)),
        query::Blob {
            is_truncated: Some(true),
            ..
        } => Fetched::Failed("GitHub's API cuts the file short (it is over 512 KB)".into()),
        query::Blob {
            text: Some(text), ..
        } => Fetched::Text(text),
        // A path that is a folder: the `... on Blob` fragment selected nothing.
        _ => Fetched::Missing,
    }
}

//! Repositories from a GitHub organization: GraphQL pages that carry each repository's flags,
//! topics and CI files; one more batched query per level of local actions outside
//! `.github/actions`; REST only for files GraphQL truncates. The only async code in orgcheck.

mod client;
mod jwt;
pub mod owners;
pub mod pages;
pub mod query;
mod repos;
mod shared;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde_json::json;

pub use client::{Client, Replay};
use query::OrgReposData;
use repos::{Pending, fetch_actions, fetch_files, pending_from, settle};
pub use transport::ExtraRoots;

use crate::ci::budget::Limits;
use crate::ci::remote::Shared;
use crate::policy::RepoFacts;
use crate::source::Repository;

/// Repositories per GraphQL page: heavy pages (50 repositories with their CI files) stay well
/// under GitHub's 10-second query limit; a page that times out is retried smaller.
pub const PAGE_SIZE: usize = 50;
const MIN_PAGE_SIZE: usize = 5;
const PAGE_ATTEMPTS: u32 = 6;
/// REST requests in flight at once (GitHub allows 100; we stay far below).
const REST_CONCURRENCY: usize = 8;

/// Why GitHub could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// Options or credentials are unusable before any request.
    #[error("{0}")]
    Config(String),
    /// GitHub answered with an error status.
    #[error("GitHub answered {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// No usable answer (connection, timeout, malformed body), after retries.
    #[error("could not reach GitHub: {0}")]
    Transport(String),
    /// The server's certificate is refused: no retry can change that.
    #[error("could not reach GitHub: {0}")]
    Certificate(String),
    /// Waiting on rate limits would exceed `--max-wait`.
    #[error("waited {}s on GitHub (its rate limits, and retries of its errors); waiting {}s more would exceed --max-wait", waited.as_secs(), needed.as_secs())]
    MaxWait {
        /// Waited so far.
        waited: Duration,
        /// The next wait asked for.
        needed: Duration,
    },
    /// The organization does not exist or the credentials cannot see it.
    #[error("{0}")]
    NotFound(String),
}

/// How to reach GitHub.
#[derive(Debug, Clone)]
pub struct Connection {
    /// REST base: `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint: `https://api.github.com/graphql` or `https://HOST/api/graphql`.
    pub graphql_url: String,
    /// Credentials.
    pub auth: Auth,
    /// Bound on total time spent waiting on rate limits.
    pub max_wait: Option<Duration>,
    /// CA certificates trusted besides the built-in roots (a GHES behind a private CA).
    pub roots: ExtraRoots,
    /// Most time to wait for an answer to start (twice that for its body).
    pub timeout: Duration,
    /// Factor applied to every wait GitHub asks for. The binary always uses 1; tests that call
    /// the library directly shrink GitHub's minute-long waits with it (no environment
    /// variable or flag reaches it).
    pub wait_scale: f64,
}

/// Credentials.
#[derive(Clone)]
pub enum Auth {
    /// A token (`--token`, `GITHUB_TOKEN`, `GH_TOKEN`).
    Token(String),
    /// A GitHub App: orgcheck finds the organization's installation and mints a token.
    App {
        /// The App's id.
        app_id: u64,
        /// The App's private key, PEM.
        key_pem: String,
    },
    /// No credentials (public data only, low limits).
    None,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, even in debug output.
        match self {
            Auth::Token(_) => f.write_str("Token(***)"),
            Auth::App { app_id, .. } => write!(f, "App {{ app_id: {app_id}, key: *** }}"),
            Auth::None => f.write_str("None"),
        }
    }
}

/// Whether `pem` is a private key an App can sign with; the error says why not, quoting none
/// of it.
pub fn check_app_key(pem: &str) -> Result<(), GitHubError> {
    jwt::AppKey::from_pem(pem).map(|_| ())
}

/// The GraphQL URL that belongs to a REST base, following GitHub's layouts: `…/graphql` on
/// github.com, `https://HOST/api/graphql` for GHES's `https://HOST/api/v3`.
pub fn graphql_url_for(api_url: &str) -> String {
    let base = api_url.trim_end_matches('/');
    match base.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{base}/graphql"),
    }
}

/// Authenticate and return a client. For a GitHub App, `installation` is the REST path that
/// finds its installation: `/orgs/ORG/installation` or `/repos/OWNER/REPO/installation`.
pub async fn connect(conn: &Connection, installation: &str) -> Result<Client, GitHubError> {
    match &conn.auth {
        Auth::Token(t) => Client::new(conn, Some(t), vec![t.clone()]),
        Auth::None => Client::new(conn, None, Vec::new()),
        Auth::App { app_id, key_pem } => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let jwt = jwt::AppKey::from_pem(key_pem)?.jwt(*app_id, now)?;
            let secrets = vec![key_pem.clone(), jwt.clone()];
            // The JWT is a bearer token for these two requests only.
            let app = Client::new(conn, Some(&jwt), secrets)?;
            let url = app.rest_url(installation);
            let answer = app
                .request(
                    Method::GET,
                    &url,
                    None,
                    "application/vnd.github+json",
                    Replay::Safe,
                    true,
                )
                .await?;
            let id = match answer.status {
                200 => serde_json::from_str::<serde_json::Value>(&answer.body)
                    .ok()
                    .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64)),
                404 => {
                    return Err(GitHubError::NotFound(format!(
                        "GitHub App {app_id} has no installation at {installation}: install it on the organization"
                    )));
                }
                _ => return Err(app.status_error(&answer)),
            }
            .ok_or_else(|| GitHubError::Transport("installation answer has no id".into()))?;
            let url = app.rest_url(&format!("/app/installations/{id}/access_tokens"));
            let answer = app
                .request(
                    Method::POST,
                    &url,
                    None,
                    "application/vnd.github+json",
                    Replay::RateLimitOnly,
                    false,
                )
                .await?;
            if answer.status != 201 {
                return Err(app.status_error(&answer));
            }
            let token = serde_json::from_str::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string))
                .ok_or_else(|| {
                    GitHubError::Transport("installation token answer has no token".into())
                })?;
            let client = Client::new(conn, Some(&token), vec![token.clone(), key_pem.clone()])?;
            client.add_requests(app.requests());
            Ok(client)
        }
    }
}

/// Progress of a scan, for a status line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Repositories read so far.
    pub read: usize,
    /// Repositories in the organization, once known.
    pub total: Option<usize>,
    /// Requests so far.
    pub requests: usize,
    /// Rate limit left, when GitHub says.
    pub rate_remaining: Option<i64>,
}

/// What a scan read.
#[derive(Debug, Default)]
pub struct OrgScan {
    /// Repositories the organization has.
    pub total: usize,
    /// Why the scan is incomplete, when it is: the report is then partial.
    pub incomplete: Option<String>,
}

/// Where an organization scan hands each repository as soon as it is read whole, so the scan
/// holds a page's file texts at a time, not the organization's.
pub type Deliver<'a> = &'a mut (dyn FnMut(Repository) + Send);

/// Most bytes of file text repositories waiting on local actions elsewhere may hold before
/// those actions are fetched. Below it, the fetches of several pages share requests.
const PENDING_BYTES: usize = 32 << 20;

/// What a scan reads and follows besides each repository's own files.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    /// What one repository's CI may expand to.
    pub limits: Limits,
    /// Owners besides the organization whose shared workflows and actions are followed.
    pub resolve_owners: &'a [String],
    /// Whether each repository's owners come from its CODEOWNERS.
    pub codeowners: bool,
}

/// Read every repository of `org`, handing each to `deliver` in the order it is read whole.
/// Repositories out of scope (`in_scope` false) are still listed, but no extra request is
/// spent on them. Calls into the organization's (and `reading.resolve_owners`') repositories
/// are followed, each file read once for the run.
pub async fn scan_org(
    client: Arc<Client>,
    org: &str,
    in_scope: &(dyn Fn(&RepoFacts<'_>) -> bool + Sync),
    reading: Reading<'_>,
    progress: &mut (dyn FnMut(Progress) + Send),
    deliver: Deliver<'_>,
) -> Result<OrgScan, GitHubError> {
    let owners = std::iter::once(org).chain(reading.resolve_owners.iter().map(String::as_str));
    let mut shared = Shared::new(owners);
    let mut scan = OrgScan::default();
    let mut pending: Vec<Pending> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut size = PAGE_SIZE;
    let mut read = 0;
    // A server that repeats a cursor, or lists more than it counts, would page forever.
    let mut cursors = std::collections::HashSet::new();
    loop {
        let (answer, data) = match fetch_page(&client, org, cursor.as_deref(), &mut size).await {
            Ok(page) => page,
            Err(e) if read == 0 => return Err(e),
            Err(e) => {
                // What was read so far is the report, marked partial.
                scan.incomplete = Some(not_read(&e, &scan, read));
                break;
            }
        };
        let Some(organization) = data.organization else {
            return Err(not_found(org, &answer));
        };
        let page = organization.repositories;
        scan.total = page.total_count;
        for (i, node) in page.nodes.into_iter().enumerate() {
            read += 1;
            let errors = node_errors(&answer.errors, i);
            if let Some(node) = &node {
                shared::offer_page(&mut shared, org, node);
            }
            let found = Found { node, errors, read };
            take_node(found, in_scope, reading, &shared, deliver, &mut pending);
        }
        if pending.iter().map(Pending::text_bytes).sum::<usize>() > PENDING_BYTES {
            let waiting = std::mem::take(&mut pending);
            follow_actions(&client, org, waiting, &mut shared, deliver).await;
        }
        progress(Progress {
            read,
            total: Some(scan.total),
            requests: client.requests(),
            rate_remaining: data
                .rate_limit
                .as_ref()
                .map(|r| r.remaining)
                .or(client.rate_remaining()),
        });
        match (page.page_info.has_next_page, page.page_info.end_cursor) {
            (true, Some(next)) => {
                if let Some(why) = endless(&mut cursors, &next, read, scan.total) {
                    scan.incomplete = Some(not_read(&GitHubError::Transport(why), &scan, read));
                    break;
                }
                cursor = Some(next);
            }
            _ => break,
        }
        // Too few points left for another page like this one: wait for the reset instead of
        // sending a query GitHub will refuse.
        if let Some(limit) = &data.rate_limit
            && limit.remaining < limit.cost
            && let Err(e) = client.wait_for_reset().await
        {
            scan.incomplete = Some(not_read(&e, &scan, read));
            break;
        }
        // Pages that worked at a smaller size grow back, so one slow page does not slow the rest.
        size = (size * 2).min(PAGE_SIZE);
    }
    follow_actions(&client, org, pending, &mut shared, deliver).await;
    Ok(scan)
}

/// The error for an organization the answer does not have, with GitHub's reason.
fn not_found(org: &str, answer: &client::GraphqlAnswer) -> GitHubError {
    let why = answer
        .errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    GitHubError::NotFound(format!(
        "organization `{org}` was not found or is not visible with these credentials ({why})"
    ))
}

/// Why paging must stop although GitHub says there is a next page, if it must: the cursor
/// came before (the listing loops), or more repositories came than the organization has, with
/// a page of slack for repositories created during the scan.
fn endless(
    cursors: &mut std::collections::HashSet<String>,
    next: &str,
    read: usize,
    total: usize,
) -> Option<String> {
    if !cursors.insert(next.to_string()) {
        return Some("GitHub's repository listing returned a page cursor it had returned before, so it would never end".into());
    }
    (read > total + PAGE_SIZE).then(|| {
        format!("GitHub's repository listing went on past {read} repositories, but said the organization has {total}")
    })
}

/// One page of repositories after `cursor`. GitHub cuts heavy queries off after ~10 s with a
/// 502/504: those are asked again for fewer repositories (`size` shrinks), with backoff.
async fn fetch_page(
    client: &Client,
    org: &str,
    cursor: Option<&str>,
    size: &mut usize,
) -> Result<(client::GraphqlAnswer, OrgReposData), GitHubError> {
    let mut failures = 0;
    loop {
        let vars = json!({ "org": org, "first": *size, "after": cursor });
        match client.graphql(&query::ORG_REPOS, vars, false).await {
            Ok(answer) => {
                // A malformed page is not guessed at.
                let data: OrgReposData =
                    serde_json::from_value(answer.data.clone()).map_err(|e| {
                        GitHubError::Transport(format!("unexpected GraphQL answer: {e}"))
                    })?;
                return Ok((answer, data));
            }
            Err(e) if is_transient(&e) && failures + 1 < PAGE_ATTEMPTS => {
                failures += 1;
                *size = (*size / 2).max(MIN_PAGE_SIZE);
                client
                    .wait(Duration::from_millis(500 * 2u64.pow(failures)))
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The GraphQL errors about node `i` of a page.
fn node_errors(errors: &[client::GraphqlError], i: usize) -> Vec<String> {
    errors
        .iter()
        .filter(|e| e.path.get(3).and_then(|v| v.as_u64()) == Some(i as u64))
        .map(|e| e.message.clone())
        .collect()
}

/// One node of a page, with GitHub's errors about it and its place in the listing.
struct Found {
    node: Option<query::RepoNode>,
    errors: Vec<String>,
    read: usize,
}

/// One repository of a page: done when it needs nothing more, else pending on its actions.
fn take_node(
    Found { node, errors, read }: Found,
    in_scope: &(dyn Fn(&RepoFacts<'_>) -> bool + Sync),
    reading: Reading<'_>,
    shared: &Shared,
    deliver: Deliver<'_>,
    pending: &mut Vec<Pending>,
) {
    let Some(node) = node else {
        deliver(Repository {
            name: format!("(repository #{read} of the listing)"),
            read_error: Some(format!(
                "GitHub could not return this repository: {}",
                errors.join("; ")
            )),
            ..Repository::default()
        });
        return;
    };
    let mut p = pending_from(node, in_scope, reading.limits, reading.codeowners);
    if !errors.is_empty() {
        p.repo.read_error = Some(format!("GitHub reported: {}", errors.join("; ")));
    }
    match settle(&mut p, shared) {
        Some(repo) => deliver(repo),
        None => pending.push(p),
    }
}

/// Fetch the local actions, shared files and truncated files pending repositories name, one
/// round per nesting level, and add every repository to the scan.
async fn follow_actions(
    client: &Arc<Client>,
    org: &str,
    mut pending: Vec<Pending>,
    shared: &mut Shared,
    deliver: Deliver<'_>,
) {
    // `settle` ends every repository within `ci::MAX_ROUNDS` rounds of actions; a truncated
    // file takes a round of its own at most once. The cap only guards against a mistake here
    // turning into a scan that never ends.
    for _ in 0..repos::FOLLOW_ROUNDS {
        if pending.is_empty() {
            return;
        }
        fetch_actions(client, org, &mut pending).await;
        fetch_files(client, org, &mut pending).await;
        shared::fetch(client, shared, &mut pending).await;
        let mut again = Vec::new();
        for mut p in pending {
            match settle(&mut p, shared) {
                Some(repo) => deliver(repo),
                None => again.push(p),
            }
        }
        pending = again;
    }
    // Never dropped: a repository still reading is reported as not read whole.
    for p in pending {
        deliver(repos::unfinished(p, shared));
    }
}

fn not_read(e: &GitHubError, scan: &OrgScan, read: usize) -> String {
    format!(
        "{e}; {} of {} repositories were not read",
        scan.total.saturating_sub(read),
        scan.total
    )
}

fn is_transient(e: &GitHubError) -> bool {
    matches!(
        e,
        GitHubError::Transport(_)
            | GitHubError::Status {
                status: 500 | 502 | 503 | 504,
                ..
            }
    )
}

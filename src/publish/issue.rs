//! One compliance issue per organization and policy, kept current. It is found by the marker
//! that ends its body, the `orgcheck` label and its author: only an issue this run's identity
//! opened is ever edited, so no look-alike can be taken over. Created when missing, its body
//! rewritten only when the report changed, closed when all is compliant, reopened on a
//! regression; duplicates (two concurrent runs) are closed in favour of the oldest. What to do
//! is planned first ([`super::plan`]), then applied or, in a dry run, printed.

use http::Method;
use serde_json::{Value, json};

use super::footer::{self, Marker};
use super::plan::{self, Action, Described, Found, Situation, StateChange};
use super::state::{RunState, fingerprint};
use crate::report::Report;
use crate::report::view::Changes;
use crate::source::github::{Client, GitHubError, Replay, pages, query};

/// GitHub refuses longer issue bodies with 422.
pub const BODY_LIMIT: usize = 65_536;
/// The label that, with the marker, identifies orgcheck's issue.
pub const LABEL: &str = "orgcheck";
const ACCEPT: &str = "application/vnd.github+json";

/// Where and how to publish.
#[derive(Debug, Clone)]
pub struct Target {
    /// `OWNER/REPO`.
    pub repo: String,
    /// What the issue reports on: its identity.
    pub marker: Marker,
    /// Title for a new issue (an existing one keeps whatever title people gave it).
    pub title: String,
    /// Close the issue when everything is compliant.
    pub close_when_passing: bool,
    /// Reopen a closed issue when something fails again.
    pub reopen: bool,
    /// Compute and print what would be done; send no write.
    pub dry_run: bool,
}

/// What publishing did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct Published {
    /// The issue's web address, when there is one.
    pub url: Option<String>,
    /// One line per action, for the log.
    pub actions: Vec<String>,
    /// Issues left alone because someone else opened them, for warnings.
    pub look_alikes: Vec<String>,
    /// Changes since the previous run, when the issue carried a state.
    pub changes: Option<Changes>,
    /// The body published (or that would be).
    pub body: Option<String>,
}

/// A rendering without what changes every run by itself (the date), so an unchanged report
/// causes no write and no notification.
fn comparable(body: &str, date: &str) -> String {
    body.replace(date, "")
}

/// Renders the report's Markdown within a budget of characters: `Some(changes)` as published,
/// `None` as the comparable rendering, without what differs on every run (the changes since
/// the last run, the run's link, its duration), so an unchanged report is recognised.
pub type Render<'a> = dyn Fn(Option<&Changes>, usize) -> String + Sync + 'a;

/// Publish `report`, rendered by `render`.
pub async fn publish(
    client: &Client,
    target: &Target,
    report: &Report,
    render: &Render<'_>,
) -> Result<Published, GitHubError> {
    let me = viewer(client).await?;
    let found = list(client, &target.repo, &target.marker).await?;
    let (ours, others) = plan::split(found, &me);
    let previous = ours.first().and_then(|i| RunState::decode(&i.state));
    let mut out = Published {
        changes: previous.as_ref().and_then(|s| s.changes(report)),
        ..Published::default()
    };
    // The state line has a fixed size for a given report, so measure it with a placeholder.
    let body_of = |shown: &str, content: u64| {
        footer::compose(
            shown,
            &target.marker,
            &RunState::of(report, content, previous.as_ref()).encode(),
        )
    };
    let budget = BODY_LIMIT.saturating_sub(body_of("", 0).chars().count() + 16);
    let content = fingerprint(&comparable(&render(None, budget), &report.date.to_string()));
    let none = Changes::default();
    let body = body_of(
        &render(Some(out.changes.as_ref().unwrap_or(&none)), budget),
        content,
    );
    let actions = plan::decide(&Situation {
        ours: &ours,
        others: &others,
        previous: previous.map(|p| p.content),
        content,
        passing: report.is_passing(),
        close_when_passing: target.close_when_passing,
        reopen: target.reopen,
    });
    out.url = ours.first().map(|i| i.url.clone());
    for action in &actions {
        if !target.dry_run
            && let Some(url) = apply(client, target, action, &body).await?
        {
            out.url = Some(url);
        }
        let described = Described {
            action,
            done: !target.dry_run,
            repo: &target.repo,
            me: &me,
        };
        let line = match (action, &out.url) {
            (Action::Create, Some(url)) if !target.dry_run => format!("created {url}"),
            _ => described.to_string(),
        };
        if matches!(action, Action::LookAlike { .. }) {
            out.look_alikes.push(line.clone());
        }
        out.actions.push(line);
    }
    out.body = Some(body);
    Ok(out)
}

/// Send one action's writes; the new issue's address for [`Action::Create`].
async fn apply(
    client: &Client,
    target: &Target,
    action: &Action,
    body: &str,
) -> Result<Option<String>, GitHubError> {
    let repo = &target.repo;
    let issue_url = |number: u64| format!("{}/{number}", issues_url(client, repo));
    match action {
        Action::NothingToOpen | Action::UpToDate { .. } | Action::LookAlike { .. } => Ok(None),
        Action::Create => {
            let payload = json!({ "title": target.title, "body": body, "labels": [LABEL] });
            let created = write(
                client,
                Method::POST,
                &issues_url(client, repo),
                &payload,
                repo,
            )
            .await?;
            Ok(created
                .get("html_url")
                .and_then(Value::as_str)
                .map(str::to_string))
        }
        Action::Update {
            number,
            body: new_body,
            state,
            ..
        } => {
            let mut patch = serde_json::Map::new();
            if *new_body {
                patch.insert("body".into(), json!(body));
            }
            match state {
                Some(StateChange::Close) => {
                    patch.insert("state".into(), json!("closed"));
                    patch.insert("state_reason".into(), json!("completed"));
                }
                Some(StateChange::Reopen) => {
                    patch.insert("state".into(), json!("open"));
                }
                None => {}
            }
            write(
                client,
                Method::PATCH,
                &issue_url(*number),
                &Value::Object(patch),
                repo,
            )
            .await?;
            Ok(None)
        }
        Action::CloseDuplicate { number, keep } => {
            let base = issue_url(*number);
            let comment = json!({ "body": format!("Closing as a duplicate of #{keep}: orgcheck keeps one report issue per organization and policy.") });
            write(
                client,
                Method::POST,
                &format!("{base}/comments"),
                &comment,
                repo,
            )
            .await?;
            let close = json!({ "state": "closed", "state_reason": "not_planned" });
            write(client, Method::PATCH, &base, &close, repo).await?;
            Ok(None)
        }
    }
}

/// Who this run is on GitHub: the login issues it opens carry as their author.
async fn viewer(client: &Client) -> Result<String, GitHubError> {
    let answer = client.graphql(query::VIEWER, json!({}), true).await?;
    answer
        .data
        .pointer("/viewer/login")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            let why = answer
                .errors
                .first()
                .map(|e| client.scrub(&e.message))
                .unwrap_or_else(|| "no login in the answer".into());
            GitHubError::Transport(format!(
                "could not tell who these credentials are (GraphQL `viewer`): {why}; \
                 publishing the issue needs a token or an App"
            ))
        })
}

fn issues_url(client: &Client, repo: &str) -> String {
    client.rest_url(&format!("/repos/{repo}/issues"))
}

/// Every issue (open or closed) with the label whose body ends with `marker`, across all
/// pages. Not the search API: its index lags behind writes, so a fresh issue would be missed.
async fn list(client: &Client, repo: &str, marker: &Marker) -> Result<Vec<Found>, GitHubError> {
    let first = format!(
        "{}?labels={LABEL}&state=all&per_page=100",
        issues_url(client, repo)
    );
    let on_status = |status: u16, message: &str| explain(client, status, message, repo);
    let items = pages::all(client, first, "issue list", &on_status).await?;
    Ok(items
        .iter()
        .filter_map(|item| found(item, marker))
        .collect())
}

/// An issue of the listing, if its body ends with `marker` (a pull request never is one).
fn found(item: &Value, marker: &Marker) -> Option<Found> {
    if item.get("pull_request").is_some() {
        return None;
    }
    let text = |key: &str| {
        item.pointer(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let footer = footer::read(text("/body")).filter(|f| f.marker == marker.line())?;
    Some(Found {
        number: item.get("number").and_then(Value::as_u64)?,
        url: text("/html_url").to_string(),
        open: text("/state") == "open",
        author: text("/user/login").to_string(),
        state: footer.state.to_string(),
    })
}

/// A write, never replayed after a 5xx or timeout (it may have happened); rate limits that
/// GitHub says refused it are waited out and retried.
async fn write(
    client: &Client,
    method: Method,
    url: &str,
    payload: &Value,
    repo: &str,
) -> Result<Value, GitHubError> {
    let answer = client
        .request(
            method,
            url,
            Some(payload),
            ACCEPT,
            Replay::RateLimitOnly,
            false,
        )
        .await?;
    if !(200..300).contains(&answer.status) {
        return Err(explain(client, answer.status, &answer.message(), repo));
    }
    Ok(serde_json::from_str(&answer.body).unwrap_or(Value::Null))
}

fn explain(client: &Client, status: u16, message: &str, repo: &str) -> GitHubError {
    let message = client.scrub(message);
    let hint = match status {
        410 => format!(
            "issues are disabled in {repo}: enable them in its settings, or pass another --issue-repo"
        ),
        403 => format!(
            "no permission to write issues in {repo}: the token or App needs `issues: write` there"
        ),
        404 => format!("{repo} was not found, or the credentials cannot see it"),
        401 => "GitHub refused the credentials".to_string(),
        _ => format!("publishing to {repo} failed"),
    };
    GitHubError::Status {
        status,
        message: format!("{hint} ({message})"),
    }
}

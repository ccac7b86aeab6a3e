//! One compliance issue per organization and policy, kept current: found by a hidden marker
//! plus the `orgcheck` label (whatever its title has become), created when missing, its body
//! rewritten only when the report changed, closed when all is compliant, reopened on a
//! regression. Duplicates (two concurrent runs) are closed in favour of the oldest.

use http::Method;
use serde_json::{Value, json};

use super::state::{RunState, fingerprint};
use crate::report::Report;
use crate::report::view::Changes;
use crate::source::github::{Client, GitHubError, Replay};

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
    /// Changes since the previous run, when the issue carried a state.
    pub changes: Option<Changes>,
    /// The body published (or that would be).
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
struct Issue {
    number: u64,
    url: String,
    body: String,
    open: bool,
}

/// The hidden line that identifies the issue of one source and policy.
pub fn marker(report: &Report) -> String {
    let clean = |s: &str| s.replace("--", "- -").replace('>', "");
    format!(
        "<!-- orgcheck:report source=\"{}\" policy=\"{}\" -->",
        clean(&report.source),
        clean(&report.policy)
    )
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
    let marker = marker(report);
    let mut found = list(client, &target.repo, &marker).await?;
    found.sort_by_key(|i| i.number);
    let mut out = Published::default();
    let kept = found.first().cloned();
    let previous = kept.as_ref().and_then(|i| RunState::decode(&i.body));
    out.changes = previous.as_ref().map(|s| s.changes(report));
    // The state line has a fixed size for a given report, so measure it with a placeholder.
    let tail_of =
        |content: u64| format!("\n{marker}\n{}\n", RunState::of(report, content).encode());
    let budget = BODY_LIMIT.saturating_sub(tail_of(0).chars().count() + 16);
    let plain = render(None, budget);
    let content = fingerprint(&comparable(&plain, &report.date));
    let none = Changes::default();
    let shown = render(Some(out.changes.as_ref().unwrap_or(&none)), budget);
    let body = format!("{shown}{}", tail_of(content));
    let passing = report.is_passing();
    out.body = Some(body.clone());

    match &kept {
        None if passing => out
            .actions
            .push("everything is compliant: no issue to open".into()),
        None => {
            let payload = json!({ "title": target.title, "body": body, "labels": [LABEL] });
            if target.dry_run {
                out.actions
                    .push(format!("would create an issue in {}", target.repo));
            } else {
                let created = write(
                    client,
                    Method::POST,
                    &issues_url(client, &target.repo),
                    &payload,
                    &target.repo,
                )
                .await?;
                out.url = created
                    .get("html_url")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.actions.push(format!(
                    "created {}",
                    out.url.as_deref().unwrap_or("the issue")
                ));
            }
        }
        Some(issue) => {
            out.url = Some(issue.url.clone());
            let mut patch = serde_json::Map::new();
            let mut what = Vec::new();
            if previous.as_ref().map(|p| p.content) != Some(content) {
                patch.insert("body".into(), json!(body));
                what.push("update the report");
            }
            if passing && issue.open && target.close_when_passing {
                patch.insert("state".into(), json!("closed"));
                patch.insert("state_reason".into(), json!("completed"));
                what.push("close it: everything is compliant");
            } else if !passing && !issue.open && target.reopen {
                patch.insert("state".into(), json!("open"));
                what.push("reopen it: something fails again");
            }
            if patch.is_empty() {
                out.actions
                    .push(format!("{} is up to date: no write", issue.url));
            } else if target.dry_run {
                out.actions
                    .push(format!("would {} ({})", what.join(" and "), issue.url));
            } else {
                let url = format!("{}/{}", issues_url(client, &target.repo), issue.number);
                write(
                    client,
                    Method::PATCH,
                    &url,
                    &Value::Object(patch),
                    &target.repo,
                )
                .await?;
                out.actions.push(format!("{} ({})", past(&what), issue.url));
            }
        }
    }

    // Duplicates from concurrent runs: keep the oldest, close the others pointing to it.
    if let Some(kept) = &kept {
        for dup in found.iter().skip(1).filter(|i| i.open) {
            if target.dry_run {
                out.actions.push(format!(
                    "would close duplicate #{} in favour of #{}",
                    dup.number, kept.number
                ));
                continue;
            }
            let base = format!("{}/{}", issues_url(client, &target.repo), dup.number);
            let comment = json!({ "body": format!("Closing as a duplicate of #{}: orgcheck keeps one report issue per organization and policy.", kept.number) });
            write(
                client,
                Method::POST,
                &format!("{base}/comments"),
                &comment,
                &target.repo,
            )
            .await?;
            write(
                client,
                Method::PATCH,
                &base,
                &json!({ "state": "closed", "state_reason": "not_planned" }),
                &target.repo,
            )
            .await?;
            out.actions.push(format!(
                "closed duplicate #{} in favour of #{}",
                dup.number, kept.number
            ));
        }
    }
    Ok(out)
}

fn past(what: &[&str]) -> String {
    what.iter()
        .map(|w| {
            w.replacen("update", "updated", 1)
                .replacen("close", "closed", 1)
                .replacen("reopen", "reopened", 1)
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn issues_url(client: &Client, repo: &str) -> String {
    client.rest_url(&format!("/repos/{repo}/issues"))
}

/// Every issue (open or closed) with the label whose body has the marker, across all pages.
/// Not the search API: its index lags behind writes, so a fresh issue would be missed.
async fn list(client: &Client, repo: &str, marker: &str) -> Result<Vec<Issue>, GitHubError> {
    let mut url = Some(format!(
        "{}?labels={LABEL}&state=all&per_page=100",
        issues_url(client, repo)
    ));
    let mut out = Vec::new();
    while let Some(next) = url.take() {
        let answer = client
            .request(Method::GET, &next, None, ACCEPT, Replay::Safe, true)
            .await?;
        if answer.status != 200 {
            return Err(explain(client, answer.status, &answer.message(), repo));
        }
        let items: Vec<Value> = serde_json::from_str(&answer.body)
            .map_err(|e| GitHubError::Transport(format!("unexpected issues answer: {e}")))?;
        for item in items {
            let body = item.get("body").and_then(Value::as_str).unwrap_or_default();
            if item.get("pull_request").is_some() || !body.contains(marker) {
                continue;
            }
            out.push(Issue {
                number: item
                    .get("number")
                    .and_then(Value::as_u64)
                    .unwrap_or_default(),
                url: item
                    .get("html_url")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                body: body.to_string(),
                open: item.get("state").and_then(Value::as_str) == Some("open"),
            });
        }
        url = next_link(answer.headers.get("link").and_then(|v| v.to_str().ok()));
    }
    Ok(out)
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(link: Option<&str>) -> Option<String> {
    link?.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
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

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn follows_the_next_link() {
        let h = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(
            next_link(Some(h)).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        assert_eq!(next_link(Some(r#"<x>; rel="prev""#)), None);
        assert_eq!(next_link(None), None);
    }
}

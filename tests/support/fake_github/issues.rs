//! The fake's issues API: list with labels, state and pagination (Link header), create,
//! update, comment, each issue with the author whose token opened it; GitHub's 422 for bodies
//! and comments over 65,536 characters.

use axum::http::Method;
use serde_json::{Value, json};

use super::{Answer, FakeIssue, State, error_body, rate_headers};

fn issue_json(s: &State, i: &FakeIssue) -> Value {
    let mut v = json!({
        "id": 1000 + i.number, "node_id": format!("I_{}", i.number), "number": i.number,
        "url": format!("https://api.github.com/repos/{}/issues/{}", s.issue_repo, i.number),
        "html_url": format!("https://github.com/{}/issues/{}", s.issue_repo, i.number),
        "title": i.title, "body": i.body, "state": i.state,
        "state_reason": if i.state == "closed" { json!("completed") } else { Value::Null },
        "labels": i.labels.iter().map(|l| json!({ "name": l, "color": "ededed" })).collect::<Vec<_>>(),
        "comments": i.comments.len(),
        "user": { "login": i.author, "type": if i.author.ends_with("[bot]") { "Bot" } else { "User" } },
        "created_at": format!("2026-01-{:02}T00:00:00Z", (i.number % 28) + 1),
    });
    if i.pull_request {
        v["pull_request"] = json!({ "url": "https://api.github.com/repos/x/y/pulls/1" });
    }
    v
}

fn query_param<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// Whether a request's body is over GitHub's limit.
fn too_long(request: &Value) -> bool {
    request["body"]
        .as_str()
        .is_some_and(|t| t.chars().count() > 65_536)
}

/// GitHub's 422 for a body over the limit.
fn invalid() -> String {
    json!({ "message": "Validation Failed", "errors": [{ "resource": "Issue", "code": "custom", "field": "body",
        "message": "body is too long (maximum is 65536 characters)" }], "documentation_url": "https://docs.github.com/rest/issues/issues" }).to_string()
}

/// GitHub's issues API for the one repository the fake keeps issues for.
pub(super) fn issues_route(
    s: &mut State,
    login: &str,
    method: &Method,
    rest: &str,
    query: &str,
    body: &str,
    host: &str,
) -> Option<Answer> {
    let list_paths = [
        format!("/repos/{}/issues", s.issue_repo),
        "/repositories/1/issues".to_string(),
    ];
    let base = format!("/repos/{}/issues", s.issue_repo);
    let sub = if list_paths.iter().any(|p| p == rest) {
        Some("")
    } else {
        rest.strip_prefix(&base)
    };
    let sub = sub?;
    if let Some(status) = s.issues_fail {
        let message = match status {
            410 => "Issues are disabled for this repo",
            403 => "Resource not accessible by integration",
            _ => "Server Error",
        };
        return Some((status, rate_headers(s, "core", false), error_body(message)));
    }
    if let Some(status) = s.issue_writes_fail
        && *method != Method::GET
    {
        let body = json!({ "message": "Validation Failed", "errors": [{ "resource": "Issue", "code": "invalid" }],
            "documentation_url": "https://docs.github.com/rest/issues/issues" });
        return Some((status, rate_headers(s, "core", false), body.to_string()));
    }
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (method.clone(), sub) {
        (Method::GET, "") => list(s, query, host),
        (Method::POST, "") => create(s, login, &request),
        (Method::PATCH, n) => {
            let number: u64 = n.trim_start_matches('/').parse().ok()?;
            if too_long(&request) {
                return Some((422, rate_headers(s, "core", false), invalid()));
            }
            let issue = s.issues.iter_mut().find(|i| i.number == number)?;
            if let Some(b) = request["body"].as_str() {
                issue.body = b.into();
            }
            if let Some(st) = request["state"].as_str() {
                issue.state = st.into();
            }
            let issue = issue.clone();
            Some((
                200,
                rate_headers(s, "core", false),
                issue_json(s, &issue).to_string(),
            ))
        }
        (Method::POST, n) if n.ends_with("/comments") => comment(s, n, &request),
        _ => None,
    }
}

/// `GET /repos/{o}/{r}/issues`: filtered by labels and state, newest first, paginated with a
/// `Link` header.
fn list(s: &State, query: &str, host: &str) -> Option<Answer> {
    let labels: Vec<&str> = query_param(query, "labels")
        .map(|l| l.split(',').collect())
        .unwrap_or_default();
    let state = query_param(query, "state").unwrap_or("open");
    let per_page: usize = query_param(query, "per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .min(s.issues_page);
    let page: usize = query_param(query, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let matching: Vec<&FakeIssue> = s
        .issues
        .iter()
        .rev() // newest first, as GitHub sorts by default
        .filter(|i| labels.iter().all(|l| i.labels.iter().any(|x| x == l)))
        .filter(|i| state == "all" || i.state == state)
        .collect();
    let items: Vec<Value> = matching
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|i| issue_json(s, i))
        .collect();
    let mut h = rate_headers(s, "core", false);
    if page * per_page < matching.len() {
        // GitHub's next links may use the repository id form.
        h.push(("link".into(), format!(
            "<http://{host}{}/repositories/1/issues?labels={}&state={state}&per_page={per_page}&page={}>; rel=\"next\"",
            s.rest_prefix, labels.join(","), page + 1)));
    }
    Some((200, h, Value::Array(items).to_string()))
}

/// `POST /repos/{o}/{r}/issues`: the issue is by whoever the token is.
fn create(s: &mut State, login: &str, request: &Value) -> Option<Answer> {
    if too_long(request) {
        return Some((422, rate_headers(s, "core", false), invalid()));
    }
    let number = s.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
    let issue = FakeIssue {
        number,
        title: request["title"].as_str().unwrap_or_default().into(),
        body: request["body"].as_str().unwrap_or_default().into(),
        state: "open".into(),
        labels: request["labels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        comments: Vec::new(),
        pull_request: false,
        author: login.into(),
    };
    let v = issue_json(s, &issue);
    s.issues.push(issue);
    Some((201, rate_headers(s, "core", false), v.to_string()))
}

/// `POST /repos/{o}/{r}/issues/{n}/comments`: a comment has the same limit as a body.
fn comment(s: &mut State, path: &str, request: &Value) -> Option<Answer> {
    let number: u64 = path
        .trim_start_matches('/')
        .trim_end_matches("/comments")
        .parse()
        .ok()?;
    if too_long(request) {
        return Some((422, rate_headers(s, "core", false), invalid()));
    }
    let issue = s.issues.iter_mut().find(|i| i.number == number)?;
    issue
        .comments
        .push(request["body"].as_str().unwrap_or_default().into());
    Some((
        201,
        rate_headers(s, "core", false),
        json!({ "id": 1, "body": request["body"] }).to_string(),
    ))
}

//! The fake's GraphQL endpoint: orgcheck's OrgRepos query, paginated by cursor, with
//! GitHub's argument limits and NOT_FOUND shape.

use serde_json::{Value, json};

use super::{Answer, Fault, State, rate_headers, serve_fault};

fn blob(text: &str, truncated: bool) -> Value {
    let shown = if truncated {
        &text[..text.len().min(64)]
    } else {
        text
    };
    json!({ "text": shown, "byteSize": text.len(), "isTruncated": truncated, "isBinary": false })
}

pub(super) fn graphql(s: &mut State, body: &str) -> Answer {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or("");
    let vars = &request["variables"];
    if !query.contains("organization(login: $org)")
        || !query.contains("repositories(first: $first, after: $after")
    {
        return (200, rate_headers(s, "graphql", false),
                json!({ "errors": [{ "message": "this fake answers only orgcheck's OrgRepos query" }] }).to_string());
    }
    let first = vars["first"].as_u64().unwrap_or(0) as usize;
    if !(1..=100).contains(&first) {
        return (200, rate_headers(s, "graphql", false), json!({ "errors": [{
            "type": "EXCESSIVE_PAGINATION",
            "message": format!("Requesting {first} records on the `repositories` connection exceeds the `first` limit of 100 records.") }] }).to_string());
    }
    if let Some(limit) = s.heavy_page_limit
        && first > limit
    {
        return serve_fault(s, Fault::timeout_502(), true);
    }
    if vars["org"].as_str() != Some(s.org.as_str()) {
        return (200, rate_headers(s, "graphql", false), json!({
            "data": { "rateLimit": { "cost": 1, "remaining": s.rate_remaining, "resetAt": "2099-01-01T00:00:00Z" }, "organization": null },
            "errors": [{ "type": "NOT_FOUND", "path": ["organization"], "locations": [{"line": 3, "column": 3}],
                         "message": format!("Could not resolve to an Organization with the login of '{}'.", vars["org"].as_str().unwrap_or("")) }] }).to_string());
    }
    let start = vars["after"]
        .as_str()
        .and_then(|c| c.strip_prefix("cursor:"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let repos = &s.repos;
    let end = (start + first).min(repos.len());
    let nodes: Vec<Value> = repos[start.min(end)..end]
        .iter()
        .map(|r| {
            let url = format!("https://github.com/{}/{}", s.org, r.name);
            let topics = json!({ "nodes": r.topics.iter().map(|t| json!({ "topic": { "name": t } })).collect::<Vec<_>>() });
            if r.empty {
                return json!({ "name": r.name, "url": url, "isArchived": r.archived, "isFork": r.fork, "isEmpty": true,
                               "defaultBranchRef": null, "repositoryTopics": topics, "circleci": null, "workflows": null });
            }
            let workflows = if r.workflows.is_empty() {
                Value::Null
            } else {
                json!({ "entries": r.workflows.iter().map(|(n, t)| json!({ "name": n, "type": "blob", "object": blob(t, false) })).collect::<Vec<_>>() })
            };
            json!({
                "name": r.name, "url": url, "isArchived": r.archived, "isFork": r.fork, "isEmpty": false,
                "defaultBranchRef": { "name": "main", "target": { "oid": format!("{:040x}", r.name.len()) } },
                "repositoryTopics": topics,
                "circleci": r.circleci.as_deref().map(|t| {
                    let name = r.circleci_path().trim_start_matches(".circleci/").to_string();
                    json!({ "entries": [{ "name": name, "type": "blob", "object": blob(t, r.circleci_truncated) }] })
                }),
                "workflows": workflows,
            })
        })
        .collect();
    let has_next = end < repos.len();
    let cost = 1 + first * 21 / 100;
    (200, rate_headers(s, "graphql", false), json!({ "data": {
        "rateLimit": { "cost": cost, "remaining": s.rate_remaining, "resetAt": "2099-01-01T00:00:00Z" },
        "organization": { "repositories": {
            "totalCount": repos.len(),
            "pageInfo": { "hasNextPage": has_next, "endCursor": if end > start { json!(format!("cursor:{end}")) } else { Value::Null } },
            "nodes": nodes } } } }).to_string())
}

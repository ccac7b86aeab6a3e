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

/// orgcheck's `Files` query, read from its variables (the document itself is validated against
/// GitHub's schema by tests/graphql_schema.rs): `$o<i>`/`$r<i>` name a repository (any case,
/// as GitHub compares), `$f<i>_<j>` a `REF:PATH` expression; the answer nests blobs under the
/// same aliases, null when absent (a repository null when it does not exist or is not visible).
fn files(s: &State, vars: &Value) -> Answer {
    let mut data = serde_json::Map::new();
    data.insert("rateLimit".into(), rate_limit(s, 1));
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    for (key, name) in vars.as_object().into_iter().flatten() {
        let Some(i) = key.strip_prefix('r') else {
            continue;
        };
        let owner = vars[format!("o{i}")].as_str().unwrap_or_default();
        let name = name.as_str().unwrap_or_default();
        let found = if same(owner, &s.org) {
            s.repos.iter().find(|r| same(&r.name, name))
        } else {
            s.elsewhere
                .iter()
                .find(|(o, r)| same(o, owner) && same(&r.name, name))
                .map(|(_, r)| r)
        };
        let Some(repo) = found else {
            data.insert(key.clone(), Value::Null);
            continue;
        };
        let mut fields = serde_json::Map::new();
        for (fkey, expression) in vars.as_object().into_iter().flatten() {
            let Some(rest) = fkey.strip_prefix(&format!("f{i}_")) else {
                continue;
            };
            if rest.contains('_') {
                continue;
            }
            let (git_ref, path) = expression
                .as_str()
                .and_then(|e| e.split_once(':'))
                .unwrap_or_default();
            let text = repo.text_at(git_ref, path);
            fields.insert(
                fkey.clone(),
                text.map(|t| blob(t, false)).unwrap_or(Value::Null),
            );
        }
        data.insert(key.clone(), Value::Object(fields));
    }
    (
        200,
        rate_headers(s, "graphql", false),
        json!({ "data": data }).to_string(),
    )
}

/// `.circleci` as GitHub lists it: the config and any other file directly in the folder.
fn circleci_tree(r: &super::FakeRepo) -> Value {
    let mut entries: Vec<Value> = Vec::new();
    if let Some(t) = r.circleci.as_deref() {
        let name = r
            .circleci_path()
            .trim_start_matches(".circleci/")
            .to_string();
        entries
            .push(json!({ "name": name, "type": "blob", "object": blob(t, r.circleci_truncated) }));
    }
    for (path, text) in &r.files {
        if let Some(name) = path.strip_prefix(".circleci/").filter(|n| !n.contains('/')) {
            entries.push(json!({ "name": name, "type": "blob", "object": blob(text, false) }));
        }
    }
    if entries.is_empty() {
        Value::Null
    } else {
        json!({ "entries": entries })
    }
}

/// `.github/actions` two levels deep, as the query asks: folders with their files; a folder
/// one level further down is listed as a tree with nothing selected (`{}`), as GitHub answers
/// a fragment that does not apply.
fn actions_tree(r: &super::FakeRepo) -> Value {
    let mut folders: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for (path, text) in &r.files {
        let Some(rest) = path.strip_prefix(".github/actions/") else {
            continue;
        };
        let Some((folder, inner)) = rest.split_once('/') else {
            continue;
        };
        let entry = match inner.split_once('/') {
            None => json!({ "name": inner, "type": "blob", "object": blob(text, false) }),
            Some((sub, _)) => json!({ "name": sub, "type": "tree", "object": {} }),
        };
        let files = folders.entry(folder).or_default();
        if !files.contains(&entry) {
            files.push(entry);
        }
    }
    if folders.is_empty() {
        return Value::Null;
    }
    json!({ "entries": folders.into_iter().map(|(name, entries)| json!({
        "name": name, "type": "tree", "object": { "entries": entries } })).collect::<Vec<_>>() })
}

/// A query's cost as GitHub documents it: the requests its connections could need, at their
/// `first` limits, divided by 100 and rounded, at least 1. OrgRepos asks `repositories(first:
/// N)` and each node's `repositoryTopics(first: 20)`: 1 + N requests. Files and Viewer ask no
/// connection: 1.
fn cost(first: usize) -> i64 {
    (((1 + first) as f64 / 100.0).round() as i64).max(1)
}

/// `rateLimit` as the answer gives it: the cost charged, the points left, the reset time.
fn rate_limit(s: &State, cost: i64) -> Value {
    json!({ "cost": cost, "remaining": s.graphql_points.max(0), "resetAt": iso8601(s.graphql_reset) })
}

/// Unix seconds as GitHub writes times: `2026-12-06T21:40:00Z`.
fn iso8601(secs: u64) -> String {
    let rem = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        orgcheck::policy::Date::of_unix(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Charge a query's cost to the window's points; `Some(refusal)` when they do not cover it,
/// as GitHub answers: 200, `RATE_LIMITED`, no data.
fn charge(s: &mut State, cost: i64) -> Option<Answer> {
    let now = super::now();
    if now >= s.graphql_reset {
        s.graphql_points = 5000;
        s.graphql_reset = now + s.graphql_window;
    }
    if s.graphql_points < cost {
        return Some((
            200,
            rate_headers(s, "graphql", false),
            json!({ "data": null, "errors": [{
            "type": "RATE_LIMITED",
            "message": "API rate limit exceeded for user ID 1." }] })
            .to_string(),
        ));
    }
    s.graphql_points -= cost;
    None
}

/// One repository of a page, as GitHub answers the OrgRepos fields.
fn node(s: &State, r: &super::FakeRepo) -> Value {
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
        "defaultBranchRef": { "name": "main", "target": { "oid": r.head() } },
        "repositoryTopics": topics,
        "circleci": circleci_tree(r),
        "workflows": workflows,
        "actions": actions_tree(r),
        "codeowners0": r.text_at("HEAD", ".github/CODEOWNERS").map(|t| blob(t, false)),
        "codeowners1": r.text_at("HEAD", "CODEOWNERS").map(|t| blob(t, false)),
        "codeowners2": r.text_at("HEAD", "docs/CODEOWNERS").map(|t| blob(t, false)),
    })
}

pub(super) fn graphql(s: &mut State, body: &str, login: &str) -> Answer {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or("");
    let vars = &request["variables"];
    let first = vars["first"].as_u64().unwrap_or(0) as usize;
    let charged = if query.starts_with("query OrgRepos(") {
        cost(first)
    } else {
        1
    };
    if let Some(refused) = charge(s, charged) {
        return refused;
    }
    if query.starts_with("query Viewer ") {
        return (
            200,
            rate_headers(s, "graphql", false),
            json!({ "data": { "viewer": { "login": login } } }).to_string(),
        );
    }
    if query.starts_with("query Files(") {
        return files(s, vars);
    }
    if !query.contains("organization(login: $org)")
        || !query.contains("repositories(first: $first, after: $after")
    {
        return (200, rate_headers(s, "graphql", false),
                json!({ "errors": [{ "message": "this fake answers only orgcheck's OrgRepos query" }] }).to_string());
    }
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
            "data": { "rateLimit": rate_limit(s, 1), "organization": null },
            "errors": [{ "type": "NOT_FOUND", "path": ["organization"], "locations": [{"line": 3, "column": 3}],
                         "message": format!("Could not resolve to an Organization with the login of '{}'.", vars["org"].as_str().unwrap_or("")) }] }).to_string());
    }
    let start = match page_start(s, &vars["after"]) {
        Ok(n) => n,
        Err(refused) => return refused,
    };
    let repos = &s.repos;
    let end = (start + first).min(repos.len());
    let nodes: Vec<Value> = repos[start.min(end)..end]
        .iter()
        .map(|r| node(s, r))
        .collect();
    let has_next = end < repos.len();
    (200, rate_headers(s, "graphql", false), json!({ "data": {
        "rateLimit": rate_limit(s, cost(first)),
        "organization": { "repositories": {
            "totalCount": repos.len(),
            "pageInfo": { "hasNextPage": has_next, "endCursor": if end > start { json!(cursor(end)) } else { Value::Null } },
            "nodes": nodes } } } }).to_string())
}

/// Where the page after cursor `after` starts. Cursors are opaque, as GitHub's are (base64 of
/// `cursor:v2:N`), and one the fake never gave is refused as GitHub refuses it, not read as
/// the first page.
fn page_start(s: &State, after: &Value) -> Result<usize, Answer> {
    let Some(c) = after.as_str() else {
        return Ok(0);
    };
    decode_cursor(c).filter(|n| *n <= s.repos.len()).ok_or_else(|| {
        (200, rate_headers(s, "graphql", false), json!({
            "data": { "organization": { "repositories": null } },
            "errors": [{ "type": "INVALID_CURSOR_ARGUMENTS", "path": ["organization", "repositories"],
                         "locations": [{ "line": 4, "column": 5 }],
                         "message": format!("`{c}` does not appear to be a valid cursor.") }] }).to_string())
    })
}

/// The opaque cursor after the `n`th repository, shaped as GitHub's are.
pub fn cursor(n: usize) -> String {
    super::base64_encode(format!("cursor:v2:{n}").as_bytes())
}

fn decode_cursor(c: &str) -> Option<usize> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(c).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

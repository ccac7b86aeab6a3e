//! A fake GitHub on 127.0.0.1 for tests and benchmarks: REST and GraphQL shaped as GitHub's
//! documentation shows (pagination by cursor, rate-limit headers, error bodies), with faults
//! that can be injected one request at a time. It serves only what orgcheck asks for.
#![allow(dead_code)]

mod contents;
pub mod graphql;
mod issues;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A token no output may ever contain: every org-scan test checks for it, and the fake
/// requires it unless a test makes the state [`State::anonymous`].
pub const CANARY_TOKEN: &str = "ghp_CANARY0123456789abcdefCANARY";

/// One repository of the fake organization.
#[derive(Debug, Clone, Default)]
pub struct FakeRepo {
    pub name: String,
    pub archived: bool,
    pub fork: bool,
    pub empty: bool,
    pub topics: Vec<String>,
    pub circleci: Option<String>,
    /// GraphQL returns this file cut short with `isTruncated: true`.
    pub circleci_truncated: bool,
    /// The CircleCI file's name in `.circleci/` (empty: `config.yml`).
    pub circleci_name: String,
    pub workflows: Vec<(String, String)>,
    /// Any other file, by repository path: `.circleci/*` files appear in the `.circleci` tree,
    /// `.github/actions/*/*` in the actions tree, and every one is served by the contents API.
    pub files: Vec<(String, String)>,
    /// Files at other refs (branch, tag or commit) than the default branch, as (ref, path,
    /// text): only the `Files` query reads them, as `REF:PATH`.
    pub at_refs: Vec<(String, String, String)>,
}

impl FakeRepo {
    pub fn new(name: &str) -> Self {
        FakeRepo {
            name: name.into(),
            ..Default::default()
        }
    }
    pub fn circleci(mut self, text: &str) -> Self {
        self.circleci = Some(text.into());
        self
    }
    /// The CircleCI config as `.circleci/config.yaml`.
    pub fn circleci_yaml(mut self, text: &str) -> Self {
        self.circleci = Some(text.into());
        self.circleci_name = "config.yaml".into();
        self
    }
    /// `.circleci/config.yml` (or `config.yaml`), as the repository names it.
    pub fn circleci_path(&self) -> String {
        match self.circleci_name.as_str() {
            "" => ".circleci/config.yml".into(),
            name => format!(".circleci/{name}"),
        }
    }
    pub fn workflow(mut self, file: &str, text: &str) -> Self {
        self.workflows.push((file.into(), text.into()));
        self
    }
    /// Any other file at `path`.
    pub fn file(mut self, path: &str, text: &str) -> Self {
        self.files.push((path.into(), text.into()));
        self
    }
    /// A file at `path` on ref `git_ref` only.
    pub fn file_at(mut self, git_ref: &str, path: &str, text: &str) -> Self {
        self.at_refs
            .push((git_ref.into(), path.into(), text.into()));
        self
    }
    /// The default branch's head commit, as the listing gives it.
    pub fn head(&self) -> String {
        format!("{:040x}", self.name.len())
    }
    /// The text at `git_ref:path`: the default branch (by name, `HEAD` or its commit) has the
    /// repository's files; other refs have only what `file_at` put there.
    pub fn text_at(&self, git_ref: &str, path: &str) -> Option<&str> {
        if ["main", "HEAD", self.head().as_str()].contains(&git_ref) {
            let workflow = path
                .strip_prefix(".github/workflows/")
                .and_then(|name| self.workflows.iter().find(|(n, _)| n == name));
            let circleci = (path == self.circleci_path())
                .then_some(())
                .and(self.circleci.as_ref());
            let file = self.files.iter().find(|(p, _)| p == path).map(|(_, t)| t);
            return workflow
                .map(|(_, t)| t)
                .or(circleci)
                .or(file)
                .map(String::as_str);
        }
        self.at_refs
            .iter()
            .find(|(r, p, _)| r == git_ref && p == path)
            .map(|(_, _, t)| t.as_str())
    }
}

/// A GitHub App the fake knows.
#[derive(Debug, Clone)]
pub struct FakeApp {
    pub app_id: u64,
    /// Its slug: issues it opens are by `<slug>[bot]`.
    pub slug: String,
    pub installation_id: u64,
    /// The installation token it mints.
    pub token: String,
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    GraphQl,
    Rest,
    Any,
}

/// A fault, served instead of the real answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// An HTTP error, as GitHub shapes it.
    Status {
        status: u16,
        retry_after: Option<u64>,
        remaining_zero: bool,
        message: String,
    },
    /// HTTP 200 with a GraphQL rate-limit error (old `RATE_LIMITED` or new `graphql_rate_limit`).
    GraphqlRateLimited { new_style: bool },
    /// Hold the answer this long first.
    Delay(Duration),
    /// Any answer at all: HTML where JSON belongs, JSON missing fields, a redirect.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
}

impl Fault {
    /// Secondary rate limit with `retry-after`.
    pub fn secondary_retry_after(status: u16, secs: u64) -> Self {
        Fault::Status {
            status,
            retry_after: Some(secs),
            remaining_zero: false,
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".into(),
        }
    }
    /// Secondary rate limit without `retry-after`: the client must wait at least a minute.
    pub fn secondary_no_header() -> Self {
        Fault::Status {
            status: 403,
            retry_after: None,
            remaining_zero: false,
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".into(),
        }
    }
    /// Primary limit exhausted: `x-ratelimit-remaining: 0`, reset soon.
    pub fn primary_exhausted() -> Self {
        Fault::Status {
            status: 403,
            retry_after: None,
            remaining_zero: true,
            message: "API rate limit exceeded for installation ID 1.".into(),
        }
    }
    /// A heavy GraphQL query cut off after 10 s.
    pub fn timeout_502() -> Self {
        Fault::Status {
            status: 502,
            retry_after: None,
            remaining_zero: false,
            message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:0000` when reporting this issue.".into(),
        }
    }
    /// A plain server error.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            remaining_zero: false,
            message: "Server Error".into(),
        }
    }
}

/// An issue in the fake's one issue repository.
#[derive(Debug, Clone)]
pub struct FakeIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub labels: Vec<String>,
    pub comments: Vec<String>,
    pub pull_request: bool,
    /// Who opened it (`user.login`): a user's login or an App's `<slug>[bot]`.
    pub author: String,
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
    pub status: u16,
}

/// Everything the fake knows and does.
#[derive(Debug)]
pub struct State {
    pub org: String,
    pub repos: Vec<FakeRepo>,
    /// Repositories of other accounts, as (owner, repository): not listed with the
    /// organization, but readable by the `Files` query.
    pub elsewhere: Vec<(String, FakeRepo)>,
    /// Custom property values, as (repository, property, value): served by
    /// `GET /orgs/{org}/properties/values`, paginated.
    pub properties: Vec<(String, String, Value)>,
    /// Items per page of that listing (GitHub allows up to 100).
    pub properties_page: usize,
    /// `""` for github.com's layout, `"/api/v3"` for GHES.
    pub rest_prefix: String,
    /// `"/graphql"` for github.com, `"/api/graphql"` for GHES.
    pub graphql_path: String,
    /// Added to every answer.
    pub latency: Duration,
    /// The token requests must carry, as GitHub requires one. `None` only in a test about
    /// anonymous access, which must say so with [`State::anonymous`].
    pub token: Option<String>,
    /// Who `token` (or, with `token: None`, any request) is.
    pub login: String,
    /// Other accounts, as (token, login): requests with their tokens are theirs.
    pub users: Vec<(String, String)>,
    pub app: Option<FakeApp>,
    /// (which requests, how many matching requests to let through first, the fault)
    pub faults: VecDeque<(On, usize, Fault)>,
    /// Pages asking for more repositories than this time out with a 502, like heavy queries.
    pub heavy_page_limit: Option<usize>,
    pub log: Vec<Logged>,
    pub rate_remaining: i64,
    /// GraphQL points left this window, charged by each query's cost as GitHub computes it;
    /// a query that costs more is refused with `RATE_LIMITED` until [`State::graphql_reset`].
    pub graphql_points: i64,
    /// When the GraphQL window resets (Unix seconds): points are whole again.
    pub graphql_reset: u64,
    /// How long each new window lasts, in seconds (GitHub's is an hour; tests shorten it).
    pub graphql_window: u64,
    /// Requests to these repositories' contents fail with this status (a file that cannot be read).
    pub contents_fail: Option<(String, u16)>,
    /// Issues of the repository named in `issue_repo`.
    pub issues: Vec<FakeIssue>,
    /// `OWNER/REPO` whose issues the fake keeps.
    pub issue_repo: String,
    /// Every issue request fails with this status (410: issues disabled, 403: no permission).
    pub issues_fail: Option<u16>,
    /// Issue writes (POST, PATCH) fail with this status, reads work (422: validation failed).
    pub issue_writes_fail: Option<u16>,
    /// Issues per page when listing (GitHub's default is 30).
    pub issues_page: usize,
}

impl State {
    pub fn new(org: &str, repos: Vec<FakeRepo>) -> Self {
        State {
            org: org.into(),
            repos,
            elsewhere: Vec::new(),
            properties: Vec::new(),
            properties_page: 100,
            rest_prefix: String::new(),
            graphql_path: "/graphql".into(),
            latency: Duration::ZERO,
            token: Some(CANARY_TOKEN.into()),
            login: "orgcheck-runner".into(),
            users: Vec::new(),
            app: None,
            faults: VecDeque::new(),
            heavy_page_limit: None,
            log: Vec::new(),
            rate_remaining: 5000,
            graphql_points: 5000,
            graphql_reset: now() + 3600,
            graphql_window: 3600,
            contents_fail: None,
            issues: Vec::new(),
            issue_repo: format!("{org}/compliance"),
            issues_fail: None,
            issue_writes_fail: None,
            issues_page: 100,
        }
    }

    /// Public data only: any request is served, with or without a token.
    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self
    }

    /// GitHub Enterprise Server's layout: REST under `/api/v3`, GraphQL at `/api/graphql`.
    pub fn ghes(mut self) -> Self {
        self.rest_prefix = "/api/v3".into();
        self.graphql_path = "/api/graphql".into();
        self
    }
}

/// A running fake. Dropping it stops the server.
pub struct FakeGitHub {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGitHub {
    /// Start on a free port of 127.0.0.1, in a thread of its own.
    pub fn start(mut state: State) -> Self {
        // GitHub lists by name (orderBy NAME ASC).
        state.repos.sort_by_key(|r| r.name.to_lowercase());
        let state = Arc::new(Mutex::new(state));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        let state = Arc::clone(&shared);
                        async move { handle(state, method, uri, headers, body).await }
                    },
                );
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        FakeGitHub {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The REST base to pass as `--api-url`.
    pub fn api_url(&self) -> String {
        format!(
            "http://{}{}",
            self.addr,
            self.state.lock().unwrap().rest_prefix
        )
    }

    /// The server's origin.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serve `fault` to the next request that matches `on`.
    pub fn fault(&self, on: On, fault: Fault) {
        self.fault_after(on, 0, fault);
    }

    /// Serve `fault` to the matching request after `skip` matching ones went through.
    pub fn fault_after(&self, on: On, skip: usize, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .push_back((on, skip, fault));
    }

    /// Requests seen so far.
    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    /// Requests that change something: anything but GET, and but GraphQL, where orgcheck sends
    /// only queries.
    pub fn writes(&self) -> Vec<Logged> {
        let graphql = self.state.lock().unwrap().graphql_path.clone();
        self.log()
            .into_iter()
            .filter(|l| l.method != "GET" && !l.path.starts_with(&graphql))
            .collect()
    }

    /// The issues, by number.
    pub fn issues(&self) -> Vec<FakeIssue> {
        self.state.lock().unwrap().issues.clone()
    }

    /// Forget the request log.
    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn handle(
    state: Arc<Mutex<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let latency = state.lock().unwrap().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let path = uri.path().to_string();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_graphql = path == state.lock().unwrap().graphql_path;
    // A delay fault holds this answer, then serves the real one.
    let fault = {
        let mut s = state.lock().unwrap();
        let mut hit = None;
        for (i, (on, skip, _)) in s.faults.iter_mut().enumerate() {
            let matches = match on {
                On::Any => true,
                On::GraphQl => is_graphql,
                On::Rest => !is_graphql,
            };
            if !matches {
                continue;
            }
            if *skip == 0 {
                hit = Some(i);
                break;
            }
            *skip -= 1;
        }
        hit.and_then(|i| s.faults.remove(i)).map(|(_, _, f)| f)
    };
    let fault = match fault {
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        other => other,
    };
    let (status, resp_headers, payload) = {
        let mut s = state.lock().unwrap();
        s.rate_remaining -= 1;
        match fault {
            Some(f) => serve_fault(&s, f, is_graphql),
            None => route(&mut s, &method, &uri, &headers, &body_text, is_graphql),
        }
    };
    {
        let mut s = state.lock().unwrap();
        s.log.push(Logged {
            method: method.to_string(),
            path: uri.to_string(),
            authorization: auth,
            body: body_text,
            status,
        });
    }
    let mut response = (StatusCode::from_u16(status).unwrap(), payload).into_response();
    let h = response.headers_mut();
    for (k, v) in resp_headers {
        h.insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    response
}

pub(crate) type Answer = (u16, Vec<(String, String)>, String);

pub(crate) fn rate_headers(
    s: &State,
    resource: &str,
    remaining_zero: bool,
) -> Vec<(String, String)> {
    let graphql = resource == "graphql";
    let remaining = if remaining_zero {
        0
    } else if graphql {
        s.graphql_points.max(0)
    } else {
        s.rate_remaining.max(0)
    };
    let reset = if remaining_zero {
        // A fault that exhausts the limit: it resets in a second, so tests wait it out.
        now() + 1
    } else if graphql {
        s.graphql_reset
    } else {
        // Near exhaustion the window resets in a second, so tests can wait it out.
        now() + if remaining < 20 { 1 } else { 3600 }
    };
    vec![
        ("x-ratelimit-limit".into(), "5000".into()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        ("x-ratelimit-used".into(), (5000 - remaining).to_string()),
        ("x-ratelimit-reset".into(), reset.to_string()),
        ("x-ratelimit-resource".into(), resource.into()),
        (
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ),
    ]
}

pub(crate) fn error_body(message: &str) -> String {
    json!({ "message": message, "documentation_url": "https://docs.github.com/rest", "status": "" })
        .to_string()
}

pub(crate) fn serve_fault(s: &State, fault: Fault, is_graphql: bool) -> Answer {
    let resource = if is_graphql { "graphql" } else { "core" };
    match fault {
        Fault::Status {
            status,
            retry_after,
            remaining_zero,
            message,
        } => {
            let mut h = rate_headers(s, resource, remaining_zero);
            if let Some(secs) = retry_after {
                h.push(("retry-after".into(), secs.to_string()));
            }
            (status, h, error_body(&message))
        }
        Fault::GraphqlRateLimited { new_style } => {
            let error = if new_style {
                json!({ "type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID 1." })
            } else {
                json!({ "type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1." })
            };
            (
                200,
                rate_headers(s, resource, true),
                json!({ "data": null, "errors": [error] }).to_string(),
            )
        }
        Fault::Raw {
            status,
            headers,
            body,
        } => (status, headers, body),
        Fault::Delay(_) => unreachable!(),
    }
}

fn bearer(headers: &HeaderMap) -> &str {
    let got = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    got.strip_prefix("Bearer ")
        .or_else(|| got.strip_prefix("token "))
        .unwrap_or("")
}

fn authorized(s: &State, headers: &HeaderMap) -> bool {
    let token = bearer(headers);
    if s.users.iter().any(|(t, _)| t == token) {
        return true;
    }
    match (&s.token, &s.app) {
        (_, Some(app)) => token == app.token,
        (Some(t), None) => token == t,
        (None, None) => true,
    }
}

/// Who a request is, as GitHub's `viewer` and an issue's `user.login` say.
pub(crate) fn login_of(s: &State, headers: &HeaderMap) -> String {
    let token = bearer(headers);
    if let Some((_, login)) = s.users.iter().find(|(t, _)| t == token) {
        return login.clone();
    }
    match &s.app {
        Some(app) if token == app.token => format!("{}[bot]", app.slug),
        _ => s.login.clone(),
    }
}

/// The public half of `tests/fixtures/app-key.pem`, the test App's key (PKCS#1).
const APP_PUBLIC_KEY: &str = include_str!("../../fixtures/app-key.pub.pem");

/// The `iss` claim of a JWT that GitHub would accept: RS256, signed with the App's key, not
/// expired, issued at most 10 minutes ago.
fn jwt_issuer(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    let got = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    let mut parts = got.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "RS256" {
        eprintln!("fake GitHub: JWT refused: alg {}", header["alg"]);
        return None;
    }
    let der: String = APP_PUBLIC_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, STANDARD.decode(der).ok()?);
    let message = format!("{}.{claims}", got.split('.').next()?);
    if key
        .verify(message.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).ok()?)
        .is_err()
    {
        eprintln!("fake GitHub: JWT refused: bad signature");
        return None;
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    let iat = claims["iat"].as_u64()?;
    let exp = claims["exp"].as_u64()?;
    if iat + 600 < now() || exp > now() + 600 || exp < now() {
        return None;
    }
    match &claims["iss"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The GitHub App endpoints, which take the App's JWT rather than a token.
fn app_route(s: &State, method: &Method, rest: &str, headers: &HeaderMap) -> Option<Answer> {
    // GitHub App endpoints take the App's JWT.
    if let Some(app) = s.app.clone() {
        if rest == format!("/orgs/{}/installation", s.org) && method == Method::GET {
            return Some(match jwt_issuer(headers) {
                Some(iss) if iss == app.app_id.to_string() => (
                    200,
                    rate_headers(s, "core", false),
                    json!({ "id": app.installation_id, "app_id": app.app_id, "target_type": "Organization",
                            "account": { "login": s.org, "id": 1, "type": "Organization" } })
                    .to_string(),
                ),
                _ => (401, rate_headers(s, "core", false), error_body("A JSON web token could not be decoded")),
            });
        }
        if rest == format!("/app/installations/{}/access_tokens", app.installation_id)
            && method == Method::POST
        {
            return Some(match jwt_issuer(headers) {
                Some(iss) if iss == app.app_id.to_string() => (
                    201,
                    rate_headers(s, "core", false),
                    json!({ "token": app.token, "expires_at": "2099-01-01T00:00:00Z", "permissions": { "contents": "read" } }).to_string(),
                ),
                _ => (401, rate_headers(s, "core", false), error_body("A JSON web token could not be decoded")),
            });
        }
    }
    if let Some(app) = s.app.clone()
        && rest == format!("/repos/{}/installation", s.issue_repo)
        && method == Method::GET
    {
        return Some(match jwt_issuer(headers) {
            Some(iss) if iss == app.app_id.to_string() => (
                200,
                rate_headers(s, "core", false),
                json!({ "id": app.installation_id, "app_id": app.app_id }).to_string(),
            ),
            _ => (
                401,
                rate_headers(s, "core", false),
                error_body("A JSON web token could not be decoded"),
            ),
        });
    }
    None
}

fn route(
    s: &mut State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &str,
    is_graphql: bool,
) -> Answer {
    let path = uri.path().to_string();
    let rest = path.strip_prefix(&s.rest_prefix).map(str::to_string);
    if let Some(answer) = rest
        .as_deref()
        .and_then(|r| app_route(s, method, r, headers))
    {
        return answer;
    }
    if !authorized(s, headers) {
        return (
            401,
            rate_headers(s, "core", false),
            error_body("Bad credentials"),
        );
    }
    let login = login_of(s, headers);
    if let Some(rest) = rest.as_deref()
        && let Some(answer) = issues::issues_route(
            s,
            &login,
            method,
            rest,
            uri.query().unwrap_or(""),
            body,
            headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1"),
        )
    {
        return answer;
    }
    if is_graphql && method == Method::POST {
        return graphql::graphql(s, body, &login);
    }
    if rest.as_deref() == Some(&format!("/orgs/{}/properties/values", s.org))
        && method == Method::GET
    {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        return property_values(s, uri.query().unwrap_or(""), host);
    }
    if let Some(rest) = rest
        && method == Method::GET
        && let Some(contents) = rest.strip_prefix(&format!("/repos/{}/", s.org))
        && let Some((repo, file)) = contents.split_once("/contents/")
    {
        return contents::contents_answer(s, repo, file, headers);
    }
    (404, rate_headers(s, "core", false), error_body("Not Found"))
}

/// `GET /orgs/{org}/properties/values`: one item per repository with its properties, in
/// pages of at most `per_page` (and the fake's `properties_page`), with a `Link` to the next.
fn property_values(s: &State, query: &str, host: &str) -> Answer {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let per_page = param("per_page")
        .unwrap_or(30)
        .min(100)
        .min(s.properties_page);
    let page = param("page").unwrap_or(1).max(1);
    let mut repos: Vec<&str> = s.properties.iter().map(|(r, _, _)| r.as_str()).collect();
    repos.dedup();
    let items: Vec<Value> = repos
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|repo| {
            let properties: Vec<Value> = s
                .properties
                .iter()
                .filter(|(r, _, _)| r == repo)
                .map(|(_, name, value)| json!({ "property_name": name, "value": value }))
                .collect();
            json!({ "repository_id": 1, "repository_name": repo,
                    "repository_full_name": format!("{}/{repo}", s.org), "properties": properties })
        })
        .collect();
    let mut h = rate_headers(s, "core", false);
    if page * per_page < repos.len() {
        h.push(("link".into(), format!(
            "<http://{host}{}/orgs/{}/properties/values?per_page={per_page}&page={}>; rel=\"next\"",
            s.rest_prefix, s.org, page + 1)));
    }
    (200, h, Value::Array(items).to_string())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

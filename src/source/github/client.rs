//! HTTP to GitHub through octocrab, with orgcheck's own retry decisions: GitHub's documented
//! rate-limit headers, `retry-after`, backoff on 5xx, a bound on total waiting, and a count of
//! every request. octocrab's own retry (immediate, blind to `retry-after`, replays POSTs) is off.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, header};
use octocrab::Octocrab;
use serde_json::Value;

use super::transport;
use super::{Connection, GitHubError};

/// How many times a transient failure (5xx, timeout) is retried before giving up.
const TRANSIENT_ATTEMPTS: u32 = 4;
/// How many times a rate-limited request is retried.
const RATE_LIMIT_ATTEMPTS: u32 = 8;
/// GitHub: without `retry-after`, wait at least a minute on a secondary rate limit.
const SECONDARY_MIN_WAIT: Duration = Duration::from_secs(60);
/// The longest single wait: GitHub's primary limits reset hourly; a minute of slack for clocks.
const MAX_ONE_WAIT: Duration = Duration::from_secs(3660);

/// One HTTP answer, read in full.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// GitHub's error `message`, or the start of the body.
    pub fn message(&self) -> String {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| self.body.chars().take(200).collect())
    }
}

/// Whether a request may be sent again after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Reads (GET, GraphQL queries): safe to repeat.
    Safe,
    /// Writes: only repeated when GitHub says it refused them (rate limits), never after a
    /// 5xx or timeout, where the write may have happened.
    RateLimitOnly,
}

/// A GitHub API client bound to one REST base and one GraphQL endpoint.
pub struct Client {
    crab: Octocrab,
    rest: String,
    graphql: String,
    secrets: Vec<String>,
    requests: AtomicUsize,
    rate_remaining: AtomicI64,
    rate_reset: AtomicU64,
    waited: Mutex<Duration>,
    max_wait: Option<Duration>,
    timeout: Duration,
    wait_scale: f64,
}

impl Client {
    /// A client for `conn`'s REST base and GraphQL endpoint, sending `token` (a token or an App
    /// JWT) when given. `secrets` are scrubbed from every error message.
    pub fn new(
        conn: &Connection,
        token: Option<&str>,
        secrets: Vec<String>,
    ) -> Result<Self, GitHubError> {
        let (rest, graphql) = (conn.api_url.as_str(), conn.graphql_url.as_str());
        let crab = transport::build(&origin_of(rest)?, token, &conn.roots)?;
        Ok(Client {
            crab,
            rest: rest.trim_end_matches('/').to_string(),
            graphql: graphql.to_string(),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
            requests: AtomicUsize::new(0),
            rate_remaining: AtomicI64::new(-1),
            rate_reset: AtomicU64::new(0),
            waited: Mutex::new(Duration::ZERO),
            max_wait: conn.max_wait,
            timeout: conn.timeout,
            wait_scale: conn.wait_scale,
        })
    }

    /// Count requests another client made on this one's behalf (App authentication).
    pub fn add_requests(&self, n: usize) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// The last `x-ratelimit-remaining` seen, if any (GHES may send none).
    pub fn rate_remaining(&self) -> Option<i64> {
        let r = self.rate_remaining.load(Ordering::Relaxed);
        (r >= 0).then_some(r)
    }

    /// Wait for the primary rate limit's reset (the last `x-ratelimit-reset` seen), rather
    /// than spend the next request on a certain refusal.
    pub async fn wait_for_reset(&self) -> Result<(), GitHubError> {
        let reset = self.rate_reset.load(Ordering::Relaxed);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let wait = if reset > now {
            Duration::from_secs((reset - now).saturating_add(1))
        } else {
            SECONDARY_MIN_WAIT
        };
        self.wait(wait).await
    }

    /// The REST base URL.
    pub fn rest_url(&self, path: &str) -> String {
        format!("{}{path}", self.rest)
    }

    /// The error an unexpected answer stands for, secrets removed.
    pub fn status_error(&self, answer: &Answer) -> GitHubError {
        GitHubError::Status {
            status: answer.status,
            message: self.scrub(&answer.message()),
        }
    }

    /// Remove secrets from text bound for output.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    /// One attempt, counted; rate-limit headers recorded.
    async fn send(
        &self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
        accept: &str,
    ) -> Result<Answer, Unanswered> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(url)
            .header(header::ACCEPT, accept)
            .header(
                header::USER_AGENT,
                concat!("orgcheck/", env!("CARGO_PKG_VERSION")),
            )
            .header("x-github-api-version", "2022-11-28");
        let body = match body {
            Some(b) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                b.to_string()
            }
            None => String::new(),
        };
        let request = request.body(body).map_err(|e| e.to_string())?;
        // octocrab sets no timeouts; a stalled server must not hold the scan forever.
        let response = tokio::time::timeout(self.timeout, self.crab.execute(request))
            .await
            .map_err(|_| format!("no answer within {}s", self.timeout.as_secs_f64()))?
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // A body may be a few MiB of raw file: twice the time of the answer's start.
        let body_timeout = self.timeout.saturating_mul(2);
        let body = tokio::time::timeout(body_timeout, read_capped(response, BODY_CAP))
            .await
            .map_err(|_| {
                format!(
                    "the answer did not arrive in full within {}s",
                    body_timeout.as_secs_f64()
                )
            })??;
        if let Some(r) = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
        {
            self.rate_remaining.store(r, Ordering::Relaxed);
        }
        if let Some(r) = headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
        {
            self.rate_reset.store(r, Ordering::Relaxed);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Send with GitHub's documented retry rules. Returns the final answer, whatever its status;
    /// errors only when nothing usable came back or waiting would exceed `--max-wait`.
    pub async fn request(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        accept: &str,
        replay: Replay,
        retry_5xx: bool,
    ) -> Result<Answer, GitHubError> {
        let mut transient = 0;
        let mut limited = 0;
        loop {
            let wait = match self.send(&method, url, body, accept).await {
                Ok(answer) => match classify(&answer, limited) {
                    Verdict::Done => return Ok(answer),
                    Verdict::RateLimited(wait) if limited < RATE_LIMIT_ATTEMPTS => {
                        limited += 1;
                        wait
                    }
                    Verdict::Transient
                        if retry_5xx
                            && replay == Replay::Safe
                            && transient + 1 < TRANSIENT_ATTEMPTS =>
                    {
                        transient += 1;
                        backoff(transient)
                    }
                    _ => return Ok(answer),
                },
                // A certificate refused now is refused on every try: say so at once.
                Err(e) if e.certificate => {
                    return Err(GitHubError::Certificate(self.scrub(&e.text)));
                }
                Err(e) => {
                    if replay == Replay::Safe && retry_5xx && transient + 1 < TRANSIENT_ATTEMPTS {
                        transient += 1;
                        backoff(transient)
                    } else {
                        return Err(GitHubError::Transport(self.scrub(&e.text)));
                    }
                }
            };
            self.wait(wait).await?;
        }
    }

    /// Wait, charging the `--max-wait` budget; refuse when the budget would be exceeded, or
    /// when one wait is longer than any GitHub documents (a server's header is input too).
    pub async fn wait(&self, d: Duration) -> Result<(), GitHubError> {
        if d > MAX_ONE_WAIT {
            return Err(GitHubError::Transport(format!(
                "GitHub asked to wait {}s; rate limits reset within an hour, so orgcheck does not wait that long",
                d.as_secs()
            )));
        }
        {
            let mut waited = self.waited.lock().expect("not poisoned");
            if let Some(max) = self.max_wait
                && waited.saturating_add(d) > max
            {
                return Err(GitHubError::MaxWait {
                    waited: *waited,
                    needed: d,
                });
            }
            *waited = waited.saturating_add(d);
        }
        let scaled = Duration::try_from_secs_f64(d.as_secs_f64() * self.wait_scale).unwrap_or(d);
        tokio::time::sleep(scaled).await;
        Ok(())
    }

    /// POST a GraphQL document; keeps `data` and `errors` both (a helper that turns any error
    /// into a failure would drop partial data). Waits out GraphQL's own rate limit.
    pub async fn graphql(
        &self,
        query: &str,
        variables: Value,
        retry_5xx: bool,
    ) -> Result<GraphqlAnswer, GitHubError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let mut limited = 0;
        loop {
            let answer = self
                .request(
                    Method::POST,
                    &self.graphql.clone(),
                    Some(&body),
                    "application/json",
                    Replay::Safe,
                    retry_5xx,
                )
                .await?;
            if answer.status != 200 {
                return Err(self.status_error(&answer));
            }
            let parsed: Value = serde_json::from_str(&answer.body)
                .map_err(|e| GitHubError::Transport(format!("GraphQL answer is not JSON: {e}")))?;
            let errors: Vec<GraphqlError> = parsed
                .get("errors")
                .and_then(|e| serde_json::from_value(e.clone()).ok())
                .unwrap_or_default();
            if errors.iter().any(GraphqlError::is_rate_limit) && limited < RATE_LIMIT_ATTEMPTS {
                limited += 1;
                self.wait(until_reset(&answer).unwrap_or(SECONDARY_MIN_WAIT))
                    .await?;
                continue;
            }
            return Ok(GraphqlAnswer {
                data: parsed.get("data").cloned().unwrap_or(Value::Null),
                errors,
            });
        }
    }
}

/// A GraphQL answer: data and errors side by side.
#[derive(Debug)]
pub struct GraphqlAnswer {
    /// `data`, possibly partial.
    pub data: Value,
    /// `errors`.
    pub errors: Vec<GraphqlError>,
}

/// One GraphQL error as GitHub shapes it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GraphqlError {
    /// `RATE_LIMITED`, `NOT_FOUND`, …
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Newer answers say `graphql_rate_limit` here.
    #[serde(default)]
    pub code: Option<String>,
    /// Human text.
    #[serde(default)]
    pub message: String,
    /// Where in `data` it applies.
    #[serde(default)]
    pub path: Vec<Value>,
}

impl GraphqlError {
    fn is_rate_limit(&self) -> bool {
        matches!(self.kind.as_deref(), Some("RATE_LIMITED" | "RATE_LIMIT"))
            || self.code.as_deref() == Some("graphql_rate_limit")
    }
}

enum Verdict {
    Done,
    RateLimited(Duration),
    Transient,
}

/// GitHub's documented rules: `retry-after` first; then an exhausted primary limit waits for
/// `x-ratelimit-reset`; then a secondary limit waits at least a minute, backing off.
fn classify(answer: &Answer, limited: u32) -> Verdict {
    match answer.status {
        403 | 429 => {
            if let Some(secs) = answer
                .header("retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
            {
                return Verdict::RateLimited(Duration::from_secs(secs));
            }
            if answer.header("x-ratelimit-remaining") == Some("0") {
                return Verdict::RateLimited(until_reset(answer).unwrap_or(SECONDARY_MIN_WAIT));
            }
            let text = answer.body.to_ascii_lowercase();
            if answer.status == 429
                || text.contains("secondary rate limit")
                || text.contains("abuse")
            {
                return Verdict::RateLimited(SECONDARY_MIN_WAIT * 2u32.pow(limited.min(4)));
            }
            Verdict::Done
        }
        500 | 502 | 503 | 504 => Verdict::Transient,
        _ => Verdict::Done,
    }
}

fn until_reset(answer: &Answer) -> Option<Duration> {
    let reset: u64 = answer.header("x-ratelimit-reset")?.trim().parse().ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(
        reset.saturating_sub(now).saturating_add(1),
    ))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.min(6)))
}

fn origin_of(url: &str) -> Result<String, GitHubError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| GitHubError::Config(format!("invalid API URL `{url}`")))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(s), Some(a)) => Ok(format!("{s}://{a}")),
        _ => Err(GitHubError::Config(format!(
            "invalid API URL `{url}`: expected https://HOST[/api/v3]"
        ))),
    }
}

/// Why a request got no usable answer.
#[derive(Debug)]
struct Unanswered {
    /// What went wrong, for the report.
    text: String,
    /// TLS refused the server's certificate: every try would be refused alike.
    certificate: bool,
}

impl From<String> for Unanswered {
    fn from(text: String) -> Self {
        Unanswered {
            text,
            certificate: false,
        }
    }
}

/// Whether `e` is rustls refusing a certificate, told by its type, not its words. An I/O
/// error's `source()` skips the error it wraps, and the TLS connector wraps rustls's error in
/// two of them, so I/O errors are looked into by hand (a few levels; they do not nest deeper).
fn refused_certificate(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at = Some(e);
    for _ in 0..4 {
        let Some(e) = at else { return false };
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::AlertReceived(
                        rustls::AlertDescription::BadCertificate
                            | rustls::AlertDescription::UnknownCA
                            | rustls::AlertDescription::CertificateExpired
                    )
            );
        }
        at = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .map(|inner| inner as &(dyn std::error::Error + 'static));
    }
    false
}

/// An octocrab error as one line, with its causes (timeouts hide two levels down), and
/// whether a certificate was refused.
fn describe(e: &octocrab::Error) -> Unanswered {
    let mut out = e.to_string();
    let mut certificate = false;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        certificate |= refused_certificate(s);
        source = s.source();
    }
    if certificate {
        // The usual cause is a GitHub Enterprise Server whose CA is the company's own.
        out.push_str(
            " (if the server's certificate comes from a private CA, trust it with \
             --ca-cert FILE, $SSL_CERT_FILE or $SSL_CERT_DIR)",
        );
    }
    Unanswered {
        text: out,
        certificate,
    }
}

/// The most an answer's body may hold: far above any answer orgcheck asks for (a GraphQL
/// page of 50 repositories' CI files, a raw file GraphQL truncated), far below what would
/// hurt. A larger body is a server fault: retried like one, then reported.
pub const BODY_CAP: usize = 64 * 1024 * 1024;

/// An answer's body as text, read frame by frame and refused once it passes `cap` (or says,
/// in `content-length`, that it will), so an endless or huge body costs at most `cap`.
async fn read_capped(
    response: http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, octocrab::Error>>,
    cap: usize,
) -> Result<String, String> {
    use http_body_util::BodyExt;
    let too_large = || format!("the answer is larger than {} MiB", cap >> 20);
    let declared = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| describe(&e).text)?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::refused_certificate;
    use std::io;

    /// Told by type, as the TLS connector wraps it: a word in a message decides nothing.
    #[test]
    fn a_refused_certificate_is_told_by_its_type() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = io::Error::other(io::Error::new(io::ErrorKind::InvalidData, tls));
        assert!(refused_certificate(&wrapped));
        let words = io::Error::other("connection reset while reading the certificate list");
        assert!(!refused_certificate(&words));
        let other = io::Error::other(rustls::Error::DecryptError);
        assert!(!refused_certificate(&other));
    }
}

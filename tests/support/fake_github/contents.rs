//! The fake's contents API: raw (`application/vnd.github.raw`) or JSON with base64 wrapped
//! every 60 characters, as GitHub sends it.

use axum::http::HeaderMap;
use serde_json::json;

use super::{Answer, State, base64_encode, error_body, rate_headers};

pub(super) fn contents_answer(s: &State, repo: &str, file: &str, headers: &HeaderMap) -> Answer {
    if let Some((name, status)) = &s.contents_fail
        && name == repo
    {
        return (
            *status,
            rate_headers(s, "core", false),
            error_body("Server Error"),
        );
    }
    let Some(r) = s.repos.iter().find(|r| r.name == repo) else {
        return (404, rate_headers(s, "core", false), error_body("Not Found"));
    };
    // GitHub decodes percent-encoded path segments.
    let file = percent_encoding::percent_decode_str(file)
        .decode_utf8_lossy()
        .into_owned();
    let file = file.as_str();
    let text = if file == r.circleci_path() {
        r.circleci.clone()
    } else if let Some((_, t)) = r.files.iter().find(|(p, _)| p == file) {
        Some(t.clone())
    } else {
        file.strip_prefix(".github/workflows/").and_then(|f| {
            r.workflows
                .iter()
                .find(|(n, _)| n == f)
                .map(|(_, t)| t.clone())
        })
    };
    let Some(text) = text else {
        return (404, rate_headers(s, "core", false), error_body("Not Found"));
    };
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut h = rate_headers(s, "core", false);
    if accept.contains("vnd.github.raw") {
        h.retain(|(k, _)| k != "content-type");
        h.push((
            "content-type".into(),
            "application/vnd.github.raw; charset=utf-8".into(),
        ));
        return (200, h, text);
    }
    // The JSON form wraps base64 every 60 characters, as GitHub does.
    let encoded = base64_encode(text.as_bytes());
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    (200, h, json!({ "type": "file", "encoding": "base64", "size": text.len(), "name": file.rsplit('/').next(),
                     "path": file, "content": wrapped.join("\n") + "\n" }).to_string())
}

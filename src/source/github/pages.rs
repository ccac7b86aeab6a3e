//! Every page of a REST listing, following `Link: rel="next"`: never a page twice (a loop
//! would page forever) and never to another host (it would get the credentials).

use http::Method;
use serde_json::Value;

use super::{Client, GitHubError, Replay};

/// The items of every page from `first` on (each page a JSON array). An answer other than 200
/// becomes `on_status(status, message)`.
pub async fn all(
    client: &Client,
    first: String,
    what: &str,
    on_status: &(dyn Fn(u16, &str) -> GitHubError + Sync),
) -> Result<Vec<Value>, GitHubError> {
    let mut url = Some(first.clone());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while let Some(next) = url.take() {
        if !seen.insert(next.clone()) {
            return Err(GitHubError::Transport(format!(
                "GitHub's {what} links back to a page it already gave: stopped paging"
            )));
        }
        if !same_origin(&next, &first) {
            return Err(GitHubError::Transport(format!(
                "GitHub's {what} links to another host: not followed, so the credentials go \
                 nowhere else"
            )));
        }
        let answer = client
            .request(
                Method::GET,
                &next,
                None,
                "application/vnd.github+json",
                Replay::Safe,
                true,
            )
            .await?;
        if answer.status != 200 {
            return Err(on_status(answer.status, &answer.message()));
        }
        let items: Vec<Value> = serde_json::from_str(&answer.body).map_err(|e| {
            GitHubError::Transport(format!("unexpected answer for the {what}: {e}"))
        })?;
        out.extend(items);
        url = next_link(answer.headers.get("link").and_then(|v| v.to_str().ok()));
    }
    Ok(out)
}

/// Whether two URLs have one scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    let origin = |u: &str| {
        let uri: http::Uri = u.parse().ok()?;
        Some((
            uri.scheme_str()?.to_ascii_lowercase(),
            uri.host()?.to_ascii_lowercase(),
            uri.port_u16(),
        ))
    };
    origin(a).is_some() && origin(a) == origin(b)
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

#[cfg(test)]
mod tests {
    use super::{next_link, same_origin};

    #[test]
    fn only_links_to_the_same_origin_are_followed() {
        let base = "https://api.github.com/repos/a/b/issues";
        assert!(same_origin(
            "https://API.github.com/repositories/1/issues?page=2",
            base
        ));
        assert!(!same_origin("https://evil.example/repos/a/b/issues", base));
        assert!(!same_origin("http://api.github.com/repos/a/b/issues", base));
        assert!(!same_origin("https://api.github.com:8443/x", base));
        assert!(!same_origin("/relative", base));
    }

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

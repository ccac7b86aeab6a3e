//! Servers that misbehave: each ends with exit 3 and a message that says what was not read,
//! within the timeouts, and nothing hangs. The token never leaves for another host. Times for
//! the README's "Reliability" table come from `cargo bench --bench hostile`.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::fake_github::{FakeGitHub, FakeRepo, Fault, On, State};
use support::{code, root, stderr};

const TOKEN: &str = "ghp_HOSTILE_SERVER_CANARY_42";
const GOOD: &str =
    "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n      - run: make test\n";

fn org(n: usize) -> Vec<FakeRepo> {
    (0..n)
        .map(|i| FakeRepo::new(&format!("svc-{i:03}")).circleci(GOOD))
        .collect()
}

fn fake(n: usize) -> FakeGitHub {
    let mut state = State::new("acme", org(n));
    state.token = Some(TOKEN.into());
    FakeGitHub::start(state)
}

/// `scan --org acme` against `api`, with a 2-second timeout so stalls end quickly.
fn scan(api: &str, extra: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args(["scan", "--org", "acme", "--api-url", api, "--timeout", "2s"])
        .args([
            "--policy",
            "policy.example.toml",
            "--format",
            "json",
            "--no-fail",
        ])
        .args(extra)
        .current_dir(root())
        .env("GITHUB_TOKEN", TOKEN)
        .env_remove("GITHUB_GRAPHQL_URL")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert!(!stderr(&out).contains(TOKEN), "the token leaked");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    out
}

fn partial(out: &Output) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", stderr(out)));
    assert_eq!(report["partial"], true, "{report}");
    report
}

/// 60 repositories (two pages); every GraphQL answer after the first is this 200.
fn second_page_answers(headers: Vec<(String, String)>, body: &str) -> FakeGitHub {
    let fake = fake(60);
    for _ in 0..10 {
        fake.fault_after(
            On::GraphQl,
            1,
            Fault::Raw {
                status: 200,
                headers: headers.clone(),
                body: body.into(),
            },
        );
    }
    fake
}

/// A raw TCP server: each connection gets `serve` in a thread of its own.
fn raw_server(serve: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(conn));
        }
    });
    format!("http://{addr}")
}

fn read_request(conn: &mut std::net::TcpStream) {
    let mut buf = [0u8; 8192];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = conn.read(&mut buf);
}

#[test]
fn a_connection_that_never_answers_times_out() {
    let api = raw_server(|mut conn| {
        read_request(&mut conn);
        std::thread::sleep(Duration::from_secs(60));
    });
    let out = scan(&api, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no answer within 2s"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_body_that_trickles_is_cut_off() {
    let api = raw_server(|mut conn| {
        read_request(&mut conn);
        let _ = conn.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n",
        );
        for _ in 0..60 {
            if conn.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let out = scan(&api, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did not arrive in full"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn html_instead_of_json_ends_the_scan_with_what_was_read() {
    let fake = second_page_answers(
        vec![("content-type".into(), "text/html".into())],
        "<html><body>Unicorn! We are having trouble.</body></html>",
    );
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let report = partial(&out);
    assert_eq!(report["summary"]["repositories"], 50);
    assert!(
        report["incomplete"].as_str().unwrap().contains("not read"),
        "{report}"
    );
}

#[test]
fn graphql_answers_missing_fields_are_refused_not_guessed() {
    let fake = second_page_answers(
        Vec::new(),
        r#"{"data":{"organization":{"repositories":{"nodes":[{"name":"x"}]}}}}"#,
    );
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(partial(&out)["summary"]["repositories"], 50);
}

#[test]
fn a_revoked_token_mid_scan_is_reported() {
    let fake = fake(60);
    fake.fault_after(
        On::GraphQl,
        1,
        Fault::Status {
            status: 401,
            retry_after: None,
            remaining_zero: false,
            message: "Bad credentials".into(),
        },
    );
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
    assert_eq!(partial(&out)["summary"]["repositories"], 50);
}

#[test]
fn a_redirect_to_another_host_is_not_followed_with_the_token() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&seen);
    let elsewhere = raw_server(move |mut conn| {
        let mut buf = [0u8; 8192];
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let n = conn.read(&mut buf).unwrap_or(0);
        log.lock()
            .unwrap()
            .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    });
    let fake = fake(3);
    fake.fault(
        On::GraphQl,
        Fault::Raw {
            status: 301,
            headers: vec![("location".into(), format!("{elsewhere}/graphql"))],
            body: String::new(),
        },
    );
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("301"), "{}", stderr(&out));
    for request in seen.lock().unwrap().iter() {
        assert!(!request.contains(TOKEN), "the token went to another host");
    }
}

#[test]
fn a_huge_retry_after_is_refused_without_a_panic() {
    let fake = fake(3);
    for _ in 0..10 {
        fake.fault(On::GraphQl, Fault::secondary_retry_after(403, u64::MAX));
    }
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("asked to wait"), "{}", stderr(&out));
    // A --max-wait too large for any clock is an error, not a wrap-around.
    let out = scan(&fake.api_url(), &["--max-wait", "99999999999999999999h"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("too long"), "{}", stderr(&out));
    let out = scan(&fake.api_url(), &["--max-wait", "5124095576030432h"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn an_issue_api_that_refuses_writes_still_leaves_the_report() {
    let mut state = State::new("acme", org(3));
    state.token = Some(TOKEN.into());
    state.issue_writes_fail = Some(422);
    let fake = FakeGitHub::start(state);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = scan(
        &fake.api_url(),
        &[
            "--issue-repo",
            "acme/compliance",
            "--output",
            report.to_str().unwrap(),
        ],
    );
    // policy.example.toml has rules these repositories miss, so there is an issue to write.
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("422"), "{}", stderr(&out));
    assert!(report.is_file(), "the report is written before publishing");
}

/// A repository node as the OrgRepos query answers it: an empty repository, which costs no
/// more request.
fn empty_node(i: usize) -> serde_json::Value {
    serde_json::json!({ "name": format!("r{i}"), "url": format!("https://github.com/acme/r{i}"),
        "isArchived": false, "isFork": false, "isEmpty": true, "defaultBranchRef": null,
        "repositoryTopics": { "nodes": [] }, "circleci": null, "workflows": null })
}

/// An OrgRepos page that always says there is a next page after `cursor`.
fn endless_page(i: usize, total: usize, cursor: &str) -> Fault {
    let body = serde_json::json!({ "data": {
        "rateLimit": { "cost": 1, "remaining": 4000, "resetAt": "2099-01-01T00:00:00Z" },
        "organization": { "repositories": { "totalCount": total,
            "pageInfo": { "hasNextPage": true, "endCursor": cursor },
            "nodes": [empty_node(i)] } } } });
    Fault::Raw {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string(),
    }
}

/// A scan against listing pages `page(i)`: it must end partial, saying `why`, in fewer than
/// `most` requests.
fn endless_listing(page: impl Fn(usize) -> Fault, why: &str, most: usize) {
    let fake = fake(3);
    for i in 0..200 {
        fake.fault(On::GraphQl, page(i));
    }
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let report = partial(&out);
    let incomplete = report["incomplete"].as_str().unwrap();
    assert!(incomplete.contains(why), "{report}");
    assert!(fake.log().len() < most, "{} requests", fake.log().len());
}

#[test]
fn a_listing_whose_cursor_repeats_ends_partial() {
    endless_listing(
        |i| endless_page(i, 153, "Y3Vyc29yOjUw"),
        "returned a page cursor it had returned before",
        4,
    );
}

#[test]
fn a_listing_longer_than_its_count_ends_partial() {
    endless_listing(
        |i| endless_page(i, 2, &format!("c{i}")),
        "said the organization has 2",
        60,
    );
}

#[test]
fn a_body_over_the_cap_is_refused_and_retried_then_reported() {
    let fake = fake(3);
    // 65 MiB of JSON whitespace: valid, had it been read whole.
    let huge = format!("{}{{}}", " ".repeat(65 << 20));
    for _ in 0..10 {
        fake.fault(
            On::GraphQl,
            Fault::Raw {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: huge.clone(),
            },
        );
    }
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 64 MiB"),
        "{}",
        stderr(&out)
    );
    assert!(fake.log().len() > 1, "retried as a server fault");
}

/// `scan --local` of three repositories publishing to the fake, whose issue list answers with
/// `link` as its `Link` header.
fn publish_with_link(fake: &FakeGitHub, link: String) -> Output {
    for _ in 0..20 {
        fake.fault(
            On::Rest,
            Fault::Raw {
                status: 200,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("link".into(), link.clone()),
                ],
                body: "[]".into(),
            },
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("svc/.circleci");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("config.yml"),
        "version: 2.1\njobs:\n  build:\n    steps: [{run: make}]\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args(["scan", "--local", dir.path().to_str().unwrap()])
        .args([
            "--policy",
            "policy.example.toml",
            "--issue-repo",
            "acme/compliance",
        ])
        .args([
            "--api-url",
            &fake.api_url(),
            "--output",
            report.to_str().unwrap(),
        ])
        .current_dir(root())
        .env("GITHUB_TOKEN", TOKEN)
        .env_remove("GITHUB_GRAPHQL_URL")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

#[test]
fn an_issue_list_that_links_to_itself_ends() {
    let fake = fake(0);
    let own = format!(
        "<{}/repos/acme/compliance/issues?labels=orgcheck&state=all&per_page=100>; rel=\"next\"",
        fake.api_url()
    );
    let out = publish_with_link(&fake, own);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("links back to a page"),
        "{}",
        stderr(&out)
    );
    let lists = fake
        .log()
        .iter()
        .filter(|l| l.path.contains("/issues"))
        .count();
    assert_eq!(lists, 1, "the loop was seen at once");
}

#[test]
fn an_issue_list_link_to_another_host_is_not_followed() {
    let fake = fake(0);
    let visited = Arc::new(Mutex::new(0));
    let count = Arc::clone(&visited);
    let elsewhere = raw_server(move |mut conn| {
        *count.lock().unwrap() += 1;
        read_request(&mut conn);
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]");
    });
    let out = publish_with_link(&fake, format!("<{elsewhere}/steal?page=2>; rel=\"next\""));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("links to another host"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        *visited.lock().unwrap(),
        0,
        "nothing reached the other host"
    );
}

#[test]
fn an_endless_body_without_a_length_is_cut_at_the_cap() {
    // Chunked, no `content-length`: only reading it tells how big it is.
    let api = raw_server(|mut conn| {
        read_request(&mut conn);
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if conn.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, " ".repeat(1 << 20));
        for _ in 0..200 {
            if conn.write_all(chunk.as_bytes()).is_err() {
                return; // the client hung up, as it should
            }
        }
    });
    let out = scan(&api, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 64 MiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_cursor_github_never_gave_is_refused_not_read_as_page_one() {
    // The first page names a cursor the (strict) fake does not know: GitHub answers
    // INVALID_CURSOR_ARGUMENTS, and the scan ends partial with what it read.
    let fake = fake(3);
    fake.fault(On::GraphQl, endless_page(0, 3, "bm90IGEgY3Vyc29y"));
    let out = scan(&fake.api_url(), &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let report = partial(&out);
    assert_eq!(report["summary"]["repositories"], 1, "{report}");
    let log = fake.log();
    assert_eq!(
        log.len(),
        2,
        "no retry of a refused cursor, no page one again"
    );
    assert!(log[1].body.contains("bm90IGEgY3Vyc29y"));
}

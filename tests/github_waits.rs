//! Waiting on GitHub as it asks: the minute a secondary limit without `retry-after` asks for,
//! and backoff on a GitHub that stays down, through the library with waits shortened by a
//! factor only library callers can set (the binary has no such hook); and one real wait,
//! timed, through the binary.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgcheck::ci::budget::Limits;
use orgcheck::source::Repository;
use orgcheck::source::github::{self, Auth, Connection, GitHubError, OrgScan, Reading};
use support::fake_github::{FakeGitHub, FakeRepo, Fault, On, State};

const OK: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n";

fn start(n: usize) -> FakeGitHub {
    let repos = (0..n)
        .map(|i| FakeRepo::new(&format!("svc-{i:03}")).circleci(OK))
        .collect();
    let mut state = State::new("acme", repos);
    state.token = Some(support::CANARY_TOKEN.into());
    FakeGitHub::start(state)
}

/// Scan `acme` in-process, every wait GitHub asks for shortened 1,000 times.
fn scan(fake: &FakeGitHub, max_wait: Option<Duration>) -> (Result<OrgScan, GitHubError>, usize) {
    let conn = Connection {
        api_url: fake.api_url(),
        graphql_url: github::graphql_url_for(&fake.api_url()),
        auth: Auth::Token(support::CANARY_TOKEN.into()),
        max_wait,
        roots: Default::default(),
        timeout: Duration::from_secs(10),
        wait_scale: 0.001,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut read: Vec<Repository> = Vec::new();
    let result = runtime.block_on(async {
        let client = Arc::new(github::connect(&conn, "/orgs/acme/installation").await?);
        let reading = Reading {
            limits: Limits::DEFAULT,
            resolve_owners: &[],
            codeowners: true,
        };
        github::scan_org(client, "acme", &|_| true, reading, &mut |_| {}, &mut |r| {
            read.push(r)
        })
        .await
    });
    (result, read.len())
}

#[test]
fn a_secondary_limit_without_retry_after_is_waited_out_for_at_least_a_minute() {
    let fake = start(60);
    fake.fault_after(On::GraphQl, 1, Fault::secondary_no_header());
    // GitHub asks for at least a minute: within a budget of two, the scan completes.
    let (result, read) = scan(&fake, Some(Duration::from_secs(120)));
    assert!(result.unwrap().incomplete.is_none());
    assert_eq!(read, 60);
    // Within 30 s it cannot: the budget is checked against the minute asked, not the
    // shortened sleep.
    let fake = start(60);
    fake.fault_after(On::GraphQl, 1, Fault::secondary_no_header());
    let (result, read) = scan(&fake, Some(Duration::from_secs(30)));
    let why = result.unwrap().incomplete.expect("partial");
    assert!(why.contains("--max-wait"), "{why}");
    assert_eq!(read, 50);
}

#[test]
fn a_github_that_stays_down_is_retried_with_backoff_then_refused() {
    let fake = start(10);
    for _ in 0..10 {
        fake.fault(On::GraphQl, Fault::status(502));
    }
    let (result, read) = scan(&fake, None);
    let e = result.expect_err("nothing could be read");
    assert!(e.to_string().contains("502"), "{e}");
    assert_eq!(read, 0);
    let asked = fake
        .log()
        .iter()
        .filter(|l| l.path.ends_with("graphql"))
        .count();
    assert_eq!(asked, 6, "six attempts, each page smaller");
}

#[test]
fn a_real_retry_after_is_waited_for_as_long_as_github_asks() {
    let fake = start(10);
    fake.fault(On::GraphQl, Fault::secondary_retry_after(429, 2));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, "").unwrap();
    let started = Instant::now();
    let out = support::org_scan_command(&fake.api_url())
        .args([
            "--policy",
            policy.to_str().unwrap(),
            "--no-issue",
            "--quiet",
        ])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(support::code(&out) <= 1, "{}", support::stderr(&out));
    assert!(
        took >= Duration::from_secs(2),
        "waited {took:?}, GitHub asked for 2 s"
    );
    assert!(took < Duration::from_secs(10), "waited {took:?}");
    let asked = fake
        .log()
        .iter()
        .filter(|l| l.path.ends_with("graphql"))
        .count();
    assert_eq!(asked, 2, "the refused page is asked again");
}

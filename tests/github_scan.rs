//! `orgcheck scan --org` against a fake GitHub on 127.0.0.1: pages, faults, scope, truncated
//! files, GHES layout, App authentication, and secrets that must never be printed.

mod support;

use std::process::{Command, Output};

use support::fake_github::{FakeApp, FakeGitHub, FakeRepo, Fault, On, State};
use support::{code, root, stderr, stdout};

use support::CANARY_TOKEN as TOKEN;
const CIRCLE_OK: &str =
    "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n      - run: make test\n";
const CIRCLE_BAD: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make\n";
const POLICY: &str = "[[rule]]\nid = \"checkout\"\ndescription = \"Check out the code\"\nuses = \"checkout\"\nci = [\"circleci\"]\n\n[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";

fn org(n: usize) -> Vec<FakeRepo> {
    (0..n)
        .map(|i| {
            FakeRepo::new(&format!("svc-{i:04}")).circleci(if i % 10 == 3 {
                CIRCLE_BAD
            } else {
                CIRCLE_OK
            })
        })
        .collect()
}

struct Run {
    out: Output,
    report: serde_json::Value,
}

fn scan(fake: &FakeGitHub, extra: &[&str], envs: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let report = dir.path().join("report.json");
    let mut cmd = support::org_scan_command(&fake.api_url());
    let mut args = Vec::new();
    if !extra.contains(&"--policy") {
        args.extend(["--policy", policy.to_str().unwrap()]);
    }
    args.extend(["--format", "json", "--output", report.to_str().unwrap()]);
    args.extend_from_slice(extra);
    cmd.args(&args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| "null".into());
    assert!(!text.contains(TOKEN), "token leaked into the report");
    assert!(
        !stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN),
        "token leaked into output"
    );
    Run {
        out,
        report: serde_json::from_str(&text).unwrap(),
    }
}

fn start(repos: Vec<FakeRepo>) -> FakeGitHub {
    let mut state = State::new("acme", repos);
    state.token = Some(TOKEN.into());
    FakeGitHub::start(state)
}

fn graphql_requests(fake: &FakeGitHub) -> Vec<serde_json::Value> {
    fake.log()
        .iter()
        .filter(|l| l.path.ends_with("graphql"))
        .map(|l| serde_json::from_str(&l.body).unwrap())
        .collect()
}

fn requests_used(out: &Output) -> usize {
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.contains("GitHub requests"))
        .unwrap_or_else(|| panic!("no request count in {err}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn reads_every_page_within_the_request_budget() {
    let fake = start(org(120));
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    let s = &run.report["summary"];
    assert_eq!(
        (s["repositories"].as_u64(), s["non_compliant"].as_u64()),
        (Some(120), Some(12))
    );
    let pages = graphql_requests(&fake);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["variables"]["first"], 50);
    assert_eq!(
        pages[1]["variables"]["after"],
        support::fake_github::graphql::cursor(50)
    );
    // ceil(N/50) + 5 is the budget; a clean scan needs exactly the pages.
    assert_eq!(fake.log().len(), 3);
    assert_eq!(requests_used(&run.out), 3);
    assert!(stderr(&run.out).contains("orgcheck: 3 GitHub requests, rate limit"));
    // Every request carried the token, and links point at the scanned commit.
    assert!(
        fake.log()
            .iter()
            .all(|l| l.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")[..]))
    );
    let job = &run.report["repositories"][3]["jobs"][0];
    assert!(
        job["url"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/acme/svc-0003/blob/")
    );
}

#[test]
fn secondary_limits_with_retry_after_are_waited_out() {
    for status in [403, 429] {
        let fake = start(org(60));
        fake.fault_after(On::GraphQl, 1, Fault::secondary_retry_after(status, 2));
        let run = scan(&fake, &[], &[]);
        assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
        assert_eq!(run.report["summary"]["repositories"], 60);
        assert_eq!(
            graphql_requests(&fake).len(),
            3,
            "the limited page is asked again"
        );
    }
}

#[test]
fn secondary_limit_without_retry_after_and_a_short_max_wait_gives_a_partial_report() {
    // GitHub asks for at least 60 s; 30 s of budget cannot cover it: partial report, exit 3,
    // at once (tests/github_waits.rs waits the minute out).
    let fake = start(org(60));
    fake.fault_after(On::GraphQl, 1, Fault::secondary_no_header());
    let run = scan(&fake, &["--max-wait", "30s"], &[]);
    assert_eq!(code(&run.out), 3, "{}", stderr(&run.out));
    assert_eq!(run.report["partial"], true);
    let why = run.report["incomplete"].as_str().unwrap();
    assert!(
        why.contains("--max-wait") && why.contains("10 of 60 repositories were not read"),
        "{why}"
    );
    assert_eq!(run.report["summary"]["repositories"], 50);
    assert!(stderr(&run.out).contains("the scan is partial"));
}

#[test]
fn exhausted_primary_limit_waits_for_reset() {
    let fake = start(org(10));
    fake.fault(On::GraphQl, Fault::primary_exhausted());
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    assert_eq!(run.report["summary"]["repositories"], 10);
}

#[test]
fn graphql_rate_limit_errors_in_a_200_are_waited_out() {
    for new_style in [false, true] {
        let fake = start(org(10));
        fake.fault(On::GraphQl, Fault::GraphqlRateLimited { new_style });
        let run = scan(&fake, &[], &[]);
        assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
        assert_eq!(run.report["summary"]["repositories"], 10);
        assert_eq!(graphql_requests(&fake).len(), 2);
    }
}

#[test]
fn heavy_pages_that_time_out_are_retried_smaller() {
    let fake = start(org(60));
    fake.state.lock().unwrap().heavy_page_limit = Some(20);
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    assert_eq!(run.report["summary"]["repositories"], 60);
    let sizes: Vec<u64> = graphql_requests(&fake)
        .iter()
        .map(|r| r["variables"]["first"].as_u64().unwrap())
        .collect();
    assert_eq!(&sizes[..3], [50, 25, 12]);
}

#[test]
fn transient_5xx_is_retried() {
    let fake = start(org(10));
    fake.fault(On::GraphQl, Fault::status(503));
    fake.fault(On::GraphQl, Fault::status(504));
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    assert_eq!(run.report["summary"]["repositories"], 10);
}

#[test]
fn github_that_stays_down_exits_three_with_a_clear_message() {
    // Retried with backoff (1 s, then 2 s) until --max-wait, for real; all six attempts are
    // in tests/github_waits.rs.
    let fake = start(org(10));
    for _ in 0..10 {
        fake.fault(On::GraphQl, Fault::status(502));
    }
    let run = scan(&fake, &["--max-wait", "3s"], &[]);
    assert_eq!(code(&run.out), 3);
    assert!(
        stderr(&run.out).contains("--max-wait"),
        "{}",
        stderr(&run.out)
    );
    assert_eq!(graphql_requests(&fake).len(), 3, "bounded retries");
}

#[test]
fn bad_credentials_and_unknown_orgs_are_clear() {
    let fake = start(org(3));
    let run = scan(
        &fake,
        &["--token", "ghp_wrong_CANARY0123456789abcdefCANARY"],
        &[],
    );
    assert_eq!(code(&run.out), 3);
    assert!(
        stderr(&run.out).contains("401") && stderr(&run.out).contains("Bad credentials"),
        "{}",
        stderr(&run.out)
    );
    assert!(!stderr(&run.out).contains("ghp_wrong"));

    let mut state = State::new("other", org(3));
    state.token = Some(TOKEN.into());
    let fake = FakeGitHub::start(state);
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 3);
    assert!(
        stderr(&run.out).contains("organization `acme` was not found"),
        "{}",
        stderr(&run.out)
    );
}

#[test]
fn scope_filters_archived_forks_topics_and_names() {
    let mut repos = vec![
        FakeRepo {
            archived: true,
            ..FakeRepo::new("old").circleci(CIRCLE_BAD)
        },
        FakeRepo {
            fork: true,
            ..FakeRepo::new("forked").circleci(CIRCLE_BAD)
        },
        FakeRepo {
            topics: vec!["prod".into()],
            ..FakeRepo::new("api").circleci(CIRCLE_OK)
        },
        FakeRepo::new("web").circleci(CIRCLE_OK),
        FakeRepo {
            topics: vec!["prod".into()],
            circleci_truncated: true,
            ..FakeRepo::new("sandbox-x").circleci(CIRCLE_OK)
        },
        FakeRepo {
            empty: true,
            topics: vec!["prod".into()],
            ..FakeRepo::new("empty")
        },
    ];
    repos.push(FakeRepo {
        topics: vec!["prod".into()],
        ..FakeRepo::new("docs")
    });
    let fake = start(repos);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("scoped.toml");
    std::fs::write(
        &policy,
        format!("[scope]\nexclude = [\"sandbox-*\"]\nrequire-topics = [\"prod\"]\n\n{POLICY}"),
    )
    .unwrap();
    let run = scan(&fake, &["--policy", policy.to_str().unwrap()], &[]);
    let names: Vec<&str> = run.report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api", "docs", "empty"]);
    let skipped: Vec<(&str, &str)> = run.report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("forked", "fork"),
            ("old", "archived"),
            ("sandbox-x", "excluded by scope.exclude `sandbox-*`"),
            ("web", "lacks topic `prod`")
        ]
    );
    assert_eq!(run.report["repositories"][0]["status"], "compliant");
    assert_eq!(run.report["repositories"][1]["status"], "no-ci");
    assert_eq!(run.report["repositories"][2]["status"], "no-ci");
    // A whole, complete scan that passes: the skipped failing repositories fail nothing.
    assert_eq!(code(&run.out), 0, "{}", stderr(&run.out));
    assert_eq!(run.report["partial"], false);
    assert_eq!(
        fake.log().len(),
        1,
        "no REST fetch for the out-of-scope truncated file"
    );
}

#[test]
fn truncated_files_are_fetched_whole_over_rest() {
    let long = format!("# {}\n{CIRCLE_BAD}", "x".repeat(200));
    let fake = start(vec![FakeRepo {
        circleci_truncated: true,
        ..FakeRepo::new("big").circleci(&long)
    }]);
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    let repo = &run.report["repositories"][0];
    assert_eq!(repo["status"], "non-compliant", "{repo}");
    assert_eq!(
        repo["jobs"][0]["missing"],
        serde_json::json!(["checkout", "tests"])
    );
    let log = fake.log();
    assert_eq!(log.len(), 2);
    assert!(
        log[1]
            .path
            .starts_with("/repos/acme/big/contents/.circleci/config.yml?ref="),
        "{}",
        log[1].path
    );
}

#[test]
fn a_file_that_cannot_be_fetched_is_that_repository_s_error() {
    let fake = start(vec![
        FakeRepo {
            circleci_truncated: true,
            ..FakeRepo::new("big").circleci(CIRCLE_OK)
        },
        FakeRepo::new("fine").circleci(CIRCLE_OK),
    ]);
    fake.state.lock().unwrap().contents_fail = Some(("big".into(), 500));
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1);
    let repo = &run.report["repositories"][0];
    assert_eq!(repo["status"], "error");
    assert!(
        repo["error"]
            .as_str()
            .unwrap()
            .contains("GitHub answered 500"),
        "{repo}"
    );
    assert_eq!(run.report["repositories"][1]["status"], "compliant");
}

#[test]
fn ghes_layout_uses_api_v3_and_api_graphql() {
    let mut state = State::new(
        "acme",
        vec![FakeRepo {
            circleci_truncated: true,
            ..FakeRepo::new("a").circleci(CIRCLE_OK)
        }],
    )
    .ghes();
    state.token = Some(TOKEN.into());
    let fake = FakeGitHub::start(state);
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 0, "{}", stderr(&run.out));
    let paths: Vec<String> = fake.log().iter().map(|l| l.path.clone()).collect();
    assert_eq!(paths[0], "/api/graphql");
    assert!(
        paths[1].starts_with("/api/v3/repos/acme/a/contents/"),
        "{paths:?}"
    );

    // GITHUB_GRAPHQL_URL wins over the derived endpoint.
    let mut state = State::new("acme", org(2));
    state.token = Some(TOKEN.into());
    state.graphql_path = "/custom/graphql".into();
    let fake = FakeGitHub::start(state);
    let gql = format!("{}/custom/graphql", fake.origin());
    let run = scan(&fake, &[], &[("GITHUB_GRAPHQL_URL", &gql)]);
    assert_eq!(
        run.report["summary"]["repositories"],
        2,
        "{}",
        stderr(&run.out)
    );
}

#[test]
fn github_app_authentication_mints_an_installation_token() {
    let mut state = State::new("acme", org(3));
    state.app = Some(FakeApp {
        app_id: 4242,
        slug: "orgcheck-acme".into(),
        installation_id: 77,
        token: "ghs_installation_CANARY".into(),
    });
    let fake = FakeGitHub::start(state);
    let key = root().join("tests/fixtures/app-key.pem");
    let run = scan(
        &fake,
        &[
            "--app-id",
            "4242",
            "--app-private-key",
            key.to_str().unwrap(),
        ],
        &[("GITHUB_TOKEN", "")],
    );
    assert_eq!(code(&run.out), 0, "{}", stderr(&run.out));
    assert_eq!(run.report["summary"]["repositories"], 3);
    let log = fake.log();
    assert_eq!(log[0].path, "/orgs/acme/installation");
    assert_eq!(log[1].path, "/app/installations/77/access_tokens");
    assert_eq!(
        log[2].authorization.as_deref(),
        Some("Bearer ghs_installation_CANARY")
    );
    assert!(!stderr(&run.out).contains("ghs_installation_CANARY"));
    assert_eq!(requests_used(&run.out), 3);

    // The PEM itself may come from the environment.
    let pem = std::fs::read_to_string(&key).unwrap();
    let fake2 = FakeGitHub::start({
        let mut s = State::new("acme", org(1));
        s.app = Some(FakeApp {
            app_id: 4242,
            slug: "orgcheck-acme".into(),
            installation_id: 77,
            token: "ghs_x".into(),
        });
        s
    });
    let run = scan(
        &fake2,
        &[],
        &[
            ("ORGCHECK_APP_ID", "4242"),
            ("ORGCHECK_APP_PRIVATE_KEY", &pem),
            ("GITHUB_TOKEN", ""),
        ],
    );
    assert_eq!(
        run.report["summary"]["repositories"],
        1,
        "{}",
        stderr(&run.out)
    );
    assert!(!stderr(&run.out).contains("PRIVATE KEY"));
}

#[test]
fn low_graphql_points_wait_for_the_reset_before_the_next_page() {
    // One point left: the first page (cost 1, by GitHub's formula) spends it; the next would
    // cost more than is left, so orgcheck must wait for the reset, not send it.
    let low = |fake: &FakeGitHub| {
        let mut s = fake.state.lock().unwrap();
        s.graphql_points = 1;
        s.graphql_window = 2;
        s.graphql_reset = support::fake_github::now() + 2;
    };
    let fake = start(org(120));
    low(&fake);
    let run = scan(&fake, &["--max-wait", "0s"], &[]);
    assert_eq!(code(&run.out), 3, "{}", stderr(&run.out));
    assert!(
        run.report["incomplete"]
            .as_str()
            .unwrap()
            .contains("70 of 120 repositories were not read")
    );
    assert_eq!(
        graphql_requests(&fake).len(),
        1,
        "no request was spent on a certain refusal"
    );

    // Waited for real (about 2 s, as the reset says), then the scan completes, and no
    // request was refused on the way.
    let fake = start(org(120));
    low(&fake);
    let started = std::time::Instant::now();
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    assert_eq!(run.report["summary"]["repositories"], 120);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(
        graphql_requests(&fake).len(),
        3,
        "three pages, none refused"
    );
}

#[test]
fn circleci_config_yaml_is_read_and_config_yml_wins() {
    let fake = start(vec![
        FakeRepo::new("yaml-only").circleci_yaml(CIRCLE_OK),
        FakeRepo {
            circleci_truncated: true,
            ..FakeRepo::new("yaml-truncated").circleci_yaml(CIRCLE_BAD)
        },
    ]);
    let run = scan(&fake, &[], &[]);
    assert_eq!(code(&run.out), 1, "{}", stderr(&run.out));
    let repos = run.report["repositories"].as_array().unwrap();
    let status = |name: &str| {
        repos
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["status"].clone())
            .unwrap()
    };
    assert_eq!(status("yaml-only"), "compliant");
    assert_eq!(status("yaml-truncated"), "non-compliant");
    assert_eq!(requests_used(&run.out), 2, "one page and one raw fetch");
    assert!(
        fake.log()
            .iter()
            .any(|l| l.path.contains("/contents/.circleci/config.yaml"))
    );

    // Locally too; and with both files, CircleCI reads config.yml only.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("org/both/.circleci");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("config.yml"), CIRCLE_OK).unwrap();
    std::fs::write(repo.join("config.yaml"), "not: [valid").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args(["scan", "--local"])
        .arg(dir.path().join("org"))
        .args(["--format", "text", "--policy"])
        .arg(root().join("policy.example.toml"))
        .args(["--no-fail"])
        .output()
        .unwrap();
    // The run succeeds and judges config.yml: a run that failed outright would also print
    // nothing about config.yaml.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("config.yaml"), "{text}");
    assert!(text.contains("both: "), "the repository is judged: {text}");
    assert!(text.contains("1 repository:"), "{text}");
}

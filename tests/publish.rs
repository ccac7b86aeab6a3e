//! Publishing against the fake GitHub: one issue updated in place, no write when nothing
//! changed, close and reopen, duplicates, size budgets, failures that still leave the report,
//! dry runs, job summary and outputs.

mod support;

use std::process::Command;

use support::fake_github::{FakeGitHub, FakeIssue, FakeRepo, State};
use support::publish_env::{Env, TOKEN, copy_dir};
use support::{code, root, stderr};

#[test]
fn creates_then_leaves_alone_then_updates() {
    let env = Env::new();
    let out = env.run(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let issues = env.fake.issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].labels, ["orgcheck"]);
    assert!(issues[0].title.starts_with("CI compliance report: "));
    assert!(issues[0].body.contains("## Failing repositories"));
    assert!(
        issues[0]
            .body
            .contains("<!-- orgcheck:report source=\"local:")
    );
    assert!(issues[0].body.contains("<!-- orgcheck:state v3 c="));
    assert!(
        stderr(&out)
            .contains("orgcheck: issue: created https://github.com/acme/compliance/issues/1")
    );

    // Same input: reads only, no write, no notification.
    env.fake.clear_log();
    let out = env.run(&[]);
    assert_eq!(code(&out), 1);
    assert!(env.fake.writes().is_empty(), "{:?}", env.fake.writes());
    assert!(stderr(&out).contains("is up to date: no write"));

    // A repository gets fixed: one PATCH of the body, which says what changed.
    env.fix("data-pipeline");
    env.fake.clear_log();
    env.run(&[]);
    let writes = env.fake.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("PATCH", "/repos/acme/compliance/issues/1")
    );
    let body = &env.fake.issues()[0].body;
    assert!(body.contains("### Since the last run"), "{body}");
    assert!(body.contains("**Fixed** (1): data-pipeline"), "{body}");

    // A new failure is named as newly failing.
    std::fs::create_dir_all(env.org().join("new-svc/.circleci")).unwrap();
    std::fs::write(
        env.org().join("new-svc/.circleci/config.yml"),
        "version: 2.1\njobs:\n  build:\n    steps: [{run: make}]\n",
    )
    .unwrap();
    env.run(&[]);
    let body = &env.fake.issues()[0].body;
    assert!(
        body.contains("**Newly failing** (1): [new-svc](#new-svc)"),
        "{body}"
    );
}

#[test]
fn closes_when_compliant_and_reopens_on_regression() {
    let env = Env::new();
    env.run(&[]);
    env.make_compliant();
    let out = env.run(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let issue = &env.fake.issues()[0];
    assert_eq!(issue.state, "closed");
    assert!(issue.body.contains("**Fixed** (5)"), "{}", issue.body);

    // Still compliant: nothing to write.
    env.fake.clear_log();
    env.run(&[]);
    assert!(env.fake.writes().is_empty());

    std::fs::remove_dir_all(env.org().join("payments")).unwrap();
    copy_dir(
        &root().join("examples/demo-org/payments"),
        &env.org().join("payments"),
    );
    let out = env.run(&[]);
    assert_eq!(code(&out), 1);
    assert_eq!(env.fake.issues()[0].state, "open");
    assert_eq!(env.fake.issues().len(), 1, "reopened, not recreated");
    assert!(stderr(&out).contains("reopened"), "{}", stderr(&out));
}

#[test]
fn closing_and_reopening_can_be_switched_off() {
    let env = Env::new();
    env.run(&[]);
    env.make_compliant();
    env.run(&["--no-close"]);
    assert_eq!(env.fake.issues()[0].state, "open");
    env.run(&[]);
    assert_eq!(env.fake.issues()[0].state, "closed");
    std::fs::remove_dir_all(env.org().join("payments")).unwrap();
    copy_dir(
        &root().join("examples/demo-org/payments"),
        &env.org().join("payments"),
    );
    env.run(&["--no-reopen"]);
    assert_eq!(env.fake.issues()[0].state, "closed");
}

#[test]
fn nothing_is_opened_when_everything_is_compliant() {
    let env = Env::new();
    env.make_compliant();
    let out = env.run(&[]);
    assert_eq!(code(&out), 0);
    assert!(env.fake.issues().is_empty());
    assert!(env.fake.writes().is_empty());
}

#[test]
fn duplicates_are_closed_in_favour_of_the_oldest() {
    let env = Env::new();
    env.run(&[]);
    let first = env.fake.issues()[0].clone();
    {
        let mut s = env.fake.state.lock().unwrap();
        for n in [2, 3] {
            s.issues.push(FakeIssue {
                number: n,
                title: "renamed by someone".into(),
                ..first.clone()
            });
        }
        // An issue with the label but another marker, and a pull request, are not ours.
        s.issues.push(FakeIssue {
            number: 4,
            body: "unrelated".into(),
            ..first.clone()
        });
        s.issues.push(FakeIssue {
            number: 5,
            pull_request: true,
            ..first.clone()
        });
        s.issues_page = 2; // exercise pagination through the Link header
    }
    let out = env.run(&[]);
    let issues = env.fake.issues();
    assert_eq!(issues[0].state, "open");
    for dup in &issues[1..3] {
        assert_eq!(dup.state, "closed", "{}", stderr(&out));
        assert!(dup.comments[0].contains("duplicate of #1"));
    }
    assert_eq!(issues[3].state, "open");
    assert_eq!(issues[4].state, "open");
    assert!(
        env.fake
            .log()
            .iter()
            .any(|l| l.path.starts_with("/repositories/1/issues")),
        "followed the next link"
    );
}

#[test]
fn issues_disabled_or_forbidden_is_clear_and_the_report_is_still_written() {
    for (status, words) in [
        (410, "issues are disabled in acme/compliance"),
        (403, "no permission to write issues in acme/compliance"),
    ] {
        let env = Env::new();
        env.fake.state.lock().unwrap().issues_fail = Some(status);
        let out = env.run(&[]);
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        assert!(stderr(&out).contains(words), "{}", stderr(&out));
        assert!(env.read("summary.md").contains("## Failing repositories"));
        assert!(env.read("report.json").contains("\"non_compliant\": 4"));
        assert!(env.read("outputs.txt").contains("compliant=false"));
    }
}

#[test]
fn dry_run_writes_nothing_to_github() {
    let env = Env::new();
    let out = env.run(&["--dry-run"]);
    assert_eq!(code(&out), 1);
    assert!(env.fake.writes().is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("would create an issue in acme/compliance"),
        "{err}"
    );
    assert!(err.contains("----- issue body"));
    assert!(
        env.read("summary.md").contains("## Failing repositories"),
        "the job summary is a local file"
    );
}

#[test]
fn outputs_and_summary_for_actions() {
    let env = Env::new();
    env.run(&[]);
    let outputs = env.read("outputs.txt");
    let report = env.path("report.json");
    for line in [
        "compliant=false",
        "repositories=12",
        "non-compliant=4",
        "errors=1",
        "issue-url=https://github.com/acme/compliance/issues/1",
        &format!("report={}", report.display()),
    ] {
        assert!(
            outputs.lines().any(|l| l == line),
            "{line} missing from {outputs}"
        );
    }
    assert!(env.read("summary.md").contains("## Failing repositories"));
}

#[test]
fn five_thousand_non_compliant_repositories_fit_both_limits() {
    let bad = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make\n  test:\n    steps:\n      - run: make check\n";
    let repos = (0..5000)
        .map(|i| FakeRepo::new(&format!("service-with-a-long-name-{i:05}")).circleci(bad))
        .collect();
    let mut state = State::new("acme", repos);
    state.token = Some(TOKEN.into());
    let fake = FakeGitHub::start(state);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let report = dir.path().join("full.md");
    let api = fake.api_url();
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args([
            "scan",
            "--org",
            "acme",
            "--policy",
            "policy.example.toml",
            "--api-url",
            &api,
        ])
        .args([
            "--issue-repo",
            "acme/compliance",
            "--output",
            report.to_str().unwrap(),
        ])
        .current_dir(root())
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_GRAPHQL_URL")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let issue = &fake.issues()[0];
    let chars = issue.body.chars().count();
    assert!(chars <= 65_536, "issue body has {chars} characters");
    assert!(chars > 40_000, "the budget is used, not wasted: {chars}");
    // Long names that share a stem are written once, so all 5,000 are named.
    assert!(
        issue.body.contains("written compactly to fit"),
        "the index is compact"
    );
    let listed = issue
        .body
        .split("service-with-a-long-name-{")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .map_or(0, |tails| tails.split(',').count());
    assert_eq!(listed, 5000, "every name is in the index");
    assert!(!issue.body.contains("not named here"));
    assert!(issue.body.contains("<!-- orgcheck:state v3 c="));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.len() <= 1024 * 1024,
        "summary has {} bytes",
        summary.len()
    );
    let full = std::fs::read_to_string(&report).unwrap();
    assert!(
        full.len() > summary.len() && full.contains("service-with-a-long-name-04999"),
        "the full report is whole"
    );
}

#[test]
fn the_action_entry_point_turns_inputs_into_a_scan() {
    let env = Env::new();
    let outputs = env.path("outputs.txt");
    let report = env.path("action-report.md");
    let api = env.fake.api_url();
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .arg("action")
        .current_dir(root())
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env("INPUT_LOCAL", env.org())
        .env("INPUT_POLICY", "policy.example.toml")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_API-URL", &api)
        .env("INPUT_ISSUE-REPO", "acme/compliance")
        .env("INPUT_OUTPUT", &report)
        .env("INPUT_NO-CLOSE", "false")
        .env("INPUT_FAIL", "false")
        .env("INPUT_DRY-RUN", "")
        .env("GITHUB_OUTPUT", &outputs)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_API_URL")
        .env_remove("GITHUB_GRAPHQL_URL")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "fail: false means exit 0: {}", stderr(&out));
    assert!(!stderr(&out).contains(TOKEN));
    assert_eq!(env.fake.issues().len(), 1);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("## Failing repositories")
    );
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        outputs.contains("issue-url=https://github.com/acme/compliance/issues/1"),
        "{outputs}"
    );

    // Inputs that do not make a command are a usage error that names the problem.
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .arg("action")
        .current_dir(root())
        .env("INPUT_LOCAL", env.org())
        .env("INPUT_FORMAT", "pdf")
        .env_remove("GITHUB_REPOSITORY_OWNER")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("invalid inputs") && stderr(&out).contains("pdf"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn two_spellings_of_the_policy_path_find_one_issue() {
    let env = Env::new();
    env.run(&[]);
    assert_eq!(env.fake.issues().len(), 1);
    env.fix("payments");
    let absolute = root().join("policy.example.toml");
    for spelling in ["./policy.example.toml", absolute.to_str().unwrap()] {
        let out = env.run(&["--policy", spelling]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert_eq!(
            env.fake.issues().len(),
            1,
            "`{spelling}` opened a second issue"
        );
    }
    assert!(
        env.fake.issues()[0].body.contains("**Fixed**"),
        "the one issue was updated: {}",
        env.fake.issues()[0].body
    );
}

//! What really runs: CircleCI job instances per workflow invocation, jobs that never run,
//! dynamic config, local composite actions, `if: false` and rule events, on the fixtures in
//! `tests/fixtures/runs` (one repository per folder).

mod support;

use serde_json::Value;
use support::{code, orgcheck, stderr, stdout};

const FIXTURES: &str = "tests/fixtures/runs";

/// `inspect --format json` of one fixture repository.
fn inspect(repo: &str) -> Vec<Value> {
    let out = orgcheck(&["inspect", &format!("{FIXTURES}/{repo}"), "--format", "json"]);
    serde_json::from_str::<Vec<Value>>(&stdout(&out)).expect("inspect prints a JSON list")
}

/// Every job instance of a repository: (name, job, workflow, steps as text).
fn instances(repo: &str) -> Vec<(String, String, String, Vec<String>)> {
    inspect(repo)
        .iter()
        .flat_map(|f| f["jobs"].as_array().cloned().unwrap_or_default())
        .map(|j| {
            let steps = j["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| match (&s["run"], &s["uses"]) {
                    (Value::String(r), _) => format!("run:{r}"),
                    (_, Value::String(u)) => format!("uses:{u}"),
                    _ => panic!("a step runs or uses: {s}"),
                })
                .collect();
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                text(&j["name"]),
                text(&j["job"]),
                text(&j["workflow"]),
                steps,
            )
        })
        .collect()
}

/// `(name, kind)` of every job that never runs.
fn not_run(repo: &str) -> Vec<(String, String)> {
    inspect(repo)
        .iter()
        .flat_map(|f| f["not_run"].as_array().cloned().unwrap_or_default())
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn names(repo: &str) -> Vec<String> {
    instances(repo).into_iter().map(|i| i.0).collect()
}

#[test]
fn a_steps_parameter_from_the_workflow_makes_one_instance_per_invocation() {
    let got = instances("circleci-cli");
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].0.as_str(), got[0].1.as_str(), got[0].2.as_str()),
        ("smoke-test-snap", "smoke-test", "ci")
    );
    assert_eq!(
        got[0].3,
        [
            "run:sudo snap install circleci",
            "run:circleci version",
            "run:circleci diagnostic"
        ]
    );
    assert_eq!(got[1].0, "smoke-test-brew");
    assert_eq!(
        got[1].3[..2],
        [
            "uses:checkout".to_string(),
            "run:brew install circleci".into()
        ]
    );
}

#[test]
fn pre_steps_come_before_and_post_steps_after() {
    let got = instances("pre-post");
    assert_eq!(
        got[0].3,
        [
            "uses:checkout",
            "run:make test",
            "uses:scan",
            "run:gitleaks detect"
        ]
    );
}

#[test]
fn a_matrix_is_one_instance_per_combination_named_as_circleci_names_them() {
    assert_eq!(
        names("matrix"),
        [
            "build-18-linux",
            "build-20-linux",
            "build-20-macos",
            "e2e-chromium",
            "e2e-firefox"
        ]
    );
    let got = instances("matrix");
    assert_eq!(got[2].3[1], "run:make test OS=macos NODE=20");
    assert!(got.iter().all(|i| i.1 == "build" || i.1 == "e2e"));
}

#[test]
fn approvals_are_not_judged_and_workflows_that_never_run_are_said_so() {
    assert_eq!(names("conditions"), ["build", "deploy"]);
    assert_eq!(
        not_run("conditions"),
        [
            ("docs".to_string(), "workflow-never-runs".to_string()),
            ("legacy".into(), "workflow-never-runs".into()),
            ("unused".into(), "not-in-workflow".into()),
        ]
    );
}

#[test]
fn a_config_without_workflows_runs_build_only() {
    assert_eq!(names("no-workflows"), ["build"]);
    assert_eq!(
        not_run("no-workflows"),
        [("deploy".to_string(), "not-build".to_string())]
    );
}

#[test]
fn a_setup_config_is_judged_through_its_continuation() {
    let files: Vec<String> = inspect("dynamic")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        files[1].ends_with(".circleci/continue_config.yml"),
        "{files:?}"
    );
    assert_eq!(names("dynamic"), ["filter/filter", "build", "lint"]);

    let unresolved = inspect("dynamic-unresolved");
    let job = &unresolved[0]["jobs"][1];
    assert_eq!(job["name"], "continuation");
    assert!(
        job["not_verifiable"]
            .as_str()
            .unwrap()
            .contains("decided when the pipeline runs"),
        "{job}"
    );

    let missing = inspect("dynamic-missing");
    let error = missing.iter().find_map(|f| f["error"].as_str()).unwrap();
    assert!(error.contains("`.circleci/generated.yml`, which is not in the repository"));
}

#[test]
fn local_composite_actions_expand_in_place_pointing_into_their_files() {
    let files = inspect("composite");
    let build = &files[0]["jobs"][0];
    let steps: Vec<(String, String)> = build["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let what = s["run"].as_str().or(s["uses"].as_str()).unwrap();
            let file = s["file"].as_str().unwrap_or("(job)");
            (what.to_string(), file.to_string())
        })
        .collect();
    let expected = [
        ("actions/checkout@v4", "(job)"),
        ("./.github/actions/setup", "(job)"),
        ("npm ci", ".github/actions/setup/action.yml"),
        ("./tools/lint", ".github/actions/setup/action.yml"),
        ("gitleaks detect", "tools/lint/action.yaml"),
        ("./tools/lint/", "(job)"),
        ("gitleaks detect", "tools/lint/action.yaml"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(steps, expected);
    // A cycle is an error at the step that closes it; a path out of the repository stays a
    // named step and reads nothing.
    let cycle = files.iter().find_map(|f| f["error"].as_str()).unwrap();
    assert!(cycle.contains(
        "cycle: .github/actions/loop-a → .github/actions/loop-b → .github/actions/loop-a"
    ));
    let escape = &files[0]["jobs"][2]["steps"];
    assert_eq!(escape.as_array().unwrap().len(), 1);
}

#[test]
fn literal_if_false_jobs_do_not_run() {
    assert_eq!(names("if-false"), ["build", "conditional"]);
    assert_eq!(
        not_run("if-false"),
        [
            ("disabled".to_string(), "if-false".to_string()),
            ("disabled-expression".into(), "if-false".into()),
        ]
    );
}

/// Scan every fixture with `tests/fixtures/runs/policy.toml`.
fn scan(extra_policy: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(format!("{FIXTURES}/policy.toml")).unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, format!("{extra_policy}{base}")).unwrap();
    let out = orgcheck(&[
        "scan",
        "--local",
        FIXTURES,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!([0, 1].contains(&code(&out)), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn repo<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()
}

fn missing(report: &Value, repo_name: &str) -> Vec<(String, Vec<String>)> {
    repo(report, repo_name)["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| !j["missing"].as_array().unwrap().is_empty())
        .map(|j| {
            let m = j["missing"].as_array().unwrap();
            let ids = m.iter().map(|v| v.as_str().unwrap().to_string()).collect();
            (j["name"].as_str().unwrap().to_string(), ids)
        })
        .collect()
}

#[test]
fn the_report_judges_instances_and_lists_what_never_runs() {
    let report = scan("");
    assert_eq!(report["schema_version"], 2);
    // Steps supplied by the workflow count: both smoke tests are judged on their own steps.
    assert_eq!(
        missing(&report, "circleci-cli"),
        [("smoke-test-snap".to_string(), vec!["checkout".to_string()])]
    );
    // A `jobs` glob naming the definition covers every matrix instance (all run the tests);
    // the e2e instances miss checkout, each on its own.
    assert_eq!(
        missing(&report, "matrix"),
        [
            ("e2e-chromium".to_string(), vec!["checkout".to_string()]),
            ("e2e-firefox".into(), vec!["checkout".into()]),
        ]
    );
    // The release-only workflow is outside the tests rule's events; the push workflow is not.
    assert_eq!(
        missing(&report, "events"),
        [("test".to_string(), vec!["tests".to_string()])]
    );
    // Composite action steps satisfy rules: the secret scan is two actions deep; nothing in
    // them runs the tests.
    assert_eq!(
        missing(&report, "composite"),
        [("build".to_string(), vec!["tests".to_string()])]
    );
    let conditions = repo(&report, "conditions");
    assert_eq!(conditions["not_run"].as_array().unwrap().len(), 3);
    let job = &conditions["jobs"][0];
    assert_eq!(
        (&job["name"], &job["job"], &job["workflow"]),
        (&"build".into(), &"build".into(), &"ci".into())
    );
}

#[test]
fn unused_jobs_judge_restores_judging_every_definition() {
    let report = scan("[settings]\nunused-jobs = \"judge\"\n");
    let conditions = repo(&report, "conditions");
    assert!(conditions["not_run"].as_array().unwrap().is_empty());
    assert_eq!(
        missing(&report, "conditions"),
        [
            ("deploy".to_string(), vec!["checkout".to_string()]),
            ("docs".into(), vec!["checkout".into()]),
            ("legacy".into(), vec!["checkout".into()]),
            ("unused".into(), vec!["checkout".into()]),
        ]
    );
}

#[test]
fn inspect_json_of_every_fixture() {
    let mut all = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        all.extend(inspect(dir.file_name().unwrap().to_str().unwrap()));
    }
    insta::assert_json_snapshot!("runs_inspect", all);
}

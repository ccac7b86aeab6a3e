//! The command line as users run it: demo scan, check, inspect, exit codes, errors.

mod support;

use support::{code, orgcheck, orgcheck_in, root, stderr, stdout};

const DEMO: &[&str] = &[
    "scan",
    "--local",
    "examples/demo-org",
    "--policy",
    "policy.example.toml",
];

fn demo(extra: &[&str]) -> std::process::Output {
    let mut args = DEMO.to_vec();
    args.extend_from_slice(extra);
    orgcheck(&args)
}

#[test]
fn demo_markdown_report() {
    let out = demo(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    insta::assert_snapshot!("demo_markdown", support::stable(&stdout(&out)));
    assert!(stderr(&out).contains(
        "12 repositories: 5 compliant, 4 non-compliant, 1 no-ci, 1 exempt, 1 error; 1 skipped"
    ));
}

#[test]
fn demo_json_report() {
    let out = demo(&["--format", "json"]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    insta::assert_json_snapshot!("demo_json", json);
}

#[test]
fn demo_text_report() {
    let out = demo(&["--format", "text", "--quiet"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "");
    insta::assert_snapshot!("demo_text", stdout(&out));
}

#[test]
fn demo_csv_report() {
    let out = demo(&["--format", "csv", "--quiet"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("demo_csv", stdout(&out));
}

#[test]
fn also_writes_one_file_per_format_from_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let (json, csv) = (dir.path().join("r.json"), dir.path().join("r.csv"));
    let also = format!("{},{}", json.display(), csv.display());
    let out = demo(&["--format", "text", "--quiet", "--also", &also]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.starts_with("repository,owners,status,rule,"), "{rows}");
    let findings: usize = report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["jobs"].as_array().unwrap())
        .map(|j| j["violations"].as_array().unwrap().len())
        .sum();
    assert!(rows.lines().count() > findings, "{rows}");
    // An extension that names no format is a usage error, before anything is scanned.
    let bad = demo(&["--quiet", "--also", "report.xlsx"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("name the format by the extension"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn every_status_is_in_the_demo() {
    let out = demo(&["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let statuses: std::collections::BTreeSet<&str> = json["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["compliant", "error", "exempt", "no-ci", "non-compliant"]
    );
    assert_eq!(json["summary"]["skipped"], 1);
}

#[test]
fn no_fail_exits_zero_and_output_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let out = demo(&[
        "--no-fail",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("\"non_compliant\": 4"));
}

#[test]
fn compliant_check_exits_zero() {
    let out = orgcheck(&[
        "check",
        "examples/demo-org/api-gateway",
        "--policy",
        "policy.example.toml",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out).lines().next(), Some("api-gateway: compliant"));
}

#[test]
fn non_compliant_check_names_file_line_job_and_rule() {
    let out = orgcheck(&[
        "check",
        "examples/demo-org/payments",
        "--policy",
        "policy.example.toml",
    ]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("check_payments", stdout(&out));
}

#[test]
fn check_defaults_to_the_current_folder() {
    let root = support::root();
    let policy = root.join("policy.example.toml");
    let out = orgcheck_in(
        &root.join("examples/demo-org/data-pipeline"),
        &["check", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains(".circleci/config.yml:9: error: invalid YAML"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn invalid_policy_exits_two_with_every_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("bad.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nid = \"x\"\n\n[[rule]]\nid = \"x\"\ndescription = \"d\"\nuses = \"checkout\"\n",
    )
    .unwrap();
    let out = orgcheck(&[
        "scan",
        "--local",
        "examples/demo-org",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:1:1: missing key `description` in [[rule]]"),
        "{err}"
    );
    assert!(err.contains("bad.toml:5:6: duplicate rule id `x`"), "{err}");
    assert_eq!(stdout(&out), "");
}

#[test]
fn missing_default_policy_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = orgcheck_in(dir.path(), &["check"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("Pass --policy FILE"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_two() {
    let out = orgcheck(&["scan"]);
    assert_eq!(code(&out), 2);
    let out = orgcheck(&[
        "scan",
        "--local",
        "no/such/dir",
        "--policy",
        "policy.example.toml",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("is not a directory"));
}

#[test]
fn custom_template_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.hbs");
    std::fs::write(
        &t,
        "{{summary.compliant}} ok; {{#each report.repositories}}{{#if (eq status \"non-compliant\")}}{{name}} {{/if}}{{/each}}\n",
    )
    .unwrap();
    let out = demo(&["--template", t.to_str().unwrap(), "--quiet"]);
    assert_eq!(
        stdout(&out),
        "5 ok; mobile-app monorepo old-reports payments\n"
    );
    std::fs::write(&t, "{{#each}").unwrap();
    let out = demo(&["--template", t.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid template"));
}

#[test]
fn inspect_json_shape() {
    let out = orgcheck(&[
        "inspect",
        "--format",
        "json",
        "examples/demo-org/infra-tools/.circleci/config.yml",
        "examples/demo-org/mobile-app/.github/workflows/ci.yml",
        "examples/demo-org/data-pipeline/.circleci/config.yml",
    ]);
    assert_eq!(code(&out), 1, "one file does not parse");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    insta::assert_json_snapshot!("inspect_json", json);
}

#[test]
fn inspect_text_outline() {
    let out = orgcheck(&[
        "inspect",
        "examples/demo-org/api-gateway/.circleci/config.yml",
    ]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("inspect_text", stdout(&out));
}

#[test]
fn help_teaches_exit_codes_and_examples() {
    let out = orgcheck(&["--help"]);
    let help = stdout(&out);
    assert!(help.contains("Exit codes"), "{help}");
    let out = orgcheck(&["scan", "--help"]);
    assert!(stdout(&out).contains("Example: orgcheck scan --local examples/demo-org"));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = orgcheck(&["--version"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let expected = format!("orgcheck {} (", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Tests run on the commit being built, unless a release set ORGCHECK_GIT_COMMIT.
        Some(head) if std::env::var_os("ORGCHECK_GIT_COMMIT").is_none() => {
            assert!(text.contains(&head), "{text} does not name {head}")
        }
        _ => assert!(text.trim_end().ends_with(')'), "{text}"),
    }
}

#[test]
fn a_sha_pinned_checkout_satisfies_a_version_rule_through_its_comment() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
    std::fs::write(
        wf.join("ci.yml"),
        format!(
            "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@{sha} # v4.2.2\n      - run: make test\n      - run: gitleaks detect\n"
        ),
    )
    .unwrap();
    let out = orgcheck(&["inspect", wf.join("ci.yml").to_str().unwrap()]);
    assert!(
        stdout(&out).contains(&format!("uses: actions/checkout@{sha} (v4.2.2)")),
        "{}",
        stdout(&out)
    );
    let policy = root().join("policy.example.toml");
    let out = orgcheck_in(
        dir.path(),
        &[
            "check",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let job = &report["repositories"][0]["jobs"][0];
    // A version too low would be a `version` finding, not a missing step: no finding at all
    // about the rule is what says the comment's v4.2.2 was read and accepted.
    let about_checkout: Vec<_> = job["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "actions-checkout")
        .collect();
    assert!(
        about_checkout.is_empty(),
        "the pin's comment names v4.2.2: {job}"
    );
    assert_eq!(report["repositories"][0]["status"], "compliant", "{job}");
}

#[test]
fn rules_enforced_soon_are_announced_with_who_would_fail() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(root().join("policy.example.toml")).unwrap();
    let policy = dir.path().join("policy.toml");
    // The demo's Markdown report with the `lint` rule enforced from `day`.
    let report = |day: &str| {
        let text = example.replace(
            "enforce-from = 2099-01-01",
            &format!("enforce-from = {day}"),
        );
        std::fs::write(&policy, text).unwrap();
        let mut args = DEMO.to_vec();
        args[4] = policy.to_str().unwrap();
        stdout(&orgcheck(&args))
    };
    // Today is 2026-11-27 for these tests: 18 days ahead.
    let md = report("2026-12-15");
    assert!(
        md.contains("- **lint** (Run the linter in GitHub Actions builds) is enforced from **2026-12-15**, in 18 days. It would fail 2: design-system, web-frontend."),
        "{md}"
    );
    assert!(md.contains("🟡 **2** with warnings"), "{md}");
    // Not announced a month and more ahead.
    assert!(!report("2027-01-31").contains("Rules enforced soon"));
}

/// `text` written to a file `name` in a new folder (kept while the folder is).
fn written(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

#[test]
fn an_action_file_inspected_alone_is_a_github_action() {
    let (_dir, action) = written(
        "action.yml",
        "name: setup\nruns:\n  using: composite\n  steps:\n    - run: make test\n      shell: bash\n    - uses: actions/checkout@v4\n",
    );
    let out = orgcheck(&["inspect", action.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("(github-actions)"),
        "not taken for CircleCI: {text}"
    );
    assert!(
        text.contains("job action") && text.contains(":5  run: make test"),
        "{text}"
    );
    assert!(text.contains("uses: actions/checkout@v4"), "{text}");
}

#[test]
fn inspect_shows_a_parallel_group() {
    let (_dir, file) = written(
        "ci.yml",
        "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - parallel:\n          - run: make test\n          - run: make lint\n      - wait-all:\n",
    );
    let out = orgcheck(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("7  ∥ run: make test  (parallel group, line 6)")
            && text.contains("8  ∥ run: make lint  (parallel group, line 6)"),
        "{text}"
    );
    let json = orgcheck(&["inspect", "--format", "json", file.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["jobs"][0]["steps"][1]["parallel"], 6);
}

#[test]
fn a_template_nothing_uses_is_said_to_be_unused() {
    let template = root().join("templates/report.md.hbs");
    let template = template.to_str().unwrap();
    let run = |format: &str| {
        let args = [
            "scan",
            "--local",
            "examples/demo-org",
            "--policy",
            "policy.example.toml",
            "--no-fail",
            "--no-issue",
            "--format",
            format,
            "--template",
            template,
        ];
        orgcheck_in(&root(), &args)
    };
    let json = run("json");
    assert_eq!(code(&json), 2, "a usage error: {}", stderr(&json));
    assert!(
        stderr(&json).contains("--template renders Markdown"),
        "{}",
        stderr(&json)
    );
    let markdown = run("markdown");
    assert!(
        !stderr(&markdown).contains("--template renders Markdown"),
        "{}",
        stderr(&markdown)
    );
}

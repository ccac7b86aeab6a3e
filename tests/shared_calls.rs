//! Shared CI across an organization: reusable workflows and composite actions in a central
//! repository, called at two refs, calling each other, in a cycle, and missing. The org scan
//! (a fake GitHub on 127.0.0.1) and `scan --local` over the same working trees agree.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use support::fake_github::{FakeGitHub, FakeRepo, State};
use support::{code, stderr};

const POLICY: &str = r#"[settings]
resolve-owners = ["acme-platform"]

[[rule]]
id = "scanner"
description = "Run the security scanner"
run = "trivy scan"
match = "contains"

[[rule]]
id = "lint"
description = "Lint strictly"
run = "lint --strict"
match = "contains"
"#;

const CI_MAIN: &str = "on:
  workflow_call:
    inputs:
      scanner:
        type: string
        default: none
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ${{ inputs.scanner }} scan
      - uses: acme/shared/.github/actions/setup@main
";
const CI_V1: &str =
    "on: workflow_call\njobs:\n  scan:\n    runs-on: x\n    steps:\n      - run: trivy scan\n";
const SETUP: &str = "runs:
  using: composite
  steps:
    - run: setup-tool
      shell: bash
    - uses: acme/shared/.github/actions/lint@v1
";
const LINT: &str =
    "runs:\n  using: composite\n  steps:\n    - run: lint --strict\n      shell: bash\n";
const LOOP: &str =
    "on: workflow_call\njobs:\n  again:\n    uses: acme/shared/.github/workflows/loop.yml@main\n";
const PING: &str =
    "runs:\n  using: composite\n  steps:\n    - uses: acme/shared/.github/actions/pong@main\n";
const PONG: &str =
    "runs:\n  using: composite\n  steps:\n    - uses: acme/shared/.github/actions/ping@main\n";
const PLATFORM: &str = "on: workflow_call\njobs:\n  all:\n    runs-on: x\n    steps:\n      - run: trivy scan\n      - run: lint --strict\n";

/// A caller whose only job calls `target`, with `with` inputs.
fn caller(name: &str, target: &str, with: &str) -> FakeRepo {
    FakeRepo::new(name).workflow(
        "ci.yml",
        &format!("on: push\njobs:\n  call:\n    uses: {target}\n{with}"),
    )
}

fn central() -> FakeRepo {
    FakeRepo::new("shared")
        .workflow("ci.yml", CI_MAIN)
        .workflow("loop.yml", LOOP)
        .file(".github/actions/setup/action.yml", SETUP)
        .file(".github/actions/ping/action.yml", PING)
        .file(".github/actions/pong/action.yml", PONG)
        .file_at("v1", ".github/workflows/ci.yml", CI_V1)
        .file_at("v1", ".github/actions/lint/action.yml", LINT)
}

/// The organization: 20 repositories that call the central workflow the same way (so batching
/// shows), and one of each other shape.
fn repos() -> Vec<FakeRepo> {
    let ci = "acme/shared/.github/workflows/ci.yml";
    let trivy = "    with:\n      scanner: trivy\n";
    let mut repos: Vec<FakeRepo> = (0..20)
        .map(|i| caller(&format!("app-{i:02}"), &format!("{ci}@main"), trivy))
        .collect();
    repos.extend([
        central(),
        caller("no-input", &format!("{ci}@main"), ""),
        caller("old", &format!("{ci}@v1"), ""),
        caller("loopy", "acme/shared/.github/workflows/loop.yml@main", ""),
        caller("broken", "acme/shared/.github/workflows/gone.yml@main", ""),
        caller(
            "platform",
            "acme-platform/tools/.github/workflows/all.yml@main",
            "",
        ),
        caller(
            "private",
            "acme-platform/private/.github/workflows/all.yml@main",
            "",
        ),
        caller("outsider", "pytorch/test-infra/.github/workflows/x.yml@main", ""),
        FakeRepo::new("pingpong").workflow(
            "ci.yml",
            "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: trivy scan\n      - uses: acme/shared/.github/actions/ping@main\n",
        ),
    ]);
    repos
}

fn tools() -> FakeRepo {
    FakeRepo::new("tools").file(".github/workflows/all.yml", PLATFORM)
}

fn run(args: &[&str], cmd: Option<std::process::Command>) -> (Value, String, i32) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let report = dir.path().join("report.json");
    let mut cmd = cmd.unwrap_or_else(|| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_orgcheck"));
        c.env("ORGCHECK_TODAY", "2026-11-27");
        c
    });
    cmd.args(args)
        .args(["--policy", policy.to_str().unwrap(), "--format", "json"])
        .args(["--output", report.to_str().unwrap()]);
    let out = cmd.output().unwrap();
    let text = std::fs::read_to_string(&report).expect("a report is written");
    (
        serde_json::from_str(&text).unwrap(),
        stderr(&out),
        code(&out),
    )
}

/// Each repository's status, and the reasons its jobs are not verifiable.
fn outcome(report: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let why = r["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|j| j["not_verifiable"].as_str().map(str::to_string))
                .collect();
            let name = r["name"].as_str().unwrap().to_string();
            (name, (r["status"].as_str().unwrap().to_string(), why))
        })
        .collect()
}

fn write_tree(dir: &Path, repo: &FakeRepo) {
    let files = repo
        .workflows
        .iter()
        .map(|(n, t)| (format!(".github/workflows/{n}"), t))
        .chain(repo.files.iter().map(|(p, t)| (p.clone(), t)));
    for (path, text) in files {
        let path = dir.join(&repo.name).join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Every `REPOSITORY:REF:PATH` the `Files` queries asked for, and how many queries there were.
fn files_asked(fake: &FakeGitHub) -> (Vec<String>, usize) {
    let mut asked = Vec::new();
    let mut queries = 0;
    for entry in fake.log().iter().filter(|l| l.path.ends_with("graphql")) {
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        if !body["query"].as_str().unwrap().starts_with("query Files(") {
            continue;
        }
        queries += 1;
        let vars = body["variables"].as_object().unwrap();
        for (k, v) in vars.iter().filter(|(k, _)| k.starts_with('f')) {
            let repo = &vars[&format!("r{}", &k[1..k.find('_').unwrap()])];
            asked.push(format!("{repo}:{v}"));
        }
    }
    (asked, queries)
}

/// The same organization on disk, scanned with `scan --local`: the working trees (default
/// branches) of the same repositories, and `tools` for the other owner.
fn local_scan() -> Value {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("acme");
    for repo in repos().iter().chain([&tools()]) {
        write_tree(&dir, repo);
    }
    // The working tree has what v1 adds (a local scan reads no refs).
    let lint = dir.join("shared/.github/actions/lint/action.yml");
    std::fs::create_dir_all(lint.parent().unwrap()).unwrap();
    std::fs::write(&lint, LINT).unwrap();
    let (local, err, _) = run(&["scan", "--local", dir.to_str().unwrap()], None);
    let notes = local["notes"].to_string();
    assert!(notes.contains("whatever ref they name"), "{notes} {err}");
    local
}

#[test]
fn shared_workflows_and_actions_are_judged_as_the_callers_in_both_scans() {
    let mut state = State::new("acme", repos());
    state.token = Some(support::CANARY_TOKEN.into());
    state.elsewhere.push(("acme-platform".into(), tools()));
    let fake = FakeGitHub::start(state);
    let (org, err, status) = run(&[], Some(support::org_scan_command(&fake.api_url())));
    assert_eq!(status, 1, "non-compliant repositories fail the run: {err}");
    let found = outcome(&org);

    // The caller's `with:` fills the called workflow's input, and the composite action it
    // uses (at main) expands the one it uses at v1: both rules are met inside shared CI.
    assert_eq!(found["app-00"].0, "compliant", "{:?}", found["app-00"]);
    let app = &org["repositories"][0];
    assert_eq!(app["jobs"][0]["name"], "call/scan");
    assert_eq!(app["jobs"][0]["steps"], 6);
    // The job's lines are in the central repository, at the ref called, and link there.
    assert_eq!(
        app["jobs"][0]["file"],
        "acme/shared/.github/workflows/ci.yml@main"
    );
    assert_eq!(
        app["jobs"][0]["url"],
        "https://github.com/acme/shared/blob/main/.github/workflows/ci.yml#L8"
    );
    // Without the input, the default (`none scan`) does not run the scanner.
    assert_eq!(found["no-input"].0, "non-compliant");
    // v1 is another workflow: it scans but does not lint.
    let old = org["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "old")
        .unwrap();
    assert_eq!(old["missing"], serde_json::json!([]));
    assert_eq!(old["jobs"][0]["missing"], serde_json::json!(["lint"]));
    // Another owner listed in `resolve-owners` is followed too.
    assert_eq!(found["platform"].0, "compliant");
    // Cycles, missing files and unreadable repositories leave the job not verifiable, why
    // given at the calling line; an owner not followed stays a call.
    let why = |name: &str| found[name].1.join(" | ");
    assert!(why("loopy").contains("cycle"), "{}", why("loopy"));
    assert!(why("pingpong").contains("cycle"), "{}", why("pingpong"));
    assert!(
        why("broken").contains("has no `.github/workflows/gone.yml`"),
        "{}",
        why("broken")
    );
    assert!(why("private").contains("could not"), "{}", why("private"));
    assert_eq!(
        why("outsider"),
        "calls workflow pytorch/test-infra/.github/workflows/x.yml@main"
    );
    let unfollowed = |name: &str| {
        org["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["unfollowed"]
            .clone()
    };
    assert_eq!(unfollowed("broken")[0]["line"], 3);
    assert_eq!(unfollowed("broken")[0]["path"], ".github/workflows/ci.yml");
    assert_eq!(unfollowed("outsider"), Value::Null);
    assert_eq!(org["summary"]["unfollowed"], 4);

    // Read once per run, batched: every (repository, ref, path) is asked for once, in one
    // query per nesting level, however many repositories call it.
    let (asked, queries) = files_asked(&fake);
    let unique: BTreeSet<&String> = asked.iter().collect();
    assert_eq!(unique.len(), asked.len(), "asked twice: {asked:?}");
    assert!(queries <= 4, "{queries} queries for three levels of calls");
    // What the organization's pages already hold at the default branch (the central
    // repository's reusable workflow and `.github/actions`) is not asked for again; other
    // refs are.
    let asked_for = |what: &str| asked.iter().any(|a| a.contains(what));
    assert!(!asked_for("main:.github/workflows/ci.yml"), "{asked:?}");
    assert!(
        !asked_for("main:.github/actions/setup/action.yml"),
        "{asked:?}"
    );
    assert!(asked_for("v1:.github/workflows/ci.yml"), "{asked:?}");
    assert!(asked_for("v1:.github/actions/lint/action.yml"), "{asked:?}");

    let local = local_scan();
    let mut on_disk = outcome(&local);
    on_disk.remove("tools");
    let mut by_org = found.clone();
    // `old` names v1, which only the org scan can read.
    on_disk.remove("old");
    by_org.remove("old");
    let statuses = |m: &BTreeMap<String, (String, Vec<String>)>| -> Vec<(String, String)> {
        m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()
    };
    assert_eq!(statuses(&on_disk), statuses(&by_org));
}

#[test]
fn check_lists_the_calls_it_does_not_follow() {
    let root = tempfile::tempdir().unwrap();
    write_tree(
        root.path(),
        &caller(
            "app",
            "acme-platform/tools/.github/workflows/all.yml@main",
            "",
        ),
    );
    let policy = root.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let out = support::orgcheck(&[
        "check",
        root.path().join("app").to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let text = support::stdout(&out);
    assert!(
        text.contains(".github/workflows/ci.yml:3: note: `acme-platform/tools/.github/workflows/all.yml@main` was not followed: `check` reads one repository"),
        "{text}"
    );
    assert!(
        text.contains("1 call into other repositories could not be followed"),
        "{text}"
    );
}

#[test]
fn code_scanning_shows_a_shared_workflows_finding_where_the_repository_calls_it() {
    let mut state = State::new("acme", repos());
    state.token = Some(support::CANARY_TOKEN.into());
    let fake = FakeGitHub::start(state);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let out = support::org_scan_command(&fake.api_url())
        .args(["--policy", policy.to_str().unwrap(), "--format", "sarif"])
        .arg("--quiet")
        .args(["--also", dir.path().join("report.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // The JSON report says where the repository calls the shared workflow.
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let job = &json["repositories"][0]["jobs"][0];
    assert_eq!(job["file"], "acme/shared/.github/workflows/ci.yml@main");
    assert_eq!(
        job["called_at"],
        serde_json::json!({"path": ".github/workflows/ci.yml", "line": 3})
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Some(schema) = support::sarif_validator() {
        assert!(schema.is_valid(&log), "{log:#}");
    }
    let results = log["runs"][0]["results"].as_array().unwrap();
    let scanner = results
        .iter()
        .find(|r| r["ruleId"] == "scanner" && r["properties"]["repository"] == "no-input")
        .unwrap();
    // Code scanning shows only the scanned repository's files: the result is at the call.
    let place = &scanner["locations"][0]["physicalLocation"];
    assert_eq!(
        place["artifactLocation"]["uri"],
        "no-input/.github/workflows/ci.yml"
    );
    assert_eq!(place["region"]["startLine"], 3);
    let text = scanner["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("(in acme/shared/.github/workflows/ci.yml@main, line 8)"),
        "{text}"
    );
    // The shared file is a related location, on the web at the ref called.
    let related = &scanner["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        related["artifactLocation"]["uri"],
        "https://github.com/acme/shared/blob/main/.github/workflows/ci.yml"
    );
    assert_eq!(related["region"]["startLine"], 8);
}

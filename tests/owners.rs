//! Owners, so work can be handed out: from CODEOWNERS in its three places (GitHub's order of
//! precedence, last matching pattern wins) or from a custom repository property read in one
//! paginated listing; shown inert in the By owner table and the index, and `--owner` limits
//! the report.

mod support;

use serde_json::{Value, json};
use support::fake_github::{FakeGitHub, FakeRepo, State};
use support::stderr;

const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";
const FAILING: &str = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: make\n";
const PASSING: &str =
    "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: make test\n";

fn repos() -> Vec<FakeRepo> {
    vec![
        // `.github/CODEOWNERS` wins over the root one; the last matching pattern wins.
        FakeRepo::new("api")
            .workflow("ci.yml", FAILING)
            .file(
                ".github/CODEOWNERS",
                "* @acme/everyone\n/.github/workflows/ @acme/platform\n",
            )
            .file("CODEOWNERS", "* @acme/ignored\n"),
        FakeRepo::new("web")
            .workflow("ci.yml", FAILING)
            .file("CODEOWNERS", "*.yml @acme/web @octocat\n"),
        FakeRepo::new("docs-site")
            .workflow("ci.yml", FAILING)
            .file("docs/CODEOWNERS", "* @acme/web\n"),
        FakeRepo::new("lonely").workflow("ci.yml", FAILING),
        FakeRepo::new("fine")
            .workflow("ci.yml", PASSING)
            .file("CODEOWNERS", "* @acme/web\n"),
    ]
}

fn scan(state: State, policy: &str, extra: &[&str]) -> (Value, String, String) {
    let fake = FakeGitHub::start(state);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, policy).unwrap();
    let json = dir.path().join("report.json");
    let md = dir.path().join("report.md");
    let mut cmd = support::org_scan_command(&fake.api_url());
    cmd.args(["--policy", path.to_str().unwrap(), "--format", "json"])
        .args(["--output", json.to_str().unwrap(), "--no-issue"])
        .args(extra);
    let out = cmd.output().unwrap();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("a report")).unwrap();
    let mut cmd = support::org_scan_command(&fake.api_url());
    cmd.args(["--policy", path.to_str().unwrap(), "--format", "markdown"])
        .args(["--output", md.to_str().unwrap(), "--no-issue"])
        .args(extra);
    assert!(matches!(support::code(&cmd.output().unwrap()), 0 | 1));
    (report, std::fs::read_to_string(&md).unwrap(), stderr(&out))
}

fn owners(report: &Value) -> Vec<(String, Value)> {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r["owners"].clone()))
        .collect()
}

fn state() -> State {
    let mut s = State::new("acme", repos());
    s.token = Some(support::CANARY_TOKEN.into());
    s
}

#[test]
fn codeowners_give_each_repository_its_owners_shown_inert() {
    let (report, md, err) = scan(state(), POLICY, &[]);
    assert_eq!(
        owners(&report),
        [
            ("api".into(), json!(["@acme/platform"])),
            ("docs-site".into(), json!(["@acme/web"])),
            ("fine".into(), json!(["@acme/web"])),
            ("lonely".into(), json!([])),
            ("web".into(), json!(["@acme/web", "@octocat"])),
        ],
        "{err}"
    );
    // The first screen has the By owner table; the index groups by first owner.
    assert!(md.contains("### By owner"), "{md}");
    assert!(md.contains("grouped by their first owner"), "{md}");
    // Never a live mention: GFM needs `@` right before the name.
    assert!(
        !md.contains("@acme/web") && !md.contains("@octocat"),
        "{md}"
    );
    assert!(md.contains("@&#8203;acme/web | 2 | 0"), "{md}");
    assert!(md.contains("👥 @&#8203;acme/web, @&#8203;octocat"), "{md}");
    assert!(md.contains("*no owner* | 1 | 0"), "{md}");

    // `--owner` limits the report to one owner's repositories, in any spelling.
    let (only, _, _) = scan(state(), POLICY, &["--owner", "ACME/web"]);
    let names: Vec<String> = owners(&only).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["docs-site", "fine", "web"]);
}

#[test]
fn a_custom_property_gives_owners_in_one_paginated_listing() {
    let mut s = state();
    s.properties_page = 2;
    for (repo, team) in [
        ("api", json!("platform")),
        ("web", json!(["web", "design"])),
    ] {
        s.properties.push((repo.into(), "team".into(), team));
        s.properties.push((repo.into(), "tier".into(), json!("1")));
    }
    s.properties
        .push(("docs-site".into(), "team".into(), Value::Null));
    let policy = format!("[settings]\nowners = \"property:team\"\n\n{POLICY}");
    let (report, _, err) = scan(s, &policy, &[]);
    assert_eq!(
        owners(&report),
        [
            ("api".into(), json!(["platform"])),
            ("docs-site".into(), json!([])),
            ("fine".into(), json!([])),
            ("lonely".into(), json!([])),
            ("web".into(), json!(["web", "design"])),
        ],
        "{err}"
    );
}

#[test]
fn owners_are_read_from_codeowners_on_disk_too() {
    let dir = tempfile::tempdir().unwrap();
    for repo in repos() {
        let root = dir.path().join(&repo.name);
        for (name, text) in &repo.workflows {
            let p = root.join(".github/workflows").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        for (path, text) in &repo.files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let out = support::orgcheck(&[
        "scan",
        "--local",
        dir.path().to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "text",
    ]);
    let text = support::stdout(&out);
    assert!(
        text.contains("web: non-compliant (owners: @acme/web, @octocat)"),
        "{text}"
    );
    assert!(
        text.contains("api: non-compliant (owners: @acme/platform)"),
        "{text}"
    );
}

#[test]
fn one_owners_report_is_an_issue_of_its_own() {
    let fake = FakeGitHub::start(state());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, POLICY).unwrap();
    let publish = |extra: &[&str]| {
        let mut cmd = support::org_scan_command(&fake.api_url());
        cmd.args(["--policy", path.to_str().unwrap()])
            .args(["--issue-repo", "acme/compliance", "--quiet"])
            .args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(support::code(&out), 1, "{}", stderr(&out));
    };
    publish(&[]);
    let whole = fake.issues()[0].clone();
    publish(&["--owner", "ACME/web"]);
    // The same owner spelled another way keeps the same issue.
    publish(&["--owner", "@acme/web"]);
    let issues = fake.issues();
    let titles: Vec<&str> = issues.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "CI compliance report: acme",
            "CI compliance report: acme, owned by acme/web"
        ]
    );
    // The organization's issue, and so its trend, is untouched.
    assert_eq!(issues[0].body, whole.body);
    let owned = &issues[1].body;
    for name in ["web", "docs-site"] {
        assert!(owned.contains(&format!("[{name}](")), "{name}: {owned}");
    }
    for name in ["api", "lonely"] {
        assert!(!owned.contains(&format!("[{name}](")), "{name}: {owned}");
    }
}

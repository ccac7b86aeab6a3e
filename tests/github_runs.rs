//! What runs, read over GitHub: local composite actions and CircleCI continuation configs come
//! with the repository pages; action folders elsewhere cost one batched query per nesting
//! level, whatever the number of repositories.

mod support;

use support::fake_github::{FakeGitHub, FakeRepo, State};
use support::{code, stderr};

use support::CANARY_TOKEN as TOKEN;
const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n\n[[rule]]\nid = \"secrets\"\ndescription = \"Scan for secrets\"\nrun = \"gitleaks\"\nmatch = \"contains\"\nci = [\"github-actions\"]\n";
const WORKFLOW: &str = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/setup\n";
const SETUP: &str = "runs:\n  using: composite\n  steps:\n    - run: make test\n      shell: bash\n    - run: gitleaks detect\n      shell: bash\n";
const ELSEWHERE: &str = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: make test\n      - uses: ./tools/scan\n";
const SCAN: &str = "runs:\n  using: composite\n  steps:\n    - uses: ./tools/scan/inner\n";
const INNER: &str =
    "runs:\n  using: composite\n  steps:\n    - run: gitleaks detect\n      shell: bash\n";
const SETUP_CONFIG: &str = "version: 2.1\nsetup: true\norbs:\n  pf: circleci/path-filtering@1.0.0\nworkflows:\n  setup:\n    jobs:\n      - pf/filter:\n          config-path: .circleci/continue.yml\n";
const CONTINUED: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make lint\nworkflows:\n  w:\n    jobs: [build]\n";

/// 120 repositories: every one uses `.github/actions/setup`; with `elsewhere`, every tenth
/// also uses `tools/scan`, which uses `tools/scan/inner` (`action.yaml`); every twelfth is a
/// CircleCI setup config whose continuation misses the tests.
fn org(elsewhere: bool) -> Vec<FakeRepo> {
    (0..120)
        .map(|i| {
            let name = format!("svc-{i:04}");
            let mut repo = FakeRepo::new(&name).file(".github/actions/setup/action.yml", SETUP);
            repo = if elsewhere && i % 10 == 4 {
                repo.workflow("ci.yml", ELSEWHERE)
                    .file("tools/scan/action.yml", SCAN)
                    .file("tools/scan/inner/action.yaml", INNER)
            } else {
                repo.workflow("ci.yml", WORKFLOW)
            };
            if i % 12 == 7 {
                repo = repo
                    .circleci(SETUP_CONFIG)
                    .file(".circleci/continue.yml", CONTINUED);
            }
            repo
        })
        .collect()
}

fn scan(fake: &FakeGitHub) -> (std::process::Output, serde_json::Value, usize) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let report = dir.path().join("report.json");
    let out = support::org_scan_command(&fake.api_url())
        .arg("--policy")
        .arg(&policy)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(TOKEN));
    let requests = fake.log().len();
    (out, serde_json::from_str(&text).unwrap(), requests)
}

fn start(repos: Vec<FakeRepo>) -> FakeGitHub {
    let mut state = State::new("acme", repos);
    state.token = Some(TOKEN.into());
    FakeGitHub::start(state)
}

/// Every repository is compliant but the CircleCI setup configs (every twelfth), whose
/// continuation misses the tests.
fn assert_only_continuations_fail(report: &serde_json::Value) {
    for repo in report["repositories"].as_array().unwrap() {
        let name = repo["name"].as_str().unwrap();
        let i: usize = name[4..].parse().unwrap();
        let expected = if i % 12 == 7 {
            "non-compliant"
        } else {
            "compliant"
        };
        assert_eq!(repo["status"], expected, "{name}");
    }
}

#[test]
fn actions_in_github_actions_and_continuations_cost_no_extra_request() {
    let fake = start(org(false));
    let (out, report, requests) = scan(&fake);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // Three pages of 50 and nothing else: ceil(120/50) = 3.
    assert_eq!(
        requests,
        3,
        "{:?}",
        fake.log().iter().map(|l| &l.path).collect::<Vec<_>>()
    );
    assert_only_continuations_fail(&report);
    // The continuation's job is judged, in its own file.
    let repo = &report["repositories"][7];
    let job = repo["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["file"] == ".circleci/continue.yml")
        .expect("the continuation's job is judged");
    assert_eq!(job["missing"][0], "tests");
}

#[test]
fn actions_elsewhere_cost_one_batched_query_per_nesting_level() {
    let fake = start(org(true));
    let (out, report, requests) = scan(&fake);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let queries: Vec<String> = fake
        .log()
        .iter()
        .filter(|l| l.body.contains("query Files("))
        .map(|l| l.body.clone())
        .collect();
    // Twelve repositories name tools/scan (round 1), which names tools/scan/inner (round 2).
    assert_eq!(queries.len(), 2);
    assert_eq!(
        requests, 5,
        "3 pages + 2 rounds, within ceil(120/50) + 5 = 8"
    );
    // File names travel as variables, not in the document.
    for body in &queries {
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(!body["query"].as_str().unwrap().contains("tools/"));
        assert!(
            body["variables"]["f0_0"]
                .as_str()
                .unwrap()
                .contains(":tools/scan")
        );
    }
    // The inner action's secret scan counts.
    assert_only_continuations_fail(&report);
}

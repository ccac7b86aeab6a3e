//! Hostile and odd repositories in one `scan --local`: each gets the right result or its own
//! clear error, and the run always ends with a whole report. Time and memory for each case are
//! measured by `cargo bench --bench hostile` (README, "Reliability").

mod support;

use std::path::Path;

use serde_json::Value;
use support::hostile::doubling_bomb;
use support::{orgcheck, stderr, stdout};

const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";
const GOOD: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\n";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn circle(org: &Path, repo: &str, bytes: &[u8]) {
    write(&org.join(repo).join(".circleci/config.yml"), bytes);
}

fn scan(org: &Path) -> (Value, String) {
    let dir = org.parent().unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let out = orgcheck(&[
        "scan",
        "--local",
        org.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("no whole report ({e}): {}", stderr(&out)));
    (report, stderr(&out))
}

fn repo<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is missing from the report"))
}

fn error_of(report: &Value, name: &str) -> String {
    let r = repo(report, name);
    assert_eq!(r["status"], "error", "{name}: {r}");
    r["errors"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn every_hostile_repository_gets_its_own_result() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(GOOD.as_bytes());
    circle(&org, "bom", &bom);
    circle(&org, "crlf", GOOD.replace('\n', "\r\n").as_bytes());
    circle(
        &org,
        "nul",
        b"version: 2.1\njobs:\n  build:\n    steps: [\x00]\n",
    );
    let mut utf8 = GOOD.as_bytes().to_vec();
    utf8.splice(30..30, *b"\xff\xfe");
    circle(&org, "invalid-utf8", &utf8);
    let long = format!(
        "version: 2.1\njobs:\n  build:\n    steps:\n      - run: \"make test {}\"\n",
        "x".repeat(1024 * 1024)
    );
    circle(&org, "one-mb-line", long.as_bytes());
    let mut many = String::from("version: 2.1\njobs:\n");
    for i in 0..10_000 {
        many.push_str(&format!("  j{i}:\n    steps:\n      - run: make test\n"));
    }
    many.push_str("workflows:\n  all:\n    jobs:\n");
    for i in 0..10_000 {
        many.push_str(&format!("      - j{i}\n"));
    }
    circle(&org, "ten-thousand-jobs", many.as_bytes());
    for i in 0..1_000 {
        write(
            &org.join(format!("thousand-workflows/.github/workflows/w{i}.yml")),
            b"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n",
        );
    }
    circle(&org, "bomb", doubling_bomb(22).as_bytes());
    circle(&org, "wrong-type", b"version: 2.1\njobs:\n  b: 7\n");
    std::fs::create_dir_all(&org).unwrap();
    std::os::unix::fs::symlink("loop", org.join("loop")).unwrap();
    std::fs::create_dir_all(org.join("self-link/.github")).unwrap();
    std::os::unix::fs::symlink(".", org.join("self-link/.github/workflows")).unwrap();

    let (report, err) = scan(&org);
    for name in [
        "bom",
        "crlf",
        "one-mb-line",
        "ten-thousand-jobs",
        "thousand-workflows",
    ] {
        assert_eq!(repo(&report, name)["status"], "compliant", "{name}: {err}");
    }
    assert_eq!(
        repo(&report, "ten-thousand-jobs")["jobs"]
            .as_array()
            .unwrap()
            .len(),
        10_000
    );
    assert_eq!(
        repo(&report, "thousand-workflows")["jobs"]
            .as_array()
            .unwrap()
            .len(),
        1_000
    );
    assert!(error_of(&report, "nul").contains("control characters"));
    let utf8 = repo(&report, "invalid-utf8");
    assert!(
        utf8["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert_eq!(utf8["errors"][0]["line"], 4, "{utf8}");
    assert!(error_of(&report, "bomb").contains("expands to more than"));
    assert!(error_of(&report, "wrong-type").contains("found an integer"));
    assert!(error_of(&report, "loop").contains("cannot read"));
    // A workflows folder that links to itself holds no workflow file: no CI, not a hang.
    assert_eq!(repo(&report, "self-link")["status"], "no-ci");
}

#[test]
fn a_mapping_with_100000_keys_loads() {
    let mut text = String::from("version: 2.1\njobs:\n  build:\n    environment:\n");
    for i in 0..100_000 {
        text.push_str(&format!("      K{i}: v\n"));
    }
    text.push_str("    steps:\n      - run: make test\n");
    let loaded = orgcheck::ci::yaml::load(&text).unwrap().unwrap();
    let env = loaded.get("jobs").unwrap().get("build").unwrap();
    assert_eq!(
        env.get("environment").unwrap().as_map().unwrap().len(),
        100_000
    );
}

#[test]
fn yaml_types_are_named_as_yaml_names_them() {
    use orgcheck::ci::yaml::load;
    let kind = |v: &str| {
        let root = load(&format!("k: {v}\n")).unwrap().unwrap();
        root.get("k").unwrap().kind()
    };
    assert_eq!(kind("7"), "an integer");
    assert_eq!(kind("-0x1F"), "a string");
    assert_eq!(kind("0x1F"), "an integer");
    assert_eq!(kind("1.5"), "a float");
    assert_eq!(kind("true"), "a boolean");
    assert_eq!(kind("\"7\""), "a string");
    assert_eq!(kind("~"), "null");
    assert_eq!(kind("[a]"), "a sequence");
    assert_eq!(kind("{a: b}"), "a mapping");
}

#[test]
fn reusable_workflow_calls_cannot_multiply_without_bound() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    // A workflow whose 60 jobs each call the workflow itself.
    let calls = |target: &str| {
        (0..60)
            .map(|i| format!("  j{i}:\n    uses: ./.github/workflows/{target}.yml\n"))
            .collect::<String>()
    };
    write(
        &org.join("self-call/.github/workflows/ci.yml"),
        format!("on: [push, workflow_call]\njobs:\n{}", calls("ci")).as_bytes(),
    );
    // Five workflows, each of 60 jobs calling the next: 60^4 jobs if resolved.
    let names = ["a", "b", "c", "d", "e"];
    for (k, name) in names.iter().enumerate() {
        let jobs = match names.get(k + 1) {
            Some(next) => calls(next),
            None => "  leaf:\n    runs-on: x\n    steps:\n      - run: make test\n".into(),
        };
        write(
            &org.join(format!("chain/.github/workflows/{name}.yml")),
            format!("on: [push, workflow_call]\njobs:\n{jobs}").as_bytes(),
        );
    }
    let (report, _) = scan(&org);
    assert!(error_of(&report, "self-call").contains("cannot call themselves"));
    let chain = repo(&report, "chain");
    let messages: Vec<&str> = chain["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("more than 50000 jobs")),
        "{messages:?}"
    );
}

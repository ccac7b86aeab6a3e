//! SARIF output validates against the OASIS SARIF 2.1.0 schema (../shared/sarif; the test skips,
//! and says so, when it is absent) and carries what code scanning needs.

mod support;

use support::{code, orgcheck, sarif_validator as validator, stdout};

fn sarif(args: &[&str]) -> serde_json::Value {
    let out = orgcheck(args);
    assert!(code(&out) <= 1);
    serde_json::from_str(&stdout(&out)).expect("SARIF is JSON")
}

/// The demo organization's scan as SARIF.
fn demo_sarif() -> serde_json::Value {
    sarif(&[
        "scan",
        "--local",
        "examples/demo-org",
        "--policy",
        "policy.example.toml",
        "--format",
        "sarif",
        "--quiet",
    ])
}

#[test]
fn demo_scan_sarif_is_valid_and_has_one_result_per_missing_step() {
    let log = demo_sarif();
    if let Some(v) = validator() {
        let errors: Vec<String> = v
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "checkout",
            "actions-checkout",
            "unit-tests",
            "secret-scan",
            "no-curl-pipe-shell",
            "pin-third-party",
            "trusted-images",
            "lint"
        ]
    );
    let results = run["results"].as_array().unwrap();
    // payments: 3 job-level misses, 1 forbidden step and 1 image; mobile-app: 1 version, 1 unpinned and
    // 1 any-job; old-reports: 1 any-job; monorepo: 1 job-level miss in its continuation config;
    // and two warnings (lint, not enforced yet).
    assert_eq!(results.len(), 12);
    let warnings = results.iter().filter(|r| r["level"] == "warning").count();
    assert_eq!(warnings, 2);
    let first = results
        .iter()
        .find(|r| r["properties"]["repository"] == "payments")
        .unwrap();
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "payments/.circleci/config.yml"
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        15
    );
    let idx = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx], first["ruleId"].as_str().unwrap());
}

/// `check` of one demo repository, as SARIF.
fn payments_sarif() -> serde_json::Value {
    sarif(&[
        "check",
        "examples/demo-org/payments",
        "--policy",
        "policy.example.toml",
        "--format",
        "sarif",
    ])
}

#[test]
fn single_repository_paths_are_relative_to_its_root() {
    let log = payments_sarif();
    if let Some(v) = validator() {
        assert!(v.is_valid(&log));
    }
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, ".circleci/config.yml");
}

#[test]
fn the_schema_check_can_fail() {
    let Some(v) = validator() else { return };
    let mut log = payments_sarif();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!v.is_valid(&log));
}

#[test]
fn demo_scan_sarif_snapshot() {
    let mut log = demo_sarif();
    // The version changes with every release; the rest is the interface.
    log["runs"][0]["tool"]["driver"]["version"] = "(version)".into();
    insta::assert_json_snapshot!("demo_sarif", log);
}

//! The inline form the parser accepts (`rule = [{ … }]`): read-only commands work on it, and
//! every editing command refuses it with a clear message and leaves the file byte for byte.

mod support;

use support::{code, orgcheck_in, stderr, stdout};

const INLINE: &str = r#"# Inline arrays are valid TOML and a valid policy.
rule = [
  { id = "tests", description = "Run the tests", run = "make test", match = "contains" },
  { id = "checkout", description = "Check out", uses = "checkout" },
]
exemption = [{ repositories = ["legacy-*"], rules = ["tests"], reason = "Going away" }]
"#;

#[test]
fn every_policy_subcommand_on_the_inline_form() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgcheck.toml");
    std::fs::write(&path, INLINE).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["policy"];
        all.extend_from_slice(args);
        orgcheck_in(dir.path(), &all)
    };

    for args in [
        &["validate"][..],
        &["list"],
        &["show", "tests"],
        &["schema"],
        &["diff", "--base", "orgcheck.toml"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    assert!(stdout(&run(&["list"])).contains("checkout"));

    let edits: [&[&str]; 7] = [
        &[
            "add",
            "--id",
            "lint",
            "--description",
            "Lint",
            "--run",
            "make lint",
        ],
        &["edit", "tests", "--description", "Run all tests"],
        &["edit", "tests", "--id", "unit-tests"],
        &["remove", "checkout"],
        &["remove", "tests", "--prune-exemptions"],
        &["exempt", "--repositories", "old-*", "--reason", "Retired"],
        &["unexempt", "--repositories", "legacy-*"],
    ];
    for args in edits {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?} must refuse: {}", stderr(&out));
        assert!(
            stderr(&out).contains("written inline") && stderr(&out).contains("[["),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), INLINE, "{args:?}");
    }
    // `init` never overwrites without --force, whatever the form.
    assert_ne!(code(&run(&["init"])), 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), INLINE);
}

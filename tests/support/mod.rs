//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the real binary from the project root, with a fixed date so reports are reproducible.
pub fn orgcheck(args: &[&str]) -> Output {
    orgcheck_in(&root(), args)
}

/// Run the real binary in `dir`.
pub fn orgcheck_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args(args)
        .current_dir(dir)
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        // Tests must behave the same inside GitHub Actions: no automatic issue publishing.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REPOSITORY")
        .output()
        .expect("the binary runs")
}

/// A token no output may ever contain: every org-scan test checks for it.
pub use fake_github::CANARY_TOKEN;

/// `orgcheck scan --org acme` against a fake GitHub at `api`, authenticated by
/// [`CANARY_TOKEN`], with nothing of the test runner's own GitHub environment.
pub fn org_scan_command(api: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgcheck"));
    cmd.args(["scan", "--org", "acme", "--api-url", api])
        .current_dir(root())
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env("GITHUB_TOKEN", CANARY_TOKEN)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_API_URL")
        .env_remove("GITHUB_GRAPHQL_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

/// Say that a check did not run, and why, past the test harness's capture (which swallows
/// `eprintln!`), so `cargo test` and CI logs show every skip.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// The OASIS SARIF 2.1.0 schema's validator (../shared/sarif); `None`, and a skip said, when
/// the schema is absent.
pub fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = root().join("../shared/sarif/sarif-schema-2.1.0.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        skipped("../shared/sarif/sarif-schema-2.1.0.json is absent; SARIF was not validated");
        return None;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::draft4::new(&schema).expect("the SARIF schema compiles"))
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A Markdown report with what differs from run to run (the scan's duration) replaced, for
/// snapshots.
pub fn stable(markdown: &str) -> String {
    let re = regex::Regex::new(r"scanned in \d+\.\d s").expect("a valid pattern");
    re.replace_all(markdown, "scanned in [duration]")
        .into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (panics on a signal, which is always a bug).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}
pub mod fake_github;
pub mod hostile;
pub mod publish_env;
pub mod tls;

//! `orgcheck action`: the container Action's entry point. GitHub passes inputs as
//! `INPUT_<NAME>` (upper case, hyphens kept); they become an ordinary `orgcheck scan` command
//! line, so the Action behaves exactly like the CLI.

use clap::Parser;

use crate::cli::{Cli, Command};

use super::{Exit, RunError};

fn input(name: &str) -> Option<String> {
    std::env::var(format!("INPUT_{}", name.to_uppercase()))
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn truthy(name: &str) -> bool {
    input(name).is_some_and(|v| v == "true")
}

/// The `orgcheck scan` arguments the Action's inputs stand for.
pub fn scan_args() -> Vec<String> {
    let mut args = vec!["orgcheck".to_string(), "scan".to_string()];
    let mut pass = |flag: &str, name: &str| {
        if let Some(v) = input(name) {
            args.push(flag.to_string());
            args.push(v);
        }
    };
    pass("--org", "org");
    pass("--local", "local");
    pass("--policy", "policy");
    pass("--token", "token");
    pass("--app-id", "app-id");
    pass("--app-private-key", "app-private-key");
    pass("--api-url", "api-url");
    pass("--max-wait", "max-wait");
    pass("--issue-repo", "issue-repo");
    pass("--issue-title", "issue-title");
    pass("--format", "format");
    pass("--output", "output");
    if input("org").is_none() && input("local").is_none() {
        // The workflow's own organization.
        if let Ok(owner) = std::env::var("GITHUB_REPOSITORY_OWNER") {
            args.extend(["--org".to_string(), owner]);
        }
    }
    for (flag, name) in [
        ("--no-issue", "no-issue"),
        ("--no-close", "no-close"),
        ("--no-reopen", "no-reopen"),
        ("--dry-run", "dry-run"),
    ] {
        if truthy(name) {
            args.push(flag.to_string());
        }
    }
    if input("fail").is_some_and(|v| v == "false") {
        args.push("--no-fail".to_string());
    }
    args
}

/// Run the scan the inputs describe.
pub fn run() -> Result<Exit, RunError> {
    let cli = match Cli::try_parse_from(scan_args()) {
        Ok(cli) => cli,
        Err(e) => {
            // The inputs do not make a valid command: say which, in the Action's terms.
            eprintln!("orgcheck action: invalid inputs: {e}");
            return Ok(Exit::Usage);
        }
    };
    match cli.command {
        Command::Scan(args) => super::scan(args),
        _ => unreachable!("scan_args builds a scan"),
    }
}

//! `orgcheck action`: the container Action's entry point. GitHub passes inputs as
//! `INPUT_<NAME>` (upper case, hyphens kept); they become an ordinary `orgcheck scan` command
//! line, so the Action behaves exactly like the CLI. [`INPUTS`] is the one list of inputs it
//! understands; a test holds it equal to `action.yml`'s.

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::publish::actions;

use super::{Exit, RunError};

/// How one input becomes part of the `scan` command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// A non-empty value is passed as `--FLAG=VALUE`.
    Value(&'static str),
    /// `true` adds the flag; `false` or empty leaves it out.
    Switch(&'static str),
    /// `false` adds the flag (an input that defaults to on).
    SwitchWhenFalse(&'static str),
}

/// Every input of `action.yml`, in its order, and what it becomes.
pub const INPUTS: &[(&str, Pass)] = &[
    ("org", Pass::Value("--org")),
    ("local", Pass::Value("--local")),
    ("policy", Pass::Value("--policy")),
    ("token", Pass::Value("--token")),
    ("app-id", Pass::Value("--app-id")),
    ("app-private-key", Pass::Value("--app-private-key")),
    ("api-url", Pass::Value("--api-url")),
    ("ca-cert", Pass::Value("--ca-cert")),
    ("max-wait", Pass::Value("--max-wait")),
    ("issue-repo", Pass::Value("--issue-repo")),
    ("issue-title", Pass::Value("--issue-title")),
    ("issue-key", Pass::Value("--issue-key")),
    ("no-issue", Pass::Switch("--no-issue")),
    ("no-close", Pass::Switch("--no-close")),
    ("no-reopen", Pass::Switch("--no-reopen")),
    ("dry-run", Pass::Switch("--dry-run")),
    ("format", Pass::Value("--format")),
    ("output", Pass::Value("--output")),
    ("also", Pass::Value("--also")),
    ("owner", Pass::Value("--owner")),
    ("fail", Pass::SwitchWhenFalse("--no-fail")),
];

/// The environment variable GitHub sets for an input.
pub fn variable(input: &str) -> String {
    format!("INPUT_{}", input.to_uppercase().replace(' ', "_"))
}

/// Why the inputs cannot make a command.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A true/false input got something else.
    #[error("input `{input}` must be true or false, not `{value}`")]
    NotBoolean {
        /// The input.
        input: &'static str,
        /// What it got.
        value: String,
    },
}

fn boolean(input: &'static str, value: Option<&str>) -> Result<Option<bool>, InputError> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(InputError::NotBoolean {
            input,
            value: other.to_string(),
        }),
    }
}

/// The `orgcheck scan` arguments the inputs stand for. `input` gives an input's value (by its
/// `action.yml` name); `owner` is the workflow's organization, scanned when neither `org` nor
/// `local` is given.
pub fn scan_args(
    input: impl Fn(&str) -> Option<String>,
    owner: Option<String>,
) -> Result<Vec<String>, InputError> {
    let value = |name: &str| {
        input(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut args = vec!["orgcheck".to_string(), "scan".to_string()];
    for &(name, pass) in INPUTS {
        let v = value(name);
        match pass {
            // `--flag=value`: a value may start with a hyphen (a PEM key) and still be a value.
            Pass::Value(flag) => args.extend(v.map(|v| format!("{flag}={v}"))),
            Pass::Switch(flag) => {
                if boolean(name, v.as_deref())? == Some(true) {
                    args.push(flag.to_string());
                }
            }
            Pass::SwitchWhenFalse(flag) => {
                if boolean(name, v.as_deref())? == Some(false) {
                    args.push(flag.to_string());
                }
            }
        }
    }
    if value("org").is_none() && value("local").is_none() {
        args.extend(owner.map(|o| format!("--org={o}")));
    }
    Ok(args)
}

/// `INPUT_*` variables that name no input orgcheck knows: an input in a newer `action.yml` than
/// this binary, or a typo in `with:` that GitHub only warns about.
pub fn unknown_inputs(variables: impl Iterator<Item = String>) -> Vec<String> {
    let known: Vec<String> = INPUTS.iter().map(|(name, _)| variable(name)).collect();
    let mut unknown: Vec<String> = variables
        .filter(|v| v.starts_with("INPUT_") && !known.contains(v))
        .collect();
    unknown.sort();
    unknown
}

/// Run the scan the inputs describe.
pub fn run(env: &super::env::Env) -> Result<Exit, RunError> {
    for name in unknown_inputs(env.names().map(str::to_string)) {
        // A warning annotation: visible on the run page, does not fail the scan.
        println!(
            "{}",
            actions::warning(&format!(
                "{name} is not an input orgcheck {} understands; it is ignored",
                env!("CARGO_PKG_VERSION")
            ))
        );
    }
    let owner = env.get("GITHUB_REPOSITORY_OWNER").map(str::to_string);
    let input = |name: &str| env.get(&variable(name)).map(str::to_string);
    let args = match scan_args(input, owner) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("orgcheck action: invalid inputs: {e}");
            return Ok(Exit::Usage);
        }
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // The inputs do not make a valid command: say which, in the Action's terms.
            eprintln!("orgcheck action: invalid inputs: {e}");
            return Ok(Exit::Usage);
        }
    };
    match cli.command {
        Command::Scan(args) => super::scan(args, env),
        _ => unreachable!("scan_args builds a scan"),
    }
}

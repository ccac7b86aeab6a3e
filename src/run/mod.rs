//! Carry out a parsed command line: read sources, evaluate, render, write. Returns the exit
//! status scripts rely on; `main` only maps errors to codes.

use std::io::Write;
use std::path::Path;

use crate::cli::{CheckArgs, Command, CommonArgs, Format, InspectArgs, InspectFormat, ScanArgs};
use crate::eval::{self, Context, Repository};
use crate::policy::{self, Date, Policy, PolicyError};
use crate::report::{self, Report, inspect::FileView};
use crate::source::github::GitHubError;
use crate::source::{self, SourceError};

mod github;

/// Exit statuses, as documented in `--help` and README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything compliant, or `--no-fail`.
    Ok = 0,
    /// Some repository non-compliant or errored (or, for `inspect`, some file not understood).
    Findings = 1,
    /// Usage or policy error.
    Usage = 2,
    /// GitHub could not be read (or written); what could be written was.
    GitHub = 3,
}

/// Errors that stop a command before it has a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The policy is missing or invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A local source could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The template is unusable.
    #[error("{path}: {source}")]
    Template {
        /// The template file.
        path: String,
        /// Why.
        source: report::markdown::TemplateError,
    },
    /// GitHub could not be read.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// An output could not be written, or an input file read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl RunError {
    /// The exit status for this error.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::GitHub(GitHubError::Config(_)) => Exit::Usage,
            RunError::GitHub(_) => Exit::GitHub,
            _ => Exit::Usage,
        }
    }
}

/// Run one command.
pub fn run(command: Command) -> Result<Exit, RunError> {
    match command {
        Command::Scan(args) => scan(args),
        Command::Check(args) => check(args),
        Command::Inspect(args) => inspect(args),
    }
}

fn load_policy(path: &Path) -> Result<Policy, RunError> {
    if !path.exists() && path == Path::new("orgcheck.toml") {
        return Err(RunError::Source(SourceError::Invalid(
            "no policy file: ./orgcheck.toml does not exist. Pass --policy FILE, or start from \
             policy.example.toml in the orgcheck repository"
                .into(),
        )));
    }
    Ok(policy::load(path)?)
}

fn scan(args: ScanArgs) -> Result<Exit, RunError> {
    let policy = load_policy(&args.common.policy)?;
    match (&args.local, &args.org) {
        (Some(dir), _) => {
            let repos = source::local::scan_dir(dir)?;
            let source = format!("local:{}", dir.display());
            finish(
                &policy,
                &repos,
                source,
                None,
                &args.common,
                Format::Markdown,
            )
        }
        (None, Some(org)) => {
            let read = github::read_org(org, &args.github, &policy, args.common.quiet)?;
            let exit = finish(
                &policy,
                &read.repos,
                format!("org:{org}"),
                read.incomplete.clone(),
                &args.common,
                Format::Markdown,
            )?;
            if !args.common.quiet {
                let rate = read
                    .rate_remaining
                    .map(|r| format!(", rate limit {r} left"))
                    .unwrap_or_default();
                eprintln!("orgcheck: {} GitHub requests{rate}", read.requests);
            }
            if let Some(why) = read.incomplete {
                eprintln!("error: the scan is partial: {why}");
                return Ok(Exit::GitHub);
            }
            Ok(exit)
        }
        (None, None) => unreachable!("clap requires --local or --org"),
    }
}

fn check(args: CheckArgs) -> Result<Exit, RunError> {
    let policy = load_policy(&args.common.policy)?;
    if !args.path.is_dir() {
        return Err(SourceError::Invalid(format!(
            "{} is not a directory; check takes a repository's root folder",
            args.path.display()
        ))
        .into());
    }
    let repo = source::local::read_repo(&args.path, None);
    let source = format!("check:{}", args.path.display());
    finish(&policy, &[repo], source, None, &args.common, Format::Text)
}

/// Evaluate, render, write, and decide the exit status.
fn finish(
    policy: &Policy,
    repos: &[Repository],
    source: String,
    incomplete: Option<String>,
    common: &CommonArgs,
    default_format: Format,
) -> Result<Exit, RunError> {
    let cx = Context {
        source,
        policy_path: common.policy.display().to_string(),
        today: Date::today(),
        incomplete,
    };
    let report = eval::evaluate(policy, repos, &cx);
    let rendered = render(
        &report,
        common.format.unwrap_or(default_format),
        common.template.as_deref(),
    )?;
    write_output(common.output.as_deref(), &rendered)?;
    if !common.quiet && (common.output.is_some() || common.format != Some(Format::Text)) {
        eprintln!("{}", summary_line(&report));
    }
    Ok(if report.is_passing() || common.no_fail {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

/// Render a report in a format.
pub fn render(
    report: &Report,
    format: Format,
    template: Option<&Path>,
) -> Result<String, RunError> {
    Ok(match format {
        Format::Json => report::json::render(report),
        Format::Text => report::text::render(report),
        Format::Sarif => report::sarif::render(report),
        Format::Markdown => match template {
            None => report::markdown::render(report),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| RunError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                report::markdown::render_with(report, &text).map_err(|source| {
                    RunError::Template {
                        path: path.display().to_string(),
                        source,
                    }
                })?
            }
        },
    })
}

fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    format!(
        "orgcheck: {} repositories: {} compliant, {} non-compliant, {} no-ci, {} exempt, {} error; {} skipped by scope",
        s.repositories, s.compliant, s.non_compliant, s.no_ci, s.exempt, s.error, s.skipped
    )
}

/// Write to a file (atomically, so a reader never sees half a report) or to stdout.
fn write_output(path: Option<&Path>, text: &str) -> Result<(), RunError> {
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| RunError::Io { path, source }
    };
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            Ok(())
        }
        Some(p) => {
            let tmp = p.with_extension(format!(
                "{}.tmp",
                p.extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            std::fs::write(&tmp, text).map_err(io(&tmp))?;
            std::fs::rename(&tmp, p).map_err(io(p))
        }
    }
}

fn inspect(args: InspectArgs) -> Result<Exit, RunError> {
    let mut views = Vec::new();
    let mut failed = false;
    for path in &args.files {
        let shown = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(source) => {
                return Err(RunError::Io {
                    path: shown,
                    source,
                });
            }
        };
        let (ci, parsed) = crate::ci::parse_detect(&shown, &text);
        failed |= parsed.is_err();
        views.push(FileView::new(&shown, ci, parsed));
    }
    let out = match args.format {
        InspectFormat::Json => report::inspect::render_json(&views),
        InspectFormat::Text => report::inspect::render_text(&views),
    };
    write_output(None, &out)?;
    Ok(if failed { Exit::Findings } else { Exit::Ok })
}

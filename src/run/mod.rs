//! Carry out a parsed command line: read sources, evaluate, render, write. Returns the exit
//! status scripts rely on; `main` only maps errors to codes.

use std::io::Write;
use std::path::Path;

use crate::ci::budget::Limits;
use crate::cli::{
    CheckArgs, Command, CommonArgs, Format, InspectArgs, InspectFormat, ScanArgs, ScanSource,
};
use crate::eval::{self, Context};
use crate::policy::{self, Policy, PolicyError};
use crate::publish::actions;
use crate::publish::footer::Marker;
use crate::publish::issue::{Published, Target};
use crate::report::markdown::{Limit, Renderer};
use crate::report::view::{Changes, RunInfo};
use crate::report::{self, Report, inspect::FileView};
use crate::source::Repository;
use crate::source::github::GitHubError;
use crate::source::{self, SourceError};
use env::Env;

pub mod action;
mod context;
pub mod env;
mod github;
mod policy_cmd;

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
    /// The command cannot run as asked: a flag, input or variable that makes no sense, or a
    /// file that is not what the command needs. The message says what to do.
    #[error("{0}")]
    Usage(String),
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
    let env = env::Env::process();
    match command {
        Command::Scan(args) => scan(args, &env),
        Command::Check(args) => check(args, &env),
        Command::Inspect(args) => inspect(args),
        Command::Policy(args) => policy_cmd::run(args, &env),
        Command::Action => action::run(&env),
    }
}

fn load_policy(path: &Path) -> Result<Policy, RunError> {
    if !path.exists() && path == Path::new("orgcheck.toml") {
        return Err(RunError::Usage(
            "no policy file: ./orgcheck.toml does not exist. Pass --policy FILE, or start from \
             policy.example.toml in the orgcheck repository"
                .into(),
        ));
    }
    Ok(policy::load(path)?)
}

fn scan(args: ScanArgs, env: &Env) -> Result<Exit, RunError> {
    let started = std::time::Instant::now();
    let policy = load_policy(&args.common.policy)?;
    let renderer = renderer(&args.common)?;
    let quiet = args.common.quiet;
    let today = env.today()?;
    let scanned = args.source();
    let source = scanned.scanned();
    // Usage problems surface before a long scan, not after it: the target, and credentials
    // (an App key that cannot sign) when GitHub will be used.
    let target = publish_target(&args, env, &source)?;
    check_output_flags(
        &args.common,
        Format::Markdown,
        target.is_none() && !env.in_actions(),
    )?;
    if target.is_some() || matches!(scanned, ScanSource::Org(_)) {
        github::connection(&args.github, env)?;
    }
    let cx = Context {
        source,
        policy_path: context::policy_identity(&args.common.policy),
        today,
        incomplete: None,
    };
    let (report, session) = read_and_judge(&args, env, &policy, &scanned, cx)?;
    let info = context::run_info(&args.common, env, started);
    write_report(&report, &args.common, Format::Markdown, &renderer, &info)?;

    let (published, failed, session) = match &target {
        Some(target) => publish_issue(&args, env, target, session, &report, &renderer, &info),
        None => (None, None, session),
    };
    let changes = published.as_ref().and_then(|p| p.changes.as_ref());
    let issue_url = published.as_ref().and_then(|p| p.url.as_deref());
    actions_runtime(
        &report,
        &renderer,
        changes,
        issue_url,
        &args.common,
        &info,
        env,
    )?;

    if !quiet {
        eprintln!("{}", summary_line(&report));
    }
    if let Some(why) = &report.incomplete {
        eprintln!("error: the scan is partial: {why}");
    }
    if let Some(e) = &failed {
        eprintln!("error: could not publish to GitHub: {e}");
    }
    if let Some(s) = &session
        && !quiet
    {
        let rate = s
            .rate_remaining()
            .map(|r| format!(", rate limit {r} left"))
            .unwrap_or_default();
        eprintln!("orgcheck: {} GitHub requests{rate}", s.requests());
    }
    Ok(if report.incomplete.is_some() || failed.is_some() {
        Exit::GitHub
    } else {
        verdict(&report, &args.common)
    })
}

/// Read the repositories and judge them: a local folder at once; an organization a page at a
/// time, each repository judged as it arrives and its CI dropped, so memory follows the page.
/// Returns the session an organization was read through, for publishing and its counts.
fn read_and_judge(
    args: &ScanArgs,
    env: &Env,
    policy: &Policy,
    scanned: &ScanSource,
    cx: Context,
) -> Result<(Report, Option<github::Session>), RunError> {
    let quiet = args.common.quiet;
    let mut evaluation = eval::Evaluation::new(policy, cx.today);
    let mut notes = Vec::new();
    let owned = |repo: &source::Repository| match &args.owner {
        None => true,
        Some(owner) => {
            let wanted = owner_key(owner);
            repo.owners.iter().any(|o| owner_key(o) == wanted)
        }
    };
    if let Some(owner) = &args.owner {
        notes.push(format!("only the repositories {owner} owns are reported"));
    }
    let (session, incomplete) = match scanned {
        ScanSource::Local(dir) => {
            let scan = source::local::scan_dir(dir, policy.limits, &policy.resolve_owners)?;
            for repo in scan.repositories.iter().filter(|r| owned(r)) {
                evaluation.add(repo);
            }
            notes.extend(scan.note);
            (None, None)
        }
        ScanSource::Org(org) => {
            let installation = format!("/orgs/{org}/installation");
            let s = github::Session::start(&args.github, env, &installation, quiet)?;
            let mut add = |repo: source::Repository| {
                if owned(&repo) {
                    evaluation.add(&repo);
                }
            };
            let read = s.read_org(org, policy, quiet, &mut add)?;
            notes.extend(read.notes);
            (Some(s), read.incomplete)
        }
    };
    let mut report = evaluation.finish(&Context { incomplete, ..cx });
    report.notes = notes;
    Ok((report, session))
}

/// Publish the issue through `session` (a new one for a local scan), logging what was done.
/// Returns what was published or why it failed, and the session for the request count.
fn publish_issue(
    args: &ScanArgs,
    env: &Env,
    target: &Target,
    session: Option<github::Session>,
    report: &Report,
    renderer: &Renderer,
    info: &RunInfo,
) -> (
    Option<Published>,
    Option<GitHubError>,
    Option<github::Session>,
) {
    let session = match session {
        Some(s) => s,
        None => {
            let owner_repo = format!("/repos/{}/installation", target.repo);
            match github::Session::start(&args.github, env, &owner_repo, args.common.quiet) {
                Ok(s) => s,
                Err(e) => return (None, Some(e), None),
            }
        }
    };
    let stable = info.stable();
    let render = |changes: Option<&Changes>, budget: usize| {
        // `None` asks for the comparable rendering (see `issue::Render`).
        let info = if changes.is_some() { info } else { &stable };
        renderer
            .render_fitting(report, changes, Limit::Chars(budget), info)
            .unwrap_or_else(|e| format!("orgcheck could not render the report: {e}"))
    };
    match session.publish(target, report, &render) {
        Ok(p) => {
            for action in &p.actions {
                eprintln!("orgcheck: issue: {action}");
            }
            if env.in_actions() {
                for look_alike in &p.look_alikes {
                    eprintln!("{}", actions::warning(look_alike));
                }
            }
            if target.dry_run
                && let Some(body) = &p.body
            {
                eprintln!(
                    "----- issue body ({} characters) -----\n{body}\n----- end of issue body -----",
                    body.chars().count()
                );
            }
            (Some(p), None, Some(session))
        }
        Err(e) => (None, Some(e), Some(session)),
    }
}

/// An owner as `--owner` compares it: without `@`, in lower case (GitHub logins and team
/// slugs ignore case).
fn owner_key(owner: &str) -> String {
    owner.trim_start_matches('@').to_ascii_lowercase()
}

/// The issue to keep current, if any: `--issue-repo`, or in GitHub Actions the workflow's
/// own repository, unless `--no-issue`.
fn publish_target(
    args: &ScanArgs,
    env: &Env,
    source: &report::Scanned,
) -> Result<Option<Target>, RunError> {
    let p = &args.publish;
    let repo = match (&p.issue_repo, p.no_issue) {
        (_, true) => None,
        (Some(r), _) => Some(r.clone()),
        (None, false) => env.repository().map(str::to_string),
    };
    let Some(repo) = repo else { return Ok(None) };
    let valid = repo.split('/').count() == 2 && repo.split('/').all(|part| !part.is_empty());
    if !valid {
        return Err(RunError::Usage(format!(
            "--issue-repo `{repo}`: expected OWNER/REPO"
        )));
    }
    let mut subject = source.subject().to_string();
    let mut source_key = match args.source() {
        ScanSource::Local(dir) => format!("local:{}", context::path_identity(&dir)),
        ScanSource::Org(org) => format!("org:{org}"),
    };
    // One owner's report is an issue of its own: it must not replace the whole
    // organization's issue, nor its history.
    if let Some(owner) = &args.owner {
        let owner = owner_key(owner);
        source_key.push_str(&format!(" owner:{owner}"));
        subject.push_str(&format!(", owned by {owner}"));
    }
    let key = p
        .issue_key
        .clone()
        .unwrap_or_else(|| context::path_identity(&args.common.policy));
    Ok(Some(Target {
        repo,
        marker: Marker::new(&source_key, &key),
        title: p
            .issue_title
            .clone()
            .unwrap_or_else(|| format!("CI compliance report: {subject}")),
        close_when_passing: !p.no_close,
        reopen: !p.no_reopen,
        dry_run: p.dry_run,
    }))
}

/// The job summary and step outputs, when running in GitHub Actions.
fn actions_runtime(
    report: &Report,
    renderer: &Renderer,
    changes: Option<&Changes>,
    issue_url: Option<&str>,
    common: &CommonArgs,
    info: &RunInfo,
    env: &Env,
) -> Result<(), RunError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| RunError::Io { path, source }
    };
    if let Some(path) = env.path("GITHUB_STEP_SUMMARY") {
        let path = path.as_path();
        let markdown = renderer
            .render_fitting(report, changes, Limit::Bytes(actions::SUMMARY_BUDGET), info)
            .map_err(|source| RunError::Template {
                path: "template".into(),
                source,
            })?;
        actions::append_summary(path, &markdown).map_err(io(path))?;
    }
    if let Some(path) = env.path("GITHUB_OUTPUT") {
        let path = path.as_path();
        let outputs = actions::outputs(report, issue_url, common.output.as_deref(), &common.also);
        actions::write_outputs(path, &outputs).map_err(io(path))?;
    }
    Ok(())
}

fn check(args: CheckArgs, env: &Env) -> Result<Exit, RunError> {
    let started = std::time::Instant::now();
    let policy = load_policy(&args.common.policy)?;
    let renderer = renderer(&args.common)?;
    check_output_flags(&args.common, Format::Text, !env.in_actions())?;
    if !args.path.is_dir() {
        return Err(RunError::Usage(format!(
            "{} is not a directory; check takes a repository's root folder",
            args.path.display()
        )));
    }
    let repo = source::local::read_repo(&args.path, None, policy.limits, &policy.resolve_owners);
    let source = report::Scanned::Check(args.path.display().to_string());
    let report = evaluate(&policy, &[repo], source, None, &args.common, env.today()?);
    let info = context::run_info(&args.common, env, started);
    write_report(&report, &args.common, Format::Text, &renderer, &info)?;
    actions_runtime(&report, &renderer, None, None, &args.common, &info, env)?;
    if !args.common.quiet
        && (args.common.output.is_some() || args.common.format.is_some_and(|f| f != Format::Text))
    {
        eprintln!("{}", summary_line(&report));
    }
    Ok(verdict(&report, &args.common))
}

fn evaluate(
    policy: &Policy,
    repos: &[Repository],
    source: report::Scanned,
    incomplete: Option<String>,
    common: &CommonArgs,
    today: policy::Date,
) -> Report {
    let cx = Context {
        source,
        policy_path: context::policy_identity(&common.policy),
        today,
        incomplete,
    };
    eval::evaluate(policy, repos, &cx)
}

fn verdict(report: &Report, common: &CommonArgs) -> Exit {
    if report.is_passing() || common.no_fail {
        Exit::Ok
    } else {
        Exit::Findings
    }
}

/// A warning for `--template` when nothing this run writes is Markdown: no report in that
/// format, and (`nothing_else`) no issue or job summary.
fn check_output_flags(
    common: &CommonArgs,
    default: Format,
    nothing_else: bool,
) -> Result<(), RunError> {
    // Every `--also` file names its format, checked before a scan that may take minutes.
    for path in &common.also {
        also_format(path)?;
    }
    let markdown = common.format.unwrap_or(default) == Format::Markdown;
    if common.template.is_some() && !markdown && nothing_else {
        return Err(RunError::Usage(
            "--template renders Markdown (the report with --format markdown, the issue and the \
             job summary), and this run writes none: drop --template, or use --format markdown"
                .into(),
        ));
    }
    Ok(())
}

/// The Markdown template, compiled once: a broken one is a usage error before any request.
fn renderer(common: &CommonArgs) -> Result<Renderer, RunError> {
    let text = match &common.template {
        None => return Ok(Renderer::builtin()),
        Some(path) => std::fs::read_to_string(path).map_err(|source| RunError::Io {
            path: path.display().to_string(),
            source,
        })?,
    };
    Renderer::new(&text).map_err(|source| RunError::Template {
        path: common
            .template
            .as_ref()
            .map_or_else(|| "built-in template".into(), |p| p.display().to_string()),
        source,
    })
}

/// The full report, in the chosen format, to `--output` or stdout; then to each `--also`
/// file in the format its extension names.
fn write_report(
    report: &Report,
    common: &CommonArgs,
    default: Format,
    renderer: &Renderer,
    info: &RunInfo,
) -> Result<(), RunError> {
    let format = common.format.unwrap_or(default);
    write_as(report, format, common.output.as_deref(), renderer, info)?;
    for path in &common.also {
        let format = also_format(path)?;
        write_as(report, format, Some(path), renderer, info)?;
    }
    Ok(())
}

/// The format an `--also` file's extension names; a usage error for any other.
fn also_format(path: &Path) -> Result<Format, RunError> {
    Format::of_path(path).ok_or_else(|| {
        RunError::Usage(format!(
            "--also {}: name the format by the extension: .json, .csv, .sarif, .md or .txt",
            path.display()
        ))
    })
}

fn write_as(
    report: &Report,
    format: Format,
    path: Option<&Path>,
    renderer: &Renderer,
    info: &RunInfo,
) -> Result<(), RunError> {
    let text = match format {
        Format::Json => return write_json(report, path),
        Format::Text => report::text::render(report),
        Format::Sarif => report::sarif::render(report),
        Format::Csv => report::csv::render(report),
        Format::Markdown => {
            renderer
                .render_full(report, info)
                .map_err(|source| RunError::Template {
                    path: "template".into(),
                    source,
                })?
        }
    };
    write_output(path, &text)
}

fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    format!(
        "orgcheck: {} repositories: {}; {} skipped by scope",
        s.repositories,
        s.counts(),
        s.skipped
    )
}

/// Write to a file (atomically, so a reader never sees half a report) or to stdout.
/// The JSON report, streamed to `--output` (atomically) or stdout.
fn write_json(report: &Report, path: Option<&Path>) -> Result<(), RunError> {
    let stream = |out: &mut dyn Write| {
        let mut out = std::io::BufWriter::new(out);
        report::json::write(report, &mut out)?;
        out.flush()
    };
    match path {
        // A closed pipe (`| head`) is not an error worth reporting.
        None => {
            let _ = stream(&mut std::io::stdout().lock());
            Ok(())
        }
        Some(p) => {
            crate::atomic::write_atomic_with(p, |f| stream(f)).map_err(|source| RunError::Io {
                path: p.display().to_string(),
                source,
            })
        }
    }
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), RunError> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            Ok(())
        }
        Some(p) => crate::atomic::write_atomic(p, text.as_bytes()).map_err(|source| RunError::Io {
            path: p.display().to_string(),
            source,
        }),
    }
}

fn inspect(args: InspectArgs) -> Result<Exit, RunError> {
    let mut views = Vec::new();
    let mut failed = false;
    for path in &args.files {
        let shown = path.display().to_string();
        if path.is_dir() {
            // A repository: judged as a whole, as `check` sees it.
            let repo = crate::source::local::read_repo(path, None, Limits::DEFAULT, &[]);
            let repo_views = FileView::of_repository(&shown, repo.ci);
            failed |= repo_views.iter().any(|v| v.error.is_some());
            views.extend(repo_views);
            continue;
        }
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

//! Command-line interface. The doc comments here are the `--help` text.

use crate::choice::Choice;
use crate::ci::CiSystem;
use crate::policy::{GITHUB_EVENTS, MatchMode, Severity};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `orgcheck --version`: the crate version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("ORGCHECK_COMMIT"),
    ")"
);

/// Does every CI job in every repository run the steps your organization requires?
///
/// orgcheck reads CircleCI configs and GitHub Actions workflows, checks each job against a
/// policy file (TOML, kept in git), and reports every repository as compliant, non-compliant,
/// no-ci, exempt or error.
///
/// Exit codes: 0 all compliant (or --no-fail); 1 some repository is non-compliant or errored;
/// 2 usage or policy error; 3 GitHub could not be read (the report is still written, marked
/// partial).
#[derive(Debug, Parser)]
#[command(name = "orgcheck", version = VERSION, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check many repositories: every repository of a GitHub organization, or every subfolder
    /// of a local folder.
    ///
    /// Example: orgcheck scan --local examples/demo-org --policy policy.example.toml
    ///
    /// Example: GITHUB_TOKEN=... orgcheck scan --org my-org --policy orgcheck.toml
    Scan(ScanArgs),
    /// Check one repository checkout (default: the current folder), e.g. in its own CI or a
    /// pre-commit hook.
    ///
    /// Example: orgcheck check --policy ../platform/orgcheck.toml
    Check(CheckArgs),
    /// Print what orgcheck understood from CI config files: jobs and steps after expanding
    /// commands, parameters, anchors and `when` blocks. Use it to debug a rule that does not
    /// match.
    ///
    /// Example: orgcheck inspect .circleci/config.yml --format json
    Inspect(InspectArgs),
    /// Read and edit the policy file: the required steps, their scope and exemptions. Edits
    /// keep comments and formatting, are validated before they are written, and are written
    /// atomically. Commit the result and review it in a pull request (`policy diff`).
    Policy(PolicyArgs),
    /// Run as the GitHub Action: read the action's inputs ($INPUT_*) and scan. Used by
    /// action.yml; run `orgcheck scan` yourself elsewhere.
    #[command(hide = true)]
    Action,
}

/// `orgcheck policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file.
    #[arg(
        long,
        short,
        value_name = "FILE",
        default_value = "orgcheck.toml",
        global = true
    )]
    pub policy: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// `orgcheck policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write a commented starter policy.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// List the rules (and exemptions).
    List {
        /// Output format.
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Show one rule.
    Show {
        /// The rule's id.
        id: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Add a rule.
    ///
    /// Example: orgcheck policy add --id unit-tests --description "Run the unit tests"
    /// --run "make test" --match contains --jobs 'build*'
    Add(RuleArgs),
    /// Change fields of a rule; unnamed fields stay as they are.
    ///
    /// Example: orgcheck policy edit unit-tests --require any-job
    Edit {
        /// The rule's id. `--id NEW` renames it (exemptions that name it follow).
        #[arg(value_name = "ID")]
        rule: String,
        /// The rule fields to set.
        #[command(flatten)]
        fields: RuleArgs,
    },
    /// Remove a rule.
    Remove {
        /// The rule's id.
        id: String,
        /// Also take the rule out of exemptions that name it (an exemption left with no rule
        /// is removed). Without it, such exemptions make the removal fail.
        #[arg(long)]
        prune_exemptions: bool,
    },
    /// Excuse repositories from rules, for a reason, until a date.
    ///
    /// Example: orgcheck policy exempt --repositories 'legacy-*' --rules unit-tests
    /// --reason "Replaced in Q3; PLAT-142" --expires 2027-01-31
    Exempt {
        /// Repository-name globs (repeat, give several, or comma-separate).
        #[arg(long, required = true, num_args = 1.., value_name = "GLOB")]
        repositories: Vec<String>,
        /// Rule ids (repeat, give several, or comma-separate; default: every rule).
        #[arg(long, num_args = 1.., value_name = "ID")]
        rules: Vec<String>,
        /// Why (shown in reports).
        #[arg(long, required = true)]
        reason: String,
        /// Last day the exemption applies, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Remove the exemptions for exactly these repository globs (and rules, when given).
    Unexempt {
        /// Repository-name globs, as written in the exemption (repeat or comma-separate).
        #[arg(long, required = true, num_args = 1.., value_name = "GLOB")]
        repositories: Vec<String>,
        /// Rule ids, as written in the exemption (repeat or comma-separate).
        #[arg(long, num_args = 1.., value_name = "ID")]
        rules: Option<Vec<String>>,
    },
    /// Check the policy; every error with file:line:column. Exit 2 when invalid.
    Validate,
    /// Print the JSON Schema of the policy file (shipped as policy.schema.json).
    Schema,
    /// Compare with another version of the policy: rules added, removed and changed. With a
    /// source, also show which repositories and jobs would change status.
    ///
    /// Example: orgcheck policy diff --base origin/main:orgcheck.toml --local examples/demo-org
    Diff {
        /// The old policy: a file, or REF:PATH read with git.
        #[arg(long, value_name = "FILE|REF:PATH")]
        base: String,
        /// Judge both policies on every subfolder of DIR.
        #[arg(long, value_name = "DIR", conflicts_with = "org")]
        local: Option<PathBuf>,
        /// Judge both policies on a GitHub organization.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// How to reach GitHub.
        #[command(flatten)]
        github: GitHubArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "markdown")]
        format: DiffFormat,
    },
}

/// Rule fields, for `add` and `edit`.
#[derive(Debug, Args, Clone)]
pub struct RuleArgs {
    /// Stable kebab-case id (required for add).
    #[arg(long)]
    pub id: Option<String>,
    /// What the step is for (required for add).
    #[arg(long)]
    pub description: Option<String>,
    /// Selector: a run command.
    #[arg(long, conflicts_with = "uses", value_name = "COMMAND")]
    pub run: Option<String>,
    /// Selector: a named step, e.g. checkout, node/install, actions/checkout@v4*.
    #[arg(long, value_name = "NAME")]
    pub uses: Option<String>,
    /// How `run` compares.
    #[arg(long = "match", value_enum)]
    pub match_mode: Option<MatchMode>,
    /// For `uses`: the versions a matching step may run, e.g. '>=4', '>=4.1, <6', '^4'
    /// (`--version ''` removes the constraint).
    #[arg(long = "version", value_name = "RANGE")]
    pub version_range: Option<String>,
    /// CI systems (repeat or comma-separate); `--ci all` for both.
    #[arg(long, value_delimiter = ',', value_parser = with_all(CiSystem::IDS))]
    pub ci: Option<Vec<String>>,
    /// Job-name globs (repeat or comma-separate; a comma inside `{a,b}` is the glob's);
    /// `--jobs '*'` for every job.
    #[arg(long, value_name = "GLOB")]
    pub jobs: Option<Vec<String>>,
    /// GitHub events whose workflows the rule covers (repeat or comma-separate), e.g.
    /// `push,pull_request`; `--events all` for every workflow. CircleCI jobs are not filtered.
    #[arg(long, value_delimiter = ',', value_name = "EVENT", value_parser = with_all(GITHUB_EVENTS))]
    pub events: Option<Vec<String>>,
    /// `warning`: findings are reported, never failing; `error` (the default) fails.
    #[arg(long, value_enum)]
    pub severity: Option<Severity>,
    /// A warning until this day (YYYY-MM-DD), then enforced; `--enforce-from ''` removes it.
    #[arg(long, value_name = "DATE")]
    pub enforce_from: Option<String>,
    /// How to fix a finding, shown in the report beside each failing job, e.g.
    /// 'add `uses: acme/scan@v2`; see https://wiki.example/scan' (`--fix ''` removes it).
    #[arg(long, value_name = "TEXT")]
    pub fix: Option<String>,
    /// Each rule kind's flags (`src/kind/`).
    #[command(flatten)]
    pub kinds: crate::kind::Flags,
}

/// A list flag's values, each split at the commas outside braces: `a,b` is two values, and
/// the glob `build-{x,y}` stays one (clap's delimiter would cut it in two).
pub fn split_list(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let (mut depth, mut start) = (0usize, 0);
        for (i, c) in value.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.push(value[start..i].to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(value[start..].to_string());
    }
    out.retain(|v| !v.is_empty());
    out
}

/// A list flag's values, plus `all` (which removes the key: every value).
fn with_all(values: &'static [&'static str]) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(values.iter().copied().chain(["all"]))
}

/// `policy list` and `show` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// For machines.
    Json,
}

/// `policy diff` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A pull-request comment.
    Markdown,
    /// For machines.
    Json,
}

/// Where a scan's repositories come from: one of `--local` and `--org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanSource {
    /// A folder whose subfolders are repositories.
    Local(PathBuf),
    /// A GitHub organization.
    Org(String),
}

impl ScanSource {
    /// What reports say was scanned.
    pub fn scanned(&self) -> crate::report::Scanned {
        match self {
            ScanSource::Local(dir) => crate::report::Scanned::Local(dir.display().to_string()),
            ScanSource::Org(org) => crate::report::Scanned::Org(org.clone()),
        }
    }
}

impl ScanArgs {
    /// The source, which clap's `source` group makes exactly one of `--local` and `--org`.
    pub fn source(&self) -> ScanSource {
        match (&self.local, &self.org) {
            (Some(dir), _) => ScanSource::Local(dir.clone()),
            (None, Some(org)) => ScanSource::Org(org.clone()),
            (None, None) => unreachable!("clap requires --local or --org"),
        }
    }
}

/// Where the repositories of a scan come from.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["local", "org"])))]
pub struct ScanArgs {
    /// A folder whose subfolders are repositories (checkouts, or just their CI files).
    #[arg(long, value_name = "DIR", help_heading = "Source")]
    pub local: Option<PathBuf>,

    /// A GitHub organization: every repository it has, read through the API.
    #[arg(long, value_name = "ORG", help_heading = "Source")]
    pub org: Option<String>,

    /// Report only the repositories this owner owns (a team `@acme/web` or a user, with or
    /// without `@`, any case), as the policy's `[settings] owners` reads owners.
    #[arg(long, value_name = "OWNER", help_heading = "Source")]
    pub owner: Option<String>,

    /// How to reach GitHub.
    #[command(flatten)]
    pub github: GitHubArgs,

    /// Where the report is published.
    #[command(flatten)]
    pub publish: PublishArgs,

    /// Options every report-writing command takes.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Where the report is published.
#[derive(Debug, Args, Clone)]
pub struct PublishArgs {
    /// Keep one compliance issue in this repository up to date. Default in GitHub Actions:
    /// $GITHUB_REPOSITORY. Needs permission to write issues there, nothing more.
    #[arg(long, value_name = "OWNER/REPO", help_heading = "Publish")]
    pub issue_repo: Option<String>,

    /// Do not publish an issue, even in GitHub Actions.
    #[arg(long, conflicts_with = "issue_repo", help_heading = "Publish")]
    pub no_issue: bool,

    /// Title of a new issue (an existing issue keeps its title).
    #[arg(long, value_name = "TEXT", help_heading = "Publish")]
    pub issue_title: Option<String>,

    /// Which issue is this policy's, instead of the policy's path: set it before moving or
    /// renaming the policy file, to the path it had (e.g. `orgcheck.toml`), and the issue
    /// stays. Default: the policy's path in its git checkout, or its absolute path outside one.
    #[arg(long, value_name = "KEY", help_heading = "Publish")]
    pub issue_key: Option<String>,

    /// Leave the issue open when everything is compliant.
    #[arg(long, help_heading = "Publish")]
    pub no_close: bool,

    /// Leave a closed issue closed when something fails again.
    #[arg(long, help_heading = "Publish")]
    pub no_reopen: bool,

    /// Print what would be published (actions and issue body, on stderr) and write nothing to
    /// GitHub.
    #[arg(long, help_heading = "Publish")]
    pub dry_run: bool,
}

/// How to reach GitHub.
#[derive(Debug, Args, Clone)]
pub struct GitHubArgs {
    /// A token. Default: $GITHUB_TOKEN, then $GH_TOKEN. Never printed.
    #[arg(long, value_name = "TOKEN", help_heading = "GitHub")]
    pub token: Option<String>,

    /// Authenticate as this GitHub App (with --app-private-key); orgcheck finds the
    /// organization's installation and mints a token. Default: $ORGCHECK_APP_ID.
    #[arg(long, value_name = "ID", help_heading = "GitHub")]
    pub app_id: Option<u64>,

    /// The App's private key: a PEM file's path, or the PEM itself (e.g. from a secret in an
    /// environment variable). Default: $ORGCHECK_APP_PRIVATE_KEY.
    #[arg(
        long,
        value_name = "FILE|PEM",
        allow_hyphen_values = true,
        help_heading = "GitHub"
    )]
    pub app_private_key: Option<String>,

    /// REST API base. Default: $GITHUB_API_URL, then https://api.github.com. For GitHub
    /// Enterprise Server: https://HOST/api/v3 (GraphQL is then https://HOST/api/graphql, or
    /// $GITHUB_GRAPHQL_URL when set).
    #[arg(long, value_name = "URL", help_heading = "GitHub")]
    pub api_url: Option<String>,

    /// Also trust this CA certificate (PEM file, a folder of them, or the PEM itself), for a
    /// GitHub Enterprise Server behind a private CA. Built-in roots are always trusted, and so
    /// are $SSL_CERT_FILE and every file in $SSL_CERT_DIR.
    #[arg(
        long,
        value_name = "FILE|DIR|PEM",
        allow_hyphen_values = true,
        help_heading = "GitHub"
    )]
    pub ca_cert: Option<String>,

    /// Most time to wait for one answer from GitHub to start (its body gets twice that). A
    /// request that runs out is retried like a 5xx.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s", help_heading = "GitHub")]
    pub timeout: std::time::Duration,

    /// Most time to spend waiting on rate limits in total, e.g. 90s, 15m, 1h. Reaching it
    /// ends the scan with a partial report. Default: no bound.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "GitHub")]
    pub max_wait: Option<std::time::Duration>,
}

/// `90s`, `15m`, `1h`, `1h30m`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => {
                return Err(format!(
                    "`{s}`: use a number with s, m or h, e.g. 90s, 15m, 1h"
                ));
            }
        };
        if number.is_empty() {
            return Err(format!("`{s}`: a unit needs a number before it"));
        }
        let n: u64 = number
            .parse()
            .map_err(|_| format!("`{s}` is too long a duration"))?;
        total = n
            .checked_mul(unit)
            .and_then(|t| total.checked_add(t))
            .ok_or_else(|| format!("`{s}` is too long a duration"))?;
        number.clear();
    }
    if !number.is_empty() || s.is_empty() {
        return Err(format!("`{s}`: end with a unit, e.g. 90s, 15m, 1h"));
    }
    Ok(std::time::Duration::from_secs(total))
}

/// One repository.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The repository's root folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Options every report-writing command takes.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options shared by `scan` and `check`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The policy file.
    #[arg(
        long,
        short,
        value_name = "FILE",
        default_value = "orgcheck.toml",
        help_heading = "Policy"
    )]
    pub policy: PathBuf,

    /// Report format. Default: markdown for scan, text for check.
    #[arg(long, short, value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write the report to FILE, in the format its extension names: .json, .csv,
    /// .sarif, .md or .txt. Repeat it, or separate files with commas
    /// (`--also report.json,report.csv`), for one file per format from one scan.
    #[arg(
        long,
        value_name = "FILE",
        value_delimiter = ',',
        help_heading = "Output"
    )]
    pub also: Vec<PathBuf>,

    /// A handlebars template for the Markdown report, instead of the built-in one.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub template: Option<PathBuf>,

    /// Print nothing on standard error (progress, summary line).
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,

    /// Exit 0 even when repositories are non-compliant or errored.
    #[arg(long, help_heading = "Exit status")]
    pub no_fail: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people and GitHub issues: summary table, then details.
    Markdown,
    /// For machines: stable fields, documented in README.md.
    Json,
    /// Compiler-style `file:line: message` lines, for terminals and hooks.
    Text,
    /// SARIF 2.1.0, for GitHub code scanning (github/codeql-action/upload-sarif).
    Sarif,
    /// One row per finding (repository, owners, status, rule, kind, severity, job, file,
    /// line, url, message), for a spreadsheet.
    Csv,
}

impl Format {
    /// The format a file's extension names, for `--also`.
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "sarif" => Some(Format::Sarif),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" | "text" => Some(Format::Text),
            _ => None,
        }
    }
}

/// Files to inspect.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// CI config files, or repository folders. A file is read alone; its CI system is detected
    /// from the path (.circleci/, .github/workflows/) or, failing that, from the content. A
    /// folder is read as `check` reads it: CircleCI continuation configs followed, local
    /// reusable workflows and composite actions expanded.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: InspectFormat,
}

/// `inspect` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// An indented outline.
    Text,
    /// `[{"path", "ci", "jobs": [{"name", "job", "workflow", "line", "steps": [{"run"|"uses", "line", "file"?}]}], "not_run": [{"name", "line", "kind", "reason"}]} | {"path", "ci", "error"}]`
    Json,
}

//! GitHub sessions for the command line: credentials and URLs from flags and the environment,
//! a runtime, a status line while reading an organization, and publishing the issue.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use super::env::Env;
use crate::cli::GitHubArgs;
use crate::policy::{OwnersFrom, Policy};
use crate::publish::issue::{self, Published, Target};
use crate::report::Report;
use crate::source::Repository;
use crate::source::github::{self, Auth, Client, Connection, ExtraRoots, GitHubError, Progress};

/// What an organization scan says beyond the repositories it delivered.
pub struct OrgRead {
    /// Why the scan is partial, if it is.
    pub incomplete: Option<String>,
    /// What the reader should know about how it was read.
    pub notes: Vec<String>,
}

/// The scan's progress: a status line on a terminal; in a log (an Actions run), a plain line
/// at most every [`LOG_EVERY`]; nothing when quiet.
fn progress_line(quiet: bool) -> impl FnMut(Progress) + Send {
    let terminal = std::io::stderr().is_terminal();
    let show = !quiet && terminal;
    let mut logged = std::time::Instant::now();
    move |p: Progress| {
        let total = p.total.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
        let rate = p
            .rate_remaining
            .map(|r| format!(", rate limit {r} left"))
            .unwrap_or_default();
        let line = format!(
            "orgcheck: {}/{total} repositories read, {} requests{rate}",
            p.read, p.requests
        );
        if show {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        } else if !quiet && !terminal && logged.elapsed() >= LOG_EVERY {
            logged = std::time::Instant::now();
            eprintln!("{line}");
        }
    }
}

/// How often a scan logs its progress when stderr is not a terminal.
const LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Resolve where and how to connect, from flags first and then the environment.
pub fn connection(args: &GitHubArgs, vars: &Env) -> Result<Connection, GitHubError> {
    let env = |name: &str| vars.get(name).map(str::to_string);
    let api_url = args
        .api_url
        .clone()
        .or_else(|| env("GITHUB_API_URL"))
        .unwrap_or_else(|| "https://api.github.com".into());
    let api_url = api_url.trim_end_matches('/').to_string();
    let graphql_url =
        env("GITHUB_GRAPHQL_URL").unwrap_or_else(|| github::graphql_url_for(&api_url));
    let app_id = args
        .app_id
        .or_else(|| env("ORGCHECK_APP_ID").and_then(|v| v.trim().parse().ok()));
    let key = args
        .app_private_key
        .clone()
        .or_else(|| env("ORGCHECK_APP_PRIVATE_KEY"));
    let auth = match (app_id, key) {
        (Some(app_id), Some(key)) => {
            let key_pem = read_key(&key)?;
            // A key that cannot sign is a usage error now, not after a long scan.
            github::check_app_key(&key_pem)?;
            Auth::App { app_id, key_pem }
        }
        (Some(_), None) => {
            return Err(GitHubError::Config(
                "--app-id needs --app-private-key (or $ORGCHECK_APP_PRIVATE_KEY)".into(),
            ));
        }
        (None, Some(_)) if args.app_private_key.is_some() => {
            return Err(GitHubError::Config(
                "--app-private-key needs --app-id".into(),
            ));
        }
        _ => match args
            .token
            .clone()
            .or_else(|| env("GITHUB_TOKEN"))
            .or_else(|| env("GH_TOKEN"))
        {
            Some(t) => Auth::Token(t.trim().to_string()),
            None => Auth::None,
        },
    };
    Ok(Connection {
        api_url,
        graphql_url,
        auth,
        max_wait: args.max_wait,
        roots: extra_roots(args.ca_cert.as_deref(), vars)?,
        timeout: args.timeout,
        // Waits are GitHub's own: nothing outside the library shortens them.
        wait_scale: 1.0,
    })
}

/// CA certificates to trust besides the built-in roots: `--ca-cert`, then OpenSSL's
/// `SSL_CERT_FILE` and `SSL_CERT_DIR` (a `:`-separated list of folders), as curl and git honour
/// them.
fn extra_roots(ca_cert: Option<&str>, vars: &Env) -> Result<ExtraRoots, GitHubError> {
    let env = |name: &str| vars.get(name).map(str::to_string);
    let mut roots = ExtraRoots::default();
    if let Some(value) = ca_cert {
        if value.contains("-----BEGIN") {
            roots.add_pem(value.as_bytes(), "--ca-cert")?;
        } else {
            add_path(&mut roots, Path::new(value), "--ca-cert", true)?;
        }
    }
    if let Some(file) = env("SSL_CERT_FILE") {
        add_path(&mut roots, Path::new(&file), "$SSL_CERT_FILE", true)?;
    }
    if let Some(dirs) = env("SSL_CERT_DIR") {
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            add_path(&mut roots, Path::new(dir), "$SSL_CERT_DIR", true)?;
        }
    }
    Ok(roots)
}

/// A PEM file, or every PEM file directly in a folder. A folder's files that hold no
/// certificate (OpenSSL's hash links to CRLs, READMEs) are skipped; a named file must hold one.
fn add_path(
    roots: &mut ExtraRoots,
    path: &Path,
    origin: &str,
    named: bool,
) -> Result<(), GitHubError> {
    let shown = format!("{origin} {}", path.display());
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| GitHubError::Config(format!("cannot read {shown}: {e}")))?;
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.is_file()) {
            add_path(roots, file, origin, false)?;
        }
        return Ok(());
    }
    let text = std::fs::read(path).map_err(|e| {
        GitHubError::Config(format!(
            "cannot read {shown}: {e}; give a PEM file of CA certificates"
        ))
    })?;
    match roots.add_pem(&text, &shown) {
        Ok(0) if named => Err(GitHubError::Config(format!(
            "{shown} holds no -----BEGIN CERTIFICATE----- block"
        ))),
        Ok(_) => Ok(()),
        Err(e) if named => Err(e),
        Err(_) => Ok(()),
    }
}

/// The PEM itself (anything with a `-----BEGIN` line, however its breaks were kept), or the
/// file it is in.
fn read_key(value: &str) -> Result<String, GitHubError> {
    if value.contains("-----BEGIN") {
        return Ok(value.to_string());
    }
    std::fs::read_to_string(value.trim()).map_err(|e| {
        GitHubError::Config(format!(
            "--app-private-key (or $ORGCHECK_APP_PRIVATE_KEY) is neither a PEM key (no -----BEGIN \
             line) nor a file that can be read{}: {e}",
            shown_path(value)
        ))
    })
}

/// ` (PATH)` when `value` looks like a path and like nothing else: short, one word, and
/// without the long runs of letters and digits that key material is made of (a path's `/`,
/// `.`, `-` and `_` break them). Otherwise nothing, since a key pasted without its BEGIN line
/// must not be printed.
fn shown_path(value: &str) -> String {
    let longest_base64_run = value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '=')))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let path_like = value.len() <= 120
        && !value.contains(char::is_whitespace)
        && !value.contains('\\')
        && longest_base64_run < 24;
    if path_like {
        format!(" ({value})")
    } else {
        String::new()
    }
}

/// A connection to GitHub with its own runtime (the only async part of orgcheck).
pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: Arc<Client>,
}

impl Session {
    /// Connect. `installation` is the REST path that finds a GitHub App's installation
    /// (`/orgs/ORG/installation` or `/repos/OWNER/REPO/installation`).
    pub fn start(
        args: &GitHubArgs,
        env: &Env,
        installation: &str,
        quiet: bool,
    ) -> Result<Self, GitHubError> {
        let conn = connection(args, env)?;
        if matches!(conn.auth, Auth::None) && !quiet {
            eprintln!(
                "orgcheck: no token (--token, $GITHUB_TOKEN, $GH_TOKEN): reading public data only, at low rate limits"
            );
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| GitHubError::Config(format!("cannot start the async runtime: {e}")))?;
        let client = Arc::new(runtime.block_on(github::connect(&conn, installation))?);
        Ok(Session { runtime, client })
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.client.requests()
    }

    /// Rate limit left, when GitHub said.
    pub fn rate_remaining(&self) -> Option<i64> {
        self.client.rate_remaining()
    }

    /// Read every repository of an organization into memory (for `policy diff`, which judges
    /// them twice).
    pub fn read_org_all(
        &self,
        org: &str,
        policy: &Policy,
        quiet: bool,
    ) -> Result<(Vec<Repository>, OrgRead), GitHubError> {
        let mut repos = Vec::new();
        let read = self.read_org(org, policy, quiet, &mut |r| repos.push(r))?;
        Ok((repos, read))
    }

    /// Read every repository of an organization, handing each to `deliver` as it is read
    /// whole, with a status line on a terminal.
    pub fn read_org(
        &self,
        org: &str,
        policy: &Policy,
        quiet: bool,
        deliver: github::Deliver<'_>,
    ) -> Result<OrgRead, GitHubError> {
        let show = !quiet && std::io::stderr().is_terminal();
        let scope = policy.scope.clone();
        let in_scope =
            move |facts: &crate::policy::RepoFacts<'_>| scope.skip_reason(facts).is_none();
        let mut notes = Vec::new();
        // Owners from a custom property: one listing for the organization, before the scan.
        let by_property = match &policy.owners {
            OwnersFrom::Codeowners => None,
            OwnersFrom::Property(name) => {
                let listed = github::owners::from_property(&self.client, org, name);
                match self.runtime.block_on(listed) {
                    Ok(map) => Some(map),
                    Err(e) => {
                        notes.push(format!(
                            "owners could not be read from the property `{name}`: {e}"
                        ));
                        None
                    }
                }
            }
        };
        let mut with_owners = |mut repo: Repository| {
            if let Some(map) = &by_property {
                let key = repo.name.to_ascii_lowercase();
                repo.owners = map.get(&key).cloned().unwrap_or_default();
            }
            deliver(repo);
        };
        let mut progress = progress_line(quiet);
        let result = self.runtime.block_on(github::scan_org(
            Arc::clone(&self.client),
            org,
            &in_scope,
            github::Reading {
                limits: policy.limits,
                resolve_owners: &policy.resolve_owners,
                codeowners: policy.owners == OwnersFrom::Codeowners,
            },
            &mut progress,
            &mut with_owners,
        ));
        if show {
            eprint!("\r\x1b[2K");
        }
        let scan = result?;
        Ok(OrgRead {
            incomplete: scan.incomplete,
            notes,
        })
    }

    /// Publish the compliance issue.
    pub fn publish(
        &self,
        target: &Target,
        report: &Report,
        render: &issue::Render<'_>,
    ) -> Result<Published, GitHubError> {
        self.runtime
            .block_on(issue::publish(&self.client, target, report, render))
    }
}

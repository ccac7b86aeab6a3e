//! `orgcheck policy …`: the CRUD of the old service, as edits to a file in git, plus what a
//! reviewer needs (validate, schema, diff with impact).

use std::path::Path;

use crate::choice::Choice;
use crate::ci::CiSystem;
use crate::cli::{
    DiffFormat, GitHubArgs, ListFormat, PolicyArgs, PolicyCommand, RuleArgs, split_list,
};
use crate::eval::{self, Context};
use crate::policy::edit::{self, Change, Edit, EditError, RuleFields};
use crate::policy::{self, Date, Policy, diff, schema};
use crate::report::{Report, impact};
use crate::source;

use super::env::Env;
use super::{Exit, RunError, github, write_output};

/// The starter policy `policy init` writes for a real organization: a few sensible rules and
/// every other field as a commented example, as `cargo deny init` does.
pub const TEMPLATE: &str = include_str!("../../templates/policy.init.toml");

impl From<EditError> for RunError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Invalid(p) => RunError::Policy(p),
            other => RunError::Usage(other.to_string()),
        }
    }
}

/// Run a policy subcommand.
pub fn run(args: PolicyArgs, env: &Env) -> Result<Exit, RunError> {
    let path = args.policy.as_path();
    match args.command {
        PolicyCommand::Init { force } => init(path, force),
        PolicyCommand::List { format } => {
            let p = load(path)?;
            write_output(None, &list(&p, format, env.today()?))?;
            Ok(Exit::Ok)
        }
        PolicyCommand::Show { id, format } => show(path, &id, format),
        PolicyCommand::Add(fields) => add(path, &fields),
        PolicyCommand::Edit { rule, fields } => edit_rule(path, rule, &fields),
        PolicyCommand::Remove {
            id,
            prune_exemptions,
        } => {
            let what = format!("removed rule `{id}`");
            let prune = prune_exemptions;
            apply(path, &Edit::RemoveRule { id, prune }, &what)
        }
        PolicyCommand::Exempt {
            repositories,
            rules,
            reason,
            expires,
        } => {
            let (repositories, rules) = (split_list(&repositories), split_list(&rules));
            let what = format!(
                "exempted {} from {}",
                repositories.join(", "),
                rules_named(&rules)
            );
            let edit = Edit::Exempt {
                repositories,
                rules,
                reason,
                expires,
            };
            apply(path, &edit, &what)
        }
        PolicyCommand::Unexempt {
            repositories,
            rules,
        } => {
            let repositories = split_list(&repositories);
            let rules = rules.as_deref().map(split_list);
            let what = format!("removed the exemption of {}", repositories.join(", "));
            apply(
                path,
                &Edit::Unexempt {
                    repositories,
                    rules,
                },
                &what,
            )
        }
        PolicyCommand::Validate => validate(path),
        PolicyCommand::Schema => {
            write_output(None, &schema::json_schema_text())?;
            Ok(Exit::Ok)
        }
        PolicyCommand::Diff {
            base,
            local,
            org,
            github,
            format,
        } => diff_cmd(
            path,
            &base,
            local.as_deref(),
            org.as_deref(),
            &github,
            format,
            env,
        ),
    }
}

/// An exemption's rules in words: empty means every rule.
fn rules_named(rules: &[String]) -> String {
    if rules.is_empty() {
        "every rule".into()
    } else {
        rules.join(", ")
    }
}

/// `policy edit ID`: only the fields named change.
fn edit_rule(path: &Path, rule: String, fields: &RuleArgs) -> Result<Exit, RunError> {
    if changes_nothing(fields) {
        return Err(RunError::Usage(
            "policy edit: name at least one field to change (see --help)".into(),
        ));
    }
    let what = format!("edited rule `{rule}`");
    apply(path, &Edit::EditRule(rule, rule_fields(fields)), &what)
}

/// `policy show ID`.
fn show(path: &Path, id: &str, format: ListFormat) -> Result<Exit, RunError> {
    let p = load(path)?;
    let rule = p.rules.iter().find(|r| r.id == id).ok_or_else(|| {
        RunError::Usage(format!(
            "no rule has id `{id}`; `orgcheck policy list` shows the ids"
        ))
    })?;
    let text = match format {
        ListFormat::Json => json_line(&rule_json(rule)),
        ListFormat::Table => rule_text(rule),
    };
    write_output(None, &text)?;
    Ok(Exit::Ok)
}

/// `policy add`: the fields a rule cannot do without are named together.
fn add(path: &Path, fields: &RuleArgs) -> Result<Exit, RunError> {
    let missing: Vec<&str> = [
        ("--id", fields.id.is_none()),
        ("--description", fields.description.is_none()),
    ]
    .into_iter()
    .filter(|(_, m)| *m)
    .map(|(f, _)| f)
    .chain(
        (fields.run.is_none() && fields.uses.is_none() && fields.kinds.image.image.is_none())
            .then_some("--run, --uses or --image"),
    )
    .collect();
    if !missing.is_empty() {
        return Err(RunError::Usage(format!(
            "policy add needs {}",
            missing.join(", ")
        )));
    }
    let id = fields.id.clone().unwrap_or_default();
    apply(
        path,
        &Edit::AddRule(rule_fields(fields)),
        &format!("added rule `{id}`"),
    )
}

/// `policy validate`.
fn validate(path: &Path) -> Result<Exit, RunError> {
    let p = load(path)?;
    eprintln!(
        "{}: valid ({} rules, {} exemptions)",
        path.display(),
        p.rules.len(),
        p.exemptions.len()
    );
    Ok(Exit::Ok)
}

fn load(path: &Path) -> Result<Policy, RunError> {
    Ok(policy::load(path)?)
}

fn apply(path: &Path, e: &Edit, done: &str) -> Result<Exit, RunError> {
    edit::edit_file(path, e)?;
    eprintln!("{}: {done}", path.display());
    Ok(Exit::Ok)
}

fn init(path: &Path, force: bool) -> Result<Exit, RunError> {
    if path.exists() && !force {
        return Err(RunError::Usage(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        )));
    }
    crate::atomic::write_atomic(path, TEMPLATE.as_bytes()).map_err(|source| RunError::Io {
        path: path.display().to_string(),
        source,
    })?;
    eprintln!(
        "{}: wrote a starter policy; edit it, then `orgcheck policy validate`",
        path.display()
    );
    Ok(Exit::Ok)
}

fn rule_fields(a: &RuleArgs) -> RuleFields {
    // `all` (`*` for jobs) removes the key: every value. The rest are identifiers clap has
    // checked.
    let ci = a.ci.clone().map(|v| match v.iter().any(|c| c == "all") {
        true => Change::Remove,
        false => Change::Set(v.iter().filter_map(|c| CiSystem::from_id(c)).collect()),
    });
    let jobs = a
        .jobs
        .as_deref()
        .map(split_list)
        .map(|v| match v.iter().all(|j| j == "*") {
            true => Change::Remove,
            false => Change::Set(v),
        });
    let events = a
        .events
        .clone()
        .map(|v| match v.iter().any(|e| e == "all") {
            true => Change::Remove,
            false => Change::Set(v),
        });
    let text = |flag: &Option<String>| flag.as_deref().map(Change::from_flag);
    RuleFields {
        id: a.id.clone(),
        description: a.description.clone(),
        run: a.run.clone(),
        uses: a.uses.clone(),
        match_mode: a.match_mode,
        version: text(&a.version_range),
        ci,
        jobs,
        events,
        severity: a.severity,
        enforce_from: text(&a.enforce_from),
        fix: text(&a.fix),
        kinds: a.kinds.clone(),
    }
}

fn changes_nothing(a: &RuleArgs) -> bool {
    a.id.is_none()
        && a.description.is_none()
        && a.run.is_none()
        && a.uses.is_none()
        && a.match_mode.is_none()
        && a.version_range.is_none()
        && a.ci.is_none()
        && a.jobs.is_none()
        && a.events.is_none()
        && a.severity.is_none()
        && a.enforce_from.is_none()
        && a.fix.is_none()
        && !a.kinds.is_set()
}

fn rule_json(r: &policy::Rule) -> serde_json::Value {
    let selector = r.selector.as_ref().map(|s| match s {
        policy::Selector::Run(m) => ("run", m.text().to_string(), Some(m.mode().id())),
        policy::Selector::Uses { name, version } => (
            "uses",
            version
                .as_ref()
                .map_or(name.text.clone(), |v| format!("{}@{}", name.text, v.text)),
            None,
        ),
    });
    let mut v = serde_json::json!({
        "id": r.id,
        "description": r.description,
        "ci": r.ci.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "jobs": r.jobs.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(),
    });
    if let Some((kind, selector, mode)) = selector {
        v[kind] = selector.into();
        if let Some(m) = mode {
            v["match"] = m.into();
        }
    }
    crate::kind::json(r, &mut v);
    if !r.events.is_empty() {
        v["events"] = r.events.clone().into();
    }
    if let Some(c) = r.version() {
        v["version"] = c.text.clone().into();
    }
    if r.severity != policy::Severity::Error {
        v["severity"] = r.severity.id().into();
    }
    if let Some(d) = r.enforce_from {
        v["enforce-from"] = d.to_string().into();
    }
    if let Some(fix) = &r.fix {
        v["fix"] = fix.clone().into();
    }
    v
}

fn json_line(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serializes");
    s.push('\n');
    s
}

fn rule_text(r: &policy::Rule) -> String {
    let jobs: Vec<&str> = r.jobs.iter().map(|p| p.text.as_str()).collect();
    let ci: Vec<&str> = r.ci.iter().map(|c| c.id()).collect();
    let mut lines = vec![
        ("id", r.id.clone()),
        ("description", r.description.clone()),
        ("step", r.selector_text()),
        ("ci", ci.join(", ")),
        (
            "jobs",
            if jobs.is_empty() {
                "(every job)".into()
            } else {
                jobs.join(", ")
            },
        ),
    ];
    // Shown only when set, so rules that do not use them read as before.
    if let Some(c) = r.version() {
        lines.push(("version", c.text.clone()));
    }
    if !r.events.is_empty() {
        lines.push(("events", r.events.join(", ")));
    }
    if r.severity != policy::Severity::Error {
        lines.push(("severity", r.severity.id().to_string()));
    }
    lines.extend(crate::kind::show(r));
    if let Some(d) = r.enforce_from {
        lines.push(("enforce-from", d.to_string()));
    }
    if let Some(fix) = &r.fix {
        lines.push(("fix", fix.clone()));
    }
    lines
        .iter()
        .map(|(label, value)| {
            let head = format!("{label}:");
            let gap = if head.len() >= 13 { " " } else { "" };
            format!("{head:<13}{gap}{value}\n")
        })
        .collect()
}

fn list(p: &Policy, format: ListFormat, today: Date) -> String {
    if format == ListFormat::Json {
        return list_json(p, today);
    }
    let rows: Vec<[String; 4]> = p
        .rules
        .iter()
        .map(|r| {
            [
                r.id.clone(),
                r.selector_text(),
                crate::kind::where_text(r),
                r.description.clone(),
            ]
        })
        .collect();
    let header = [
        "ID".to_string(),
        "STEP".into(),
        "WHERE".into(),
        "DESCRIPTION".into(),
    ];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        out.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}\n",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    out.push_str(&exemptions_text(p, today));
    out
}

/// `policy list --format json`.
fn list_json(p: &Policy, today: Date) -> String {
    let exemptions: Vec<serde_json::Value> = p
        .exemptions
        .iter()
        .map(|e| {
            serde_json::json!({
                "repositories": e.repositories.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
                "rules": e.rules,
                "reason": e.reason,
                "expires": e.expires.map(|d| d.to_string()),
                "expired": e.is_expired(today),
            })
        })
        .collect();
    json_line(&serde_json::json!({
        "rules": p.rules.iter().map(rule_json).collect::<Vec<_>>(),
        "exemptions": exemptions,
    }))
}

/// The exemptions under `policy list`'s table, when there are any.
fn exemptions_text(p: &Policy, today: Date) -> String {
    if p.exemptions.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nEXEMPTIONS\n");
    for e in &p.exemptions {
        let repos: Vec<&str> = e.repositories.iter().map(|r| r.text.as_str()).collect();
        let rules = rules_named(&e.rules);
        let until = match e.expires {
            Some(d) if e.is_expired(today) => format!(" (expired {d})"),
            Some(d) => format!(" (until {d})"),
            None => String::new(),
        };
        out.push_str(&format!(
            "{} from {rules}{until}: {}\n",
            repos.join(", "),
            e.reason
        ));
    }
    out
}

/// Read the base policy: a file, or `REF:PATH` through git.
fn read_base(base: &str) -> Result<(String, String), RunError> {
    if Path::new(base).is_file() {
        let text = std::fs::read_to_string(base).map_err(|source| RunError::Io {
            path: base.to_string(),
            source,
        })?;
        return Ok((base.to_string(), text));
    }
    if base.contains(':') {
        let out = std::process::Command::new("git")
            .args(["show", base])
            .output()
            .map_err(|source| RunError::Io {
                path: "git".into(),
                source,
            })?;
        if out.status.success() {
            return Ok((
                base.to_string(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            ));
        }
        return Err(RunError::Usage(format!(
            "--base {base}: git could not read it: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Err(RunError::Usage(format!(
        "--base {base}: not a file, nor REF:PATH for git"
    )))
}

fn diff_cmd(
    path: &Path,
    base: &str,
    local: Option<&Path>,
    org: Option<&str>,
    gh: &GitHubArgs,
    format: DiffFormat,
    env: &Env,
) -> Result<Exit, RunError> {
    // A bad $ORGCHECK_TODAY is refused before reading anything.
    let today = env.today()?;
    let new = load(path)?;
    let (shown, text) = read_base(base)?;
    let old = policy::parse(&shown, &text)?;
    let d = diff::diff(&old, &new);
    let repos = match (local, org) {
        (Some(dir), _) => {
            Some(source::local::scan_dir(dir, new.limits, &new.resolve_owners)?.repositories)
        }
        (None, Some(org)) => {
            // Scope may differ between the policies: read with no scope, judge with each.
            let everything = Policy {
                scope: policy::Scope {
                    skip_archived: false,
                    skip_forks: false,
                    ..Default::default()
                },
                ..new.clone()
            };
            let session =
                github::Session::start(gh, env, &format!("/orgs/{org}/installation"), true)?;
            Some(session.read_org_all(org, &everything, true)?.0)
        }
        (None, None) => None,
    };
    let scanned = match (local, org) {
        (Some(dir), _) => crate::report::Scanned::Local(dir.display().to_string()),
        (None, org) => crate::report::Scanned::Org(org.unwrap_or_default().to_string()),
    };
    let judge = |p: &Policy, label: &str, repos: &[crate::source::Repository]| -> Report {
        let cx = Context {
            source: scanned.clone(),
            policy_path: label.to_string(),
            today,
            incomplete: None,
        };
        eval::evaluate(p, repos, &cx)
    };
    let effect = repos.as_deref().map(|r| {
        impact::impact(
            &judge(&old, &shown, r),
            &judge(&new, &path.display().to_string(), r),
        )
    });
    let text = match format {
        DiffFormat::Markdown => impact::render_markdown(&d, effect.as_ref()),
        DiffFormat::Json => json_line(&serde_json::json!({ "policy": d, "impact": effect })),
    };
    write_output(None, &text)?;
    Ok(Exit::Ok)
}

//! The impact of a policy change: the same repositories judged by the old and the new policy,
//! and which repositories and jobs change. Rendered for a pull-request comment.

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::{Report, Status};
use crate::policy::diff::PolicyDiff;

/// Repositories whose verdict or jobs change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Impact {
    /// Repositories judged.
    pub repositories: usize,
    /// Those that change, by name.
    pub changes: Vec<RepoChange>,
}

/// One repository that changes.
#[derive(Debug, Clone, Serialize)]
pub struct RepoChange {
    /// Name.
    pub name: String,
    /// Status under the old policy (`None`: not scanned, e.g. out of scope).
    pub old: Option<Status>,
    /// Status under the new policy.
    pub new: Option<Status>,
    /// Jobs whose missing steps change.
    pub jobs: Vec<JobChange>,
}

/// One job whose missing steps change.
#[derive(Debug, Clone, Serialize)]
pub struct JobChange {
    /// The job.
    pub job: String,
    /// Its file.
    pub file: String,
    /// Rules it newly fails (required steps missing, forbidden steps found, ...).
    pub newly_missing: Vec<String>,
    /// Rules it no longer fails.
    pub no_longer_missing: Vec<String>,
}

/// The rules some findings fail, in order: warnings do not fail, so moving `enforce-from`
/// earlier shows the jobs it turns red.
fn rules<'r>(findings: impl Iterator<Item = &'r Finding>) -> Vec<String> {
    findings
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule.clone())
        .collect()
}

/// Compare two reports of the same repositories.
pub fn impact(old: &Report, new: &Report) -> Impact {
    let mut names: Vec<&str> = old
        .repositories
        .iter()
        .chain(&new.repositories)
        .map(|r| r.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut changes = Vec::new();
    for name in names {
        let a = old.repositories.iter().find(|r| r.name == name);
        let b = new.repositories.iter().find(|r| r.name == name);
        let mut jobs = Vec::new();
        if let (Some(a), Some(b)) = (a, b) {
            let (ma, mb) = (rules(a.repo_findings()), rules(b.repo_findings()));
            let newly: Vec<String> = mb.iter().filter(|m| !ma.contains(m)).cloned().collect();
            let gone: Vec<String> = ma.iter().filter(|m| !mb.contains(m)).cloned().collect();
            if !newly.is_empty() || !gone.is_empty() {
                // `any-job` rules are judged on the repository, not on one job.
                jobs.push(JobChange {
                    job: "(any job)".into(),
                    file: String::new(),
                    newly_missing: newly,
                    no_longer_missing: gone,
                });
            }
            for (ib, jb) in b.jobs.iter().enumerate() {
                let before = a
                    .jobs
                    .iter()
                    .position(|j| j.name == jb.name && j.file == jb.file)
                    .map(|ia| rules(a.job_findings(ia)))
                    .unwrap_or_default();
                let after = rules(b.job_findings(ib));
                let newly: Vec<String> = after
                    .iter()
                    .filter(|m| !before.contains(m))
                    .cloned()
                    .collect();
                let gone: Vec<String> = before
                    .iter()
                    .filter(|m| !after.contains(m))
                    .cloned()
                    .collect();
                if !newly.is_empty() || !gone.is_empty() {
                    jobs.push(JobChange {
                        job: jb.name.clone(),
                        file: jb.file.clone(),
                        newly_missing: newly,
                        no_longer_missing: gone,
                    });
                }
            }
        }
        let (old_status, new_status) = (a.map(|r| r.status), b.map(|r| r.status));
        if old_status != new_status || !jobs.is_empty() {
            changes.push(RepoChange {
                name: name.to_string(),
                old: old_status,
                new: new_status,
                jobs,
            });
        }
    }
    Impact {
        repositories: new.repositories.len().max(old.repositories.len()),
        changes,
    }
}

fn status(s: Option<Status>) -> &'static str {
    s.map_or("not scanned", Status::as_str)
}

/// The review comment: rule changes, then (when a scan was given) their impact.
pub fn render_markdown(diff: &PolicyDiff, impact: Option<&Impact>) -> String {
    let esc = super::markdown::escape;
    let mut out = String::from("## orgcheck policy change\n\n");
    if diff.is_empty() {
        out.push_str("The policies are equivalent: no rule, exemption or scope changes.\n");
    }
    let list = |out: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            out.push_str(&format!("**{title}**\n\n"));
            for i in items {
                out.push_str(&format!("- {}\n", esc(i)));
            }
            out.push('\n');
        }
    };
    list(&mut out, "Rules added", &diff.added);
    list(&mut out, "Rules removed", &diff.removed);
    if !diff.changed.is_empty() {
        out.push_str(
            "**Rules changed**\n\n| Rule | Field | Before | After |\n| --- | --- | --- | --- |\n",
        );
        for c in &diff.changed {
            for f in &c.fields {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    esc(&c.id),
                    f.field,
                    esc(&f.old),
                    esc(&f.new)
                ));
            }
        }
        out.push('\n');
    }
    list(&mut out, "Exemptions added", &diff.exemptions_added);
    list(&mut out, "Exemptions removed", &diff.exemptions_removed);
    if !diff.settings_changed.is_empty() {
        out.push_str("**Scope and settings changed**\n\n");
        for f in &diff.settings_changed {
            out.push_str(&format!(
                "- `{}`: {} → {}\n",
                f.field,
                esc(&f.old),
                esc(&f.new)
            ));
        }
        out.push('\n');
    }
    if let Some(impact) = impact {
        out.push_str(&impact_markdown(impact));
    }
    out
}

/// Which repositories and jobs change status, as a table.
fn impact_markdown(impact: &Impact) -> String {
    let esc = super::markdown::escape;
    let mut out = String::new();
    out.push_str(&format!(
        "### Impact on {} repositories\n\n",
        impact.repositories
    ));
    if impact.changes.is_empty() {
        out.push_str("No repository or job changes status.\n");
    } else {
        out.push_str("| Repository | Before | After | Jobs |\n| --- | --- | --- | --- |\n");
        for c in &impact.changes {
            let jobs: Vec<String> = c
                .jobs
                .iter()
                .map(|j| {
                    let mut parts = Vec::new();
                    if !j.newly_missing.is_empty() {
                        parts.push(format!("now fails {}", j.newly_missing.join(", ")));
                    }
                    if !j.no_longer_missing.is_empty() {
                        parts.push(format!(
                            "no longer fails {}",
                            j.no_longer_missing.join(", ")
                        ));
                    }
                    format!("{}: {}", esc(&j.job), parts.join("; "))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                esc(&c.name),
                status(c.old),
                status(c.new),
                jobs.join("<br>")
            ));
        }
    }
    out
}

//! Compiler-style text, one line per finding: for terminals, pre-commit hooks and CI logs.

use super::{Report, Status};

/// Render findings as `file:line: message` lines and a closing summary line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let multi = report.repositories.len() > 1;
    for repo in &report.repositories {
        let prefix = if multi {
            format!("{}/", repo.name)
        } else {
            String::new()
        };
        for p in &repo.errors {
            match (&p.file, p.line) {
                (Some(f), Some(l)) => {
                    out.push_str(&format!("{prefix}{f}:{l}: error: {}\n", p.message))
                }
                (Some(f), None) => out.push_str(&format!("{prefix}{f}: error: {}\n", p.message)),
                _ => out.push_str(&format!("{}: error: {}\n", repo.name, p.message)),
            }
        }
        for job in &repo.jobs {
            for id in &job.missing {
                let what = report
                    .rules
                    .iter()
                    .find(|r| &r.id == id)
                    .map(|r| r.description.as_str());
                out.push_str(&format!(
                    "{prefix}{}:{}: job `{}` misses `{id}`{}\n",
                    job.file,
                    job.line,
                    job.name,
                    what.map(|d| format!(" ({d})")).unwrap_or_default()
                ));
            }
        }
        for id in &repo.missing {
            out.push_str(&format!("{}: no job runs `{id}`\n", repo.name));
        }
        for e in repo.exemptions.iter().filter(|e| e.expired) {
            out.push_str(&format!(
                "{}: note: exemption ({}) expired on {}\n",
                repo.name,
                e.reason,
                e.expires.as_deref().unwrap_or("?")
            ));
        }
        if multi || repo.status != Status::NonCompliant {
            out.push_str(&format!("{}: {}\n", repo.name, repo.status.as_str()));
        }
    }
    let s = &report.summary;
    let noun = if s.repositories == 1 {
        "repository"
    } else {
        "repositories"
    };
    out.push_str(&format!(
        "{} {noun}: {}, {} skipped\n",
        s.repositories,
        s.counts(),
        s.skipped
    ));
    out
}

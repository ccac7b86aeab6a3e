//! Compiler-style text, one line per finding: for terminals, pre-commit hooks and CI logs.

use super::finding::Severity;
use super::{Report, Status};

/// Text from repositories on one terminal line: control characters (newlines, escape
/// sequences that would move the cursor or retitle the terminal) become U+FFFD.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Render findings as `file:line: message` lines and a closing summary line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let multi = report.repositories.len() > 1;
    for repo in &report.repositories {
        let prefix = if multi {
            format!("{}/", clean(&repo.name))
        } else {
            String::new()
        };
        let name = clean(&repo.name);
        for p in &repo.errors {
            let (message, file) = (clean(&p.message), p.file.as_deref().map(clean));
            match (file, p.line) {
                (Some(f), Some(l)) => out.push_str(&format!("{prefix}{f}:{l}: error: {message}\n")),
                (Some(f), None) => out.push_str(&format!("{prefix}{f}: error: {message}\n")),
                _ => out.push_str(&format!("{name}: error: {message}\n")),
            }
        }
        for finding in &repo.findings {
            // Errors read as before; warnings say so, as compilers do.
            let level = match finding.severity {
                Severity::Error => "",
                Severity::Warning => "warning: ",
            };
            match finding.job.and_then(|i| repo.jobs.get(i)) {
                Some(job) => {
                    let what = report
                        .rule(&finding.rule)
                        .map(|r| format!(" ({})", clean(&r.description)))
                        .unwrap_or_default();
                    let file = finding.file.as_deref().unwrap_or(&job.file);
                    out.push_str(&format!(
                        "{prefix}{}:{}: {level}job `{}` {}{what}\n",
                        clean(file),
                        finding.line.unwrap_or(job.line),
                        clean(&job.name),
                        clean(&finding.summary())
                    ));
                }
                None => out.push_str(&format!("{name}: {level}{}\n", finding.summary())),
            }
        }
        notes(repo, &prefix, &name, &mut out);
        if multi || repo.status != Status::NonCompliant {
            let owners = match repo.owners.as_slice() {
                [] => String::new(),
                owners => format!(" (owners: {})", clean(&owners.join(", "))),
            };
            out.push_str(&format!("{name}: {}{owners}\n", repo.status.as_str()));
        }
    }
    closing_notes(report, &mut out);
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

/// What the reader should know about the run as a whole: how it read, and calls it could not
/// follow.
fn closing_notes(report: &Report, out: &mut String) {
    for note in &report.notes {
        out.push_str(&format!("note: {}\n", clean(note)));
    }
    let n = report.summary.unfollowed;
    if n > 0 {
        out.push_str(&format!(
            "{n} {} into other repositories could not be followed; their jobs are not verifiable\n",
            if n == 1 { "call" } else { "calls" }
        ));
    }
}

/// A repository's notes: jobs that never run, calls not followed, expired exemptions.
fn notes(repo: &super::RepoReport, prefix: &str, name: &str, out: &mut String) {
    for job in &repo.not_run {
        out.push_str(&format!(
            "{prefix}{}:{}: note: job `{}` never runs ({}); not judged\n",
            clean(&job.file),
            job.line,
            clean(&job.name),
            clean(&job.reason)
        ));
    }
    for u in &repo.unfollowed {
        out.push_str(&format!(
            "{prefix}{}:{}: note: `{}` was not followed: {}\n",
            clean(&u.path),
            u.line,
            clean(&u.target),
            clean(&u.reason)
        ));
    }
    for e in repo.exemptions.iter().filter(|e| e.expired) {
        out.push_str(&format!(
            "{name}: note: exemption ({}) expired on {}\n",
            clean(&e.reason),
            e.expires.as_deref().unwrap_or("?")
        ));
    }
}

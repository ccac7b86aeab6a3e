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
        for job in &repo.not_run {
            out.push_str(&format!(
                "{prefix}{}:{}: note: job `{}` never runs ({}); not judged\n",
                clean(&job.file),
                job.line,
                clean(&job.name),
                clean(&job.reason)
            ));
        }
        for e in repo.exemptions.iter().filter(|e| e.expired) {
            out.push_str(&format!(
                "{name}: note: exemption ({}) expired on {}\n",
                clean(&e.reason),
                e.expires.as_deref().unwrap_or("?")
            ));
        }
        if multi || repo.status != Status::NonCompliant {
            out.push_str(&format!("{name}: {}\n", repo.status.as_str()));
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

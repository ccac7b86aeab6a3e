//! CSV, one row per finding (and per problem of a repository that could not be checked), for a
//! spreadsheet: who owns what, which rule, where. Cells are quoted as RFC 4180 says, and a
//! cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) starts with `'`.

use super::{Report, Status};
use crate::choice::Choice;

/// The header row.
const HEADER: [&str; 11] = [
    "repository",
    "owners",
    "status",
    "rule",
    "kind",
    "severity",
    "job",
    "file",
    "line",
    "url",
    "message",
];

/// Render the report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    row(&mut out, HEADER.iter().map(|s| s.to_string()));
    for repo in &report.repositories {
        let owners = repo.owners.join(" ");
        let status = repo.status.as_str().to_string();
        for f in &repo.findings {
            let job = f.job.and_then(|i| repo.jobs.get(i));
            let file = f.file.clone().or_else(|| job.map(|j| j.file.clone()));
            let line = f.line.or(job.map(|j| j.line));
            let url = match (&file, line) {
                (Some(file), Some(line)) => repo.line_url(file, line),
                _ => None,
            };
            let message = f.summary();
            row(
                &mut out,
                [
                    repo.name.clone(),
                    owners.clone(),
                    status.clone(),
                    f.rule.clone(),
                    f.kind.id().to_string(),
                    f.severity.id().to_string(),
                    job.map(|j| j.name.clone()).unwrap_or_default(),
                    file.unwrap_or_default(),
                    line.map(|l| l.to_string()).unwrap_or_default(),
                    url.unwrap_or_default(),
                    message,
                ],
            );
        }
        if repo.status == Status::Error {
            for p in &repo.errors {
                let url = match (&p.file, p.line) {
                    (Some(file), Some(line)) => repo.line_url(file, line),
                    _ => None,
                };
                row(
                    &mut out,
                    [
                        repo.name.clone(),
                        owners.clone(),
                        status.clone(),
                        String::new(),
                        "error".into(),
                        "error".into(),
                        String::new(),
                        p.file.clone().unwrap_or_default(),
                        p.line.map(|l| l.to_string()).unwrap_or_default(),
                        url.unwrap_or_default(),
                        p.message.clone(),
                    ],
                );
            }
        }
    }
    out
}

fn row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One cell, quoted when it must be, defused when a spreadsheet would run it.
fn cell(s: &str) -> String {
    let defused = match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\"\nthere"), "\"say \"\"hi\"\"\nthere\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@acme/web"), "'@acme/web");
        assert_eq!(cell("-1+2"), "'-1+2");
    }
}

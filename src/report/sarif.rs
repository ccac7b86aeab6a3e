//! SARIF 2.1.0 for code scanning: each missing step is a result at the CI file and job line;
//! rules carry the policy's ids and descriptions. Accepted by github/codeql-action/upload-sarif.

use serde_json::{Value, json};

use super::finding::Finding;
use super::{JobReport, RepoReport, Report};
use crate::choice::Choice;
use crate::ci::remote::Remote;

/// SARIF's schema address, as code scanning expects it.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Render the report as a SARIF log with one run.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": kebab_to_camel(&r.id),
                "shortDescription": { "text": r.description },
                "fullDescription": { "text": format!("{} ({}, {})", r.description, r.selector, r.require) },
                "help": { "text": r.help },
                "defaultConfiguration": { "level": r.severity.id() },
                "properties": { "tags": ["ci", "compliance"] }
            })
        })
        .collect();
    // A single repository (check, or upload per repository): paths are relative to its root.
    // Several: prefixed with the repository name so results stay distinct.
    let single = report.repositories.len() == 1;
    let mut results = Vec::new();
    for repo in &report.repositories {
        let uri = |file: &str| {
            if single {
                file.to_string()
            } else {
                format!("{}/{file}", repo.name)
            }
        };
        for finding in &repo.findings {
            let rule = report.rules.iter().position(|r| r.id == finding.rule);
            let description = rule.map_or("", |i| report.rules[i].description.as_str());
            results.push(result(repo, finding, rule, description, &uri));
        }
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "orgcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/orgcheck/orgcheck",
                "rules": rules
            } },
            "automationDetails": { "id": format!("orgcheck/{}/", report.source) },
            "results": results
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).expect("serializes");
    out.push('\n');
    out
}

/// One finding as a SARIF result: at the step or job it is about, or, for the repository as a
/// whole, at its first job's file.
fn result(
    repo: &RepoReport,
    finding: &Finding,
    rule_index: Option<usize>,
    description: &str,
    uri: &dyn Fn(&str) -> String,
) -> Value {
    let id = finding.rule.as_str();
    match finding.job.and_then(|i| repo.jobs.get(i)) {
        Some(job) => {
            let file = finding.file.as_deref().unwrap_or(&job.file);
            let line = finding.line.unwrap_or(job.line);
            let shown = shown_at(file, line, job);
            let mut text = finding.sentence(&job.name, description);
            let mut result = json!({
                "ruleId": id,
                "ruleIndex": rule_index,
                "level": finding.severity.id(),
                "locations": [location(&uri(shown.0), shown.1, &job.name)],
                "partialFingerprints": { "orgcheck/v1": format!(
                    "{}:{}:{}:{id}{}",
                    repo.name,
                    job.file,
                    job.name,
                    finding.detail.as_deref().map(|d| format!(":{d}")).unwrap_or_default()
                ) },
                "properties": { "repository": repo.name, "owners": repo.owners, "job": job.name, "ci": job.ci }
            });
            if shown.0 != file {
                // Code scanning shows only files of the repository it scans: the result sits
                // where this repository leads to the shared file, which is named and linked.
                text.push_str(&format!(" (in {file}, line {line})"));
                if let Some(url) = super::file_url(repo.blob_url.as_deref(), file, None) {
                    result["relatedLocations"] = json!([{
                        "id": 1,
                        "physicalLocation": {
                            "artifactLocation": { "uri": url },
                            "region": { "startLine": line.max(1) }
                        },
                        "message": { "text": file }
                    }]);
                }
            }
            result["message"] = json!({ "text": text });
            result
        }
        None => {
            let (file, line) = repo
                .jobs
                .first()
                .map(|j| shown_at(&j.file, j.line, j))
                .unwrap_or((".", 1));
            json!({
                "ruleId": id,
                "ruleIndex": rule_index,
                "level": finding.severity.id(),
                "message": { "text": finding.sentence(&repo.name, description) },
                "locations": [location(&uri(file), line, "")],
                "partialFingerprints": { "orgcheck/v1": format!("{}:any:{id}", repo.name) },
                "properties": { "repository": repo.name, "owners": repo.owners }
            })
        }
    }
}

/// Where code scanning can show `file:line` of `job`: there, when the file is the scanned
/// repository's; else the job's own line, when its file is; else where the repository calls
/// the shared workflow the job comes from.
fn shown_at<'a>(file: &'a str, line: usize, job: &'a JobReport) -> (&'a str, usize) {
    let local = |f: &str| Remote::from_path(f).is_none();
    if local(file) {
        (file, line)
    } else if local(&job.file) {
        (&job.file, job.line)
    } else if let Some(at) = &job.called_at {
        (&at.path, at.line)
    } else {
        (file, line)
    }
}

fn location(uri: &str, line: usize, job: &str) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": { "startLine": line.max(1) }
        }
    });
    if !job.is_empty() {
        loc["logicalLocations"] = json!([{ "name": job, "kind": "job" }]);
    }
    loc
}

fn kebab_to_camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

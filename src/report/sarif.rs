//! SARIF 2.1.0 for code scanning: each missing step is a result at the CI file and job line;
//! rules carry the policy's ids and descriptions. Accepted by github/codeql-action/upload-sarif.

use serde_json::{Value, json};

use super::finding::Finding;
use super::{RepoReport, Report};
use crate::choice::Choice;

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
        Some(job) => json!({
            "ruleId": id,
            "ruleIndex": rule_index,
            "level": finding.severity.id(),
            "message": { "text": finding.sentence(&job.name, description) },
            "locations": [location(
                &uri(finding.file.as_deref().unwrap_or(&job.file)),
                finding.line.unwrap_or(job.line),
                &job.name
            )],
            "partialFingerprints": { "orgcheck/v1": format!(
                "{}:{}:{}:{id}{}",
                repo.name,
                job.file,
                job.name,
                finding.detail.as_deref().map(|d| format!(":{d}")).unwrap_or_default()
            ) },
            "properties": { "repository": repo.name, "owners": repo.owners, "job": job.name, "ci": job.ci }
        }),
        None => {
            let (file, line) = repo
                .jobs
                .first()
                .map(|j| (j.file.as_str(), j.line))
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

//! What `orgcheck inspect` prints: the common model of each file, as JSON or an outline.
//! The JSON shape is a stable interface for people debugging policies.

use serde::Serialize;

use crate::ci::{CiError, CiSystem, JobKind, Pipeline, Step, StepKind};

/// One inspected file.
#[derive(Debug, Serialize)]
pub struct FileView {
    /// The path as given.
    pub path: String,
    /// The CI system it was read as.
    pub ci: CiSystem,
    /// Jobs, when the file was understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<JobView>>,
    /// Why the file was not understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Line of the error, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One job.
#[derive(Debug, Serialize)]
pub struct JobView {
    /// The job's id (its key under `jobs:`).
    pub name: String,
    /// Line of the job.
    pub line: usize,
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// A local reusable workflow this job calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<String>,
    /// Why orgcheck cannot see this job's steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verifiable: Option<String>,
}

impl FileView {
    /// The view of a parse result.
    pub fn new(path: &str, ci: CiSystem, parsed: Result<Pipeline, CiError>) -> Self {
        match parsed {
            Ok(p) => FileView {
                path: path.to_string(),
                ci,
                jobs: Some(
                    p.jobs
                        .into_iter()
                        .map(|j| JobView {
                            name: j.name,
                            line: j.line,
                            steps: j.steps,
                            calls: match &j.kind {
                                JobKind::LocalWorkflow(t) => Some(t.clone()),
                                _ => None,
                            },
                            not_verifiable: match j.kind {
                                JobKind::NotVerifiable(w) => Some(w),
                                _ => None,
                            },
                        })
                        .collect(),
                ),
                error: None,
                line: None,
            },
            Err(e) => FileView {
                path: path.to_string(),
                ci,
                jobs: None,
                error: Some(e.message),
                line: e.line,
            },
        }
    }
}

/// Render as pretty JSON.
pub fn render_json(files: &[FileView]) -> String {
    let mut out = serde_json::to_string_pretty(files).expect("serializes");
    out.push('\n');
    out
}

/// Render as an outline: file, jobs, numbered steps with lines.
pub fn render_text(files: &[FileView]) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(&format!("{} ({})\n", f.path, f.ci));
        if let Some(e) = &f.error {
            let at = f.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            out.push_str(&format!("  error: {at}{e}\n"));
        }
        for j in f.jobs.iter().flatten() {
            let note = match (&j.calls, &j.not_verifiable) {
                (Some(c), _) => format!(" → calls {c}"),
                (_, Some(w)) => format!(" (not verifiable: {w})"),
                _ if j.steps.is_empty() => " (no steps)".to_string(),
                _ => String::new(),
            };
            out.push_str(&format!("  job {} (line {}){note}\n", j.name, j.line));
            for s in &j.steps {
                let text = match &s.kind {
                    StepKind::Run(c) => format!("run: {}", one_line(c)),
                    StepKind::Uses(u) => match &s.version {
                        Some(v) => format!("uses: {u} ({v})"),
                        None => format!("uses: {u}"),
                    },
                };
                out.push_str(&format!("    {:>5}  {text}\n", s.line));
            }
        }
    }
    out
}

fn one_line(s: &str) -> String {
    let s = s.trim();
    let first = s.lines().next().unwrap_or_default();
    if s.lines().count() > 1 {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

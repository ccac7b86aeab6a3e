//! What `orgcheck inspect` prints: the common model of each file, as JSON or an outline.
//! The JSON shape is a stable interface for people debugging policies.

use serde::Serialize;

use crate::ci::{CiError, CiSystem, Image, Job, JobKind, NotRun, Pipeline, Step, StepKind};

/// One inspected file.
#[derive(Debug, Serialize)]
pub struct FileView {
    /// The path as given.
    pub path: String,
    /// The CI system it was read as.
    pub ci: CiSystem,
    /// Job instances that run, when the file was understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<JobView>>,
    /// Jobs defined but never run, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<NotRunView>,
    /// Why the file was not understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Line of the error, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One job instance.
#[derive(Debug, Serialize)]
pub struct JobView {
    /// The instance's name, as the CI service shows it.
    pub name: String,
    /// The job definition it runs (its key under `jobs:`).
    pub job: String,
    /// The workflow that runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// Line of the job.
    pub line: usize,
    /// The container images it runs in or beside, for `image` rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// A local reusable workflow this job calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<String>,
    /// Why orgcheck cannot see this job's steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verifiable: Option<String>,
}

/// A job that never runs.
#[derive(Debug, Serialize)]
pub struct NotRunView {
    /// The job's name.
    pub name: String,
    /// Line of its definition.
    pub line: usize,
    /// Why, as an identifier (as in the JSON report).
    pub kind: &'static str,
    /// Why, in words.
    pub reason: String,
}

impl JobView {
    fn new(j: Job) -> Self {
        JobView {
            name: j.name,
            job: j.definition,
            workflow: j.workflow,
            line: j.line,
            images: j.images,
            steps: j.steps,
            calls: match &j.kind {
                JobKind::Calls(call) => Some(call.target.clone()),
                _ => None,
            },
            not_verifiable: match j.kind {
                JobKind::NotVerifiable(w) => Some(w),
                _ => None,
            },
        }
    }
}

impl NotRunView {
    fn new(n: NotRun) -> Self {
        NotRunView {
            name: n.job.name,
            line: n.job.line,
            kind: n.reason.kind(),
            reason: n.reason.to_string(),
        }
    }
}

impl FileView {
    /// The view of a parse result.
    pub fn new(path: &str, ci: CiSystem, parsed: Result<Pipeline, CiError>) -> Self {
        match parsed {
            Ok(p) => FileView {
                path: path.to_string(),
                ci,
                jobs: Some(p.jobs.into_iter().map(JobView::new).collect()),
                not_run: p.not_run.into_iter().map(NotRunView::new).collect(),
                error: None,
                line: None,
            },
            Err(e) => FileView {
                path: path.to_string(),
                ci,
                jobs: None,
                not_run: Vec::new(),
                error: Some(e.message),
                line: e.line,
            },
        }
    }

    /// The views of a whole repository as orgcheck judges it: one per pipeline (continuations
    /// followed, local actions expanded), then one per file it could not understand. Paths are
    /// shown under `root`.
    pub fn of_repository(root: &str, ci: crate::ci::RepositoryCi) -> Vec<Self> {
        let shown = |path: &str| format!("{}/{path}", root.trim_end_matches('/'));
        let mut views: Vec<Self> = ci
            .pipelines
            .into_iter()
            .map(|p| (shown(&p.path), p.ci, p))
            .map(|(path, ci, p)| FileView::new(&path, ci, Ok(p)))
            .collect();
        for e in ci.errors {
            let ci = CiSystem::of_repo_path(&e.path).unwrap_or(CiSystem::GithubActions);
            views.push(FileView::new(&shown(&e.path), ci, Err(e)));
        }
        views
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
            let runs = match (&j.workflow, j.job == j.name) {
                (Some(w), true) => format!(", workflow {w}"),
                (Some(w), false) => format!(", runs {} in workflow {w}", j.job),
                (None, false) => format!(", runs {}", j.job),
                (None, true) => String::new(),
            };
            out.push_str(&format!("  job {} (line {}{runs}){note}\n", j.name, j.line));
            for i in &j.images {
                out.push_str(&format!("    {:>5}  image: {}\n", i.line, i.reference));
            }
            for s in &j.steps {
                let text = match &s.kind {
                    StepKind::Run(c) => format!("run: {}", one_line(c)),
                    StepKind::Uses(u) => match &s.version {
                        Some(v) => format!("uses: {u} ({v})"),
                        None => format!("uses: {u}"),
                    },
                };
                let at = match &s.file {
                    Some(file) => format!("{file}:{}", s.line),
                    None => s.line.to_string(),
                };
                // Steps of one `parallel:` group run at once: shown under the group's line.
                let text = match s.parallel {
                    Some(group) => format!("∥ {text}  (parallel group, line {group})"),
                    None => text,
                };
                out.push_str(&format!("    {at:>5}  {text}\n"));
            }
        }
        for n in &f.not_run {
            out.push_str(&format!(
                "  not run: {} (line {}): {}\n",
                n.name, n.line, n.reason
            ));
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

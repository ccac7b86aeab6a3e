//! The GitHub Actions runtime: the job summary (`$GITHUB_STEP_SUMMARY`) and step outputs
//! (`$GITHUB_OUTPUT`).

use std::io::Write;
use std::path::Path;

use crate::report::Report;

/// GitHub drops a step summary over 1 MiB.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// What orgcheck's summary may take, in bytes: far below GitHub's limit, because a summary of
/// thousands of lines is not read (and other steps may add to the same summary). It is trimmed
/// the way the issue is, so it too names every failing repository first.
pub const SUMMARY_BUDGET: usize = 128 * 1024;

/// A warning annotation (`::warning title=orgcheck::…`), shown on the run's page. The message
/// is escaped as GitHub's toolkit escapes command data, so no text can end the command or
/// start another one.
pub fn warning(message: &str) -> String {
    let data = message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    format!("::warning title=orgcheck::{data}")
}

/// Append Markdown to the job summary file.
pub fn append_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    Ok(())
}

/// The step outputs orgcheck sets.
pub fn outputs(
    report: &Report,
    issue_url: Option<&str>,
    report_path: Option<&Path>,
    also: &[std::path::PathBuf],
) -> Vec<(&'static str, String)> {
    let reports: Vec<String> = report_path
        .into_iter()
        .chain(also.iter().map(|p| p.as_path()))
        .map(|p| p.display().to_string())
        .collect();
    let s = &report.summary;
    vec![
        ("compliant", report.is_passing().to_string()),
        ("repositories", s.repositories.to_string()),
        ("non-compliant", s.non_compliant.to_string()),
        ("errors", s.error.to_string()),
        ("warnings", s.warnings.to_string()),
        ("issue-url", issue_url.unwrap_or_default().to_string()),
        (
            "report",
            report_path
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ),
        // One per line, as `actions/upload-artifact`'s `path` takes several.
        ("reports", reports.join("\n")),
    ]
}

/// Append outputs in the `name<<DELIMITER` form, safe for any value.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    for (name, value) in outputs {
        if value.contains('\n') {
            let delimiter = format!("ORGCHECK_{}", std::process::id());
            writeln!(f, "{name}<<{delimiter}\n{value}\n{delimiter}")?;
        } else {
            writeln!(f, "{name}={value}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_warning_is_one_command() {
        assert_eq!(
            super::warning("a%b\n::error::x"),
            "::warning title=orgcheck::a%25b%0A::error::x"
        );
    }
}

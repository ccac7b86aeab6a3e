//! The trend on the first screen: non-compliant, errors and compliant over the runs the issue's
//! state remembers, as a Mermaid `xychart-beta` (GitHub renders Mermaid in issues). Only
//! numbers go into the chart, so nothing a repository writes can reach it.

/// Repository counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Non-compliant repositories.
    pub non_compliant: usize,
    /// Errored repositories.
    pub error: usize,
    /// Compliant repositories (0 when a state before the trend did not keep them).
    pub compliant: usize,
    /// Exempt repositories, when the state kept them.
    pub exempt: Option<usize>,
}

impl Counts {
    /// A run's counts, as the trend keeps them.
    pub fn of(s: &crate::report::Summary) -> Self {
        Counts {
            non_compliant: s.non_compliant,
            error: s.error,
            compliant: s.compliant,
            exempt: Some(s.exempt),
        }
    }
}

/// How many runs the trend shows and the issue's state keeps: a year of weekly runs.
pub const TREND_RUNS: usize = 52;

/// The chart's lines, in the order the palette colours them.
const PALETTE: &str = "#cf222e, #bf8700, #1a7f37";

/// The chart, fenced, and its legend; `None` before there is a previous run to compare with.
pub(super) fn chart(history: &[Counts], now: Counts) -> Option<String> {
    if history.is_empty() {
        return None;
    }
    let keep = history.len().min(TREND_RUNS - 1);
    let runs: Vec<Counts> = history[history.len() - keep..]
        .iter()
        .copied()
        .chain([now])
        .collect();
    let series = |f: fn(&Counts) -> usize| {
        runs.iter()
            .map(|c| f(c).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let top = runs
        .iter()
        .flat_map(|c| [c.non_compliant, c.error, c.compliant])
        .max()
        .unwrap_or(0)
        .max(1);
    let labels = (1..=runs.len())
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "```mermaid\n---\nconfig:\n  themeVariables:\n    xyChart:\n      plotColorPalette: \"{PALETTE}\"\n---\nxychart-beta\n    title \"Repositories over the last {n} runs\"\n    x-axis \"Run\" [{labels}]\n    y-axis \"Repositories\" 0 --> {top}\n    line [{nc}]\n    line [{err}]\n    line [{ok}]\n```\n\n🟥 non-compliant · 🟨 errors · 🟩 compliant, oldest run first",
        n = runs.len(),
        nc = series(|c| c.non_compliant),
        err = series(|c| c.error),
        ok = series(|c| c.compliant),
    ))
}

//! The Markdown report, rendered with handlebars from `templates/report.md.hbs` (embedded) or a
//! user's template. Written to read well as a GitHub issue body and as an Actions job summary.

use handlebars::{Handlebars, handlebars_helper};

use super::view::{Changes, RunInfo, Trim, View};
use super::{RepoReport, Report};

/// The built-in template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/report.md.hbs");

/// A template that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template does not compile.
    #[error("invalid template: {0}")]
    Parse(String),
    /// The template failed while rendering.
    #[error("template failed to render: {0}")]
    Render(String),
}

/// A size limit, as GitHub counts it.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// Characters (issue bodies).
    Chars(usize),
    /// Bytes (job summaries).
    Bytes(usize),
}

impl Limit {
    /// How many units it allows (characters count no more than bytes, so this bounds both).
    fn units(self) -> usize {
        match self {
            Limit::Chars(n) | Limit::Bytes(n) => n,
        }
    }

    /// Whether `s` is within the limit.
    pub fn fits(self, s: &str) -> bool {
        match self {
            Limit::Chars(n) => s.len() <= n || s.chars().count() <= n,
            Limit::Bytes(n) => s.len() <= n,
        }
    }

    /// The longest prefix of `s` that leaves `reserve` units of the limit free.
    fn truncate(self, s: &str, reserve: usize) -> String {
        match self {
            Limit::Chars(n) => s.chars().take(n.saturating_sub(reserve)).collect(),
            Limit::Bytes(n) => {
                let mut end = n.saturating_sub(reserve).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s[..end].to_string()
            }
        }
    }
}

/// A compiled template.
pub struct Renderer {
    hb: Handlebars<'static>,
    /// Whether templates see the raw `report` (custom ones do; the built-in one does not need
    /// it, and for an organization it is the largest part of what a render converts).
    raw: bool,
}

impl Renderer {
    /// Compile a template. Templates see the fields of `report::view::View` (summary,
    /// non_compliant, errors, compliant, no_ci, exempt, skipped, expired, changes, …, and the
    /// raw `report`) and the helpers `len` and `add`.
    pub fn new(template: &str) -> Result<Self, TemplateError> {
        Renderer::compile(template, true)
    }

    /// The built-in template (`templates/report.md.hbs`).
    pub fn builtin() -> Self {
        Renderer::compile(DEFAULT_TEMPLATE, false).expect("the built-in template compiles")
    }

    fn compile(template: &str, raw: bool) -> Result<Self, TemplateError> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(false);
        hb.register_escape_fn(escape);
        handlebars_helper!(len: |v: Json| v.as_array().map_or(0, Vec::len));
        hb.register_helper("len", Box::new(len));
        handlebars_helper!(add: |a: u64, b: u64| a + b);
        hb.register_helper("add", Box::new(add));
        // Text as a code span for a table cell (a pattern, a command): shown as written.
        handlebars_helper!(code: |s: str| super::gfm::code(s));
        hb.register_helper("code", Box::new(code));
        hb.register_template_string("report", template)
            .map_err(|e| TemplateError::Parse(e.to_string()))?;
        Ok(Renderer { hb, raw })
    }

    /// Render the whole report.
    pub fn render_full(&self, report: &Report, info: &RunInfo) -> Result<String, TemplateError> {
        self.render(&self.view(report, None, Trim::FULL, info))
    }

    fn view<'a>(
        &self,
        report: &'a Report,
        changes: Option<&Changes>,
        trim: Trim,
        info: &RunInfo,
    ) -> View<'a> {
        View::new(report, changes, trim, info, self.raw)
    }

    fn render(&self, view: &View<'_>) -> Result<String, TemplateError> {
        let out = self
            .hb
            .render("report", view)
            .map_err(|e| TemplateError::Render(e.to_string()))?;
        Ok(tidy(&out))
    }

    /// Render within `limit`, degrading step by step, so that what is cut is always the least
    /// needed: everything; then compliant, exempt, no-ci and skipped repositories as counts
    /// only; then as many repository sections (at most 20 job rows each) as fit, newest
    /// failures and errors first, while the index still names every failing repository; then,
    /// with no sections, the index written compactly (plain labels, names that share a stem
    /// written once); only then as many names as fit, saying how many were cut and where the
    /// full report is.
    pub fn render_fitting(
        &self,
        report: &Report,
        changes: Option<&Changes>,
        limit: Limit,
        info: &RunInfo,
    ) -> Result<String, TemplateError> {
        let try_trim = |trim: Trim| -> Result<Option<String>, TemplateError> {
            let out = self.render(&self.view(report, changes, trim, info))?;
            Ok(limit.fits(&out).then_some(out))
        };
        // What each stage shows at the least, by name, so a stage that cannot fit is not
        // rendered: for an organization, rendering everything costs far more than the answer.
        let floor = Floor::of(report);
        let room = limit.units();
        if floor.every_name <= room
            && let Some(out) = try_trim(Trim::FULL)?
        {
            return Ok(out);
        }
        let collapsed = Trim {
            collapse: true,
            ..Trim::FULL
        };
        let failing = report.summary.non_compliant + report.summary.error;
        let sections = |n| Trim {
            max_sections: n,
            max_rows: 20,
            ..collapsed
        };
        if floor.failing_names <= room {
            // Every failing repository's section, when even their least could fit.
            if floor.failing_names + failing * MIN_SECTION <= room
                && let Some(out) = try_trim(collapsed)?
            {
                return Ok(out);
            }
            // A section is at least its heading and a table's header.
            let most = failing.min(room / MIN_SECTION);
            if let Some(out) = largest(most, |n| try_trim(sections(n)))? {
                return Ok(out);
            }
        }
        // Past every name with no section: every name written compactly (plain labels, shared
        // stems once), and only then fewer names.
        let compact = |n| Trim {
            compact_index: true,
            ..sections(n)
        };
        // Every name written compactly, and as many sections as the room left holds.
        let most = failing.min(room / MIN_SECTION);
        if let Some(out) = largest(most, |n| try_trim(compact(n)))? {
            return Ok(out);
        }
        let names = |n| Trim {
            max_index: n,
            ..compact(0)
        };
        // An index entry is at least a character and a separator.
        if let Some(out) = largest(failing.min(room / 2), |n| try_trim(names(n)))? {
            return Ok(out);
        }
        // Even the first screen alone is too long (a template that ignores trimming): cut it.
        let out = self.render(&self.view(report, changes, names(0), info))?;
        let cut = limit.truncate(&out, 300);
        Ok(format!(
            "{cut}\n\n… the report was cut to fit; the full report is in {}.\n",
            info.full_report()
        ))
    }
}

/// Characters a repository section takes at the least.
const MIN_SECTION: usize = 20;

/// What a rendering shows at the least: every repository's name when nothing is trimmed, every
/// failing one's while the index is whole.
struct Floor {
    every_name: usize,
    failing_names: usize,
}

impl Floor {
    fn of(report: &Report) -> Self {
        let chars = |r: &&RepoReport| r.name.chars().count();
        let failing = |r: &&RepoReport| r.status.is_failing();
        Floor {
            every_name: report.repositories.iter().map(|r| chars(&r)).sum(),
            failing_names: report
                .repositories
                .iter()
                .filter(failing)
                .map(|r| chars(&r))
                .sum(),
        }
    }
}

/// The rendering for the largest `n` in `0..=max` that fits (`render(n)` is `Some`); `None`
/// when not even 0 fits. Fitting only gets harder as `n` grows, so `n` doubles until a
/// rendering does not fit, then bisects: no rendering tried is much more than twice what fits,
/// however large the organization (bisecting from `max` first rendered half of everything).
fn largest(
    max: usize,
    render: impl Fn(usize) -> Result<Option<String>, TemplateError>,
) -> Result<Option<String>, TemplateError> {
    let Some(mut best) = render(0)? else {
        return Ok(None);
    };
    let (mut lo, mut hi) = (0usize, max);
    let mut step = 1;
    while lo < hi {
        let n = lo.saturating_add(step).min(hi);
        match render(n)? {
            Some(out) => (lo, best, step) = (n, out, step.saturating_mul(2)),
            None => {
                hi = n - 1;
                break;
            }
        }
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match render(mid)? {
            Some(out) => (lo, best) = (mid, out),
            None => hi = mid - 1,
        }
    }
    Ok(Some(best))
}

/// Collapse runs of blank lines that conditional blocks leave behind.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}

/// Escape text from repositories and policies (see [`super::gfm::inert`]).
pub fn escape(s: &str) -> String {
    super::gfm::inert(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// `largest` finds the last `n` that fits, and never renders far past it.
    #[test]
    fn largest_finds_what_fits_without_rendering_everything() {
        for (fits, max) in [
            (0, 0),
            (0, 9),
            (5, 5),
            (5, 1000),
            (700, 10_000),
            (10_000, 10_000),
        ] {
            let tried = RefCell::new(Vec::new());
            let found = largest(max, |n| {
                tried.borrow_mut().push(n);
                Ok((n <= fits).then(|| n.to_string()))
            })
            .unwrap();
            assert_eq!(found.as_deref(), Some(fits.to_string().as_str()));
            let most = tried.borrow().iter().copied().max().unwrap();
            assert!(most <= 2 * fits + 1, "fits {fits} of {max}, tried {most}");
        }
        assert_eq!(largest(10, |_| Ok(None)).unwrap(), None);
    }
}

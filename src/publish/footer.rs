//! The two hidden lines that end every issue body orgcheck writes: the marker, naming what the
//! issue reports on, then the run state. They are read only there, as the body's last two
//! lines, so text quoted anywhere above them (a step, a job or file name) can never be taken
//! for them, whatever it contains.

/// Start of the marker line.
const MARKER_PREFIX: &str = "<!-- orgcheck:report ";
/// Start of the state line (any version).
const STATE_PREFIX: &str = "<!-- orgcheck:state ";
const SUFFIX: &str = " -->";

/// The hidden line that identifies the issue of one source and policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

impl Marker {
    /// The marker of `source` (`org:NAME`, `local:DIR`) reported on with the policy known as
    /// `key` (its path in its repository, or `--issue-key`).
    pub fn new(source: &str, key: &str) -> Self {
        // Nothing inside may end the comment or its quoted values.
        let clean = |s: &str| {
            s.chars()
                .filter(|c| !c.is_control() && !matches!(c, '>' | '"'))
                .collect::<String>()
                .replace("--", "- -")
        };
        Marker(format!(
            "{MARKER_PREFIX}source=\"{}\" policy=\"{}\"{SUFFIX}",
            clean(source),
            clean(key)
        ))
    }

    /// The line as written.
    pub fn line(&self) -> &str {
        &self.0
    }
}

/// What ends an issue body orgcheck wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footer<'a> {
    /// The marker line.
    pub marker: &'a str,
    /// The state line.
    pub state: &'a str,
}

/// `shown` followed by the footer.
pub fn compose(shown: &str, marker: &Marker, state: &str) -> String {
    format!("{shown}\n{}\n{state}\n", marker.line())
}

/// The footer that ends `body`, if it ends with one: its last two lines, a marker and then a
/// state. GitHub's web editor stores `\r\n`, so a body edited by hand is still read.
pub fn read(body: &str) -> Option<Footer<'_>> {
    let mut lines = body
        .trim_end_matches(['\n', '\r'])
        .rsplit('\n')
        .map(|l| l.trim_end_matches('\r'));
    let state = lines.next()?;
    let marker = lines.next()?;
    let whole = |line: &str, prefix: &str| line.starts_with(prefix) && line.ends_with(SUFFIX);
    (whole(marker, MARKER_PREFIX) && whole(state, STATE_PREFIX)).then_some(Footer { marker, state })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "<!-- orgcheck:state v2 c=1 f= x= e= -->";

    #[test]
    fn the_footer_is_read_only_at_the_end() {
        let ours = Marker::new("org:acme", "orgcheck.toml");
        let body = compose("# Report", &ours, STATE);
        assert_eq!(
            read(&body),
            Some(Footer {
                marker: ours.line(),
                state: STATE
            })
        );
        assert_eq!(read(&body.replace('\n', "\r\n")).unwrap().state, STATE);
        // Quoted above the end, in a code span or not, a marker and a state are just text.
        let other = Marker::new("org:acme", "other.toml");
        let forged = format!(
            "`{} {STATE}`\n{}\n{STATE}\n\nmore text",
            other.line(),
            ours.line()
        );
        assert_eq!(read(&forged), None);
        assert_eq!(read(STATE), None);
        assert_eq!(read(""), None);
    }

    #[test]
    fn a_marker_cannot_be_ended_from_inside() {
        let m = Marker::new("local:a-->b", "x\" policy=\"y\n.toml");
        assert_eq!(
            m.line(),
            "<!-- orgcheck:report source=\"local:a- -b\" policy=\"x policy=y.toml\" -->"
        );
    }
}

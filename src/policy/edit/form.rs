//! A policy file's form beyond its TOML: its byte-order mark and line ending, kept by edits.

/// How a file is written, beyond its TOML: a byte-order mark, and its line ending. The editor
/// works on plain LF text and writes the result back in the file's own form, so every line it
/// adds or changes ends as the others do and untouched lines stay byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Form {
    bom: bool,
    crlf: bool,
}

impl Form {
    /// The form of `text`: CRLF when most of its lines end so (a mixed file becomes uniform).
    pub(super) fn of(text: &str) -> Self {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count() - crlf;
        Form {
            bom: text.starts_with('\u{feff}'),
            crlf: crlf > lf,
        }
    }

    /// `text` without its mark, with LF line ends.
    pub(super) fn plain(text: &str) -> String {
        text.strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n")
    }

    /// Plain `text` back in this form.
    pub(super) fn restore(self, text: &str) -> String {
        let body = if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        };
        if self.bom {
            format!("\u{feff}{body}")
        } else {
            body
        }
    }
}

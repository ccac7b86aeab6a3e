//! Where repositories come from. Each source hands over [`crate::eval::Repository`] values:
//! the repository's facts plus its CI configs, parsed into the common model.

pub mod github;
pub mod local;

/// A source that could not be read at all (as opposed to one repository failing).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A local path could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A local path is not what the command needs.
    #[error("{0}")]
    Invalid(String),
}

//! Where repositories come from. Each source hands over [`Repository`] values: the
//! repository's facts plus its CI configs, parsed into the common model.

pub mod codeowners;
pub mod github;
pub mod local;

use crate::ci::RepositoryCi;

/// One repository as a source delivers it: its facts and its CI, already parsed.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Name without owner.
    pub name: String,
    /// Archived on GitHub.
    pub archived: bool,
    /// A fork.
    pub fork: bool,
    /// Topics.
    pub topics: Vec<String>,
    /// Web address of the repository, for links.
    pub url: Option<String>,
    /// Base for links to files at the scanned commit: `{base}/{path}#L{line}`.
    pub blob_url: Option<String>,
    /// Who owns its CI: teams and users (`@acme/platform`), from CODEOWNERS or a custom
    /// property, as the policy's `[settings] owners` says.
    pub owners: Vec<String>,
    /// The CI found.
    pub ci: RepositoryCi,
    /// The repository itself could not be read (e.g. an API failure).
    pub read_error: Option<String>,
}

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

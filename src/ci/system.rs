//! One description per CI system, in one table: where its files live, which of them are
//! configs, how a file read alone is recognised, and how a config is parsed. Sources and the
//! loader ask this table; nothing else names a CI system's paths. Adding a system is a module
//! beside `circleci/` and `github/`, a [`CiSystem`] variant, and a row here.

use super::budget::Budget;
use super::yaml::Node;
use super::{CiError, CiSystem, Pipeline, circleci, github};

/// What one CI system is, for sources and the loader.
pub struct System {
    /// Which system.
    pub ci: CiSystem,
    /// The folder its files are in, relative to the repository root.
    pub folder: &'static str,
    /// The name the organization query gives that folder (a GraphQL alias).
    pub alias: &'static str,
    /// Path parts that say a file read alone belongs to it (`orgcheck inspect FILE`).
    hints: &'static [&'static str],
    /// What a file named `name` in `folder` is, given every file name beside it.
    role: fn(name: &str, siblings: &[&str]) -> Role,
    /// Whether a file read alone looks like one of its configs, by its content.
    looks_like: fn(&Node) -> bool,
    /// How it reads mapping keys (duplicates, `<<`).
    pub keys: super::yaml::Keys,
    /// Parse a config whose top level is a mapping, charging what it expands to to `budget`.
    pub(super) parse: fn(&str, &Node, &str, &Budget) -> Result<Pipeline, CiError>,
}

/// What a file in a system's folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A config the service runs: judged, and an error when it cannot be read.
    Config,
    /// A file a config may refer to (a CircleCI continuation config): kept, and an error only
    /// when a config names it.
    Support,
    /// Not the system's.
    Ignored,
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// Every CI system orgcheck reads, in [`CiSystem::ALL`] order.
pub static SYSTEMS: [System; 2] = [
    System {
        ci: CiSystem::Circleci,
        folder: ".circleci",
        alias: "circleci",
        hints: &[".circleci", "circleci"],
        // CircleCI reads `config.yml`, and `config.yaml` only when there is no `config.yml`;
        // any other YAML file may be a continuation config.
        role: |name, siblings| match name {
            "config.yml" => Role::Config,
            "config.yaml" if !siblings.contains(&"config.yml") => Role::Config,
            _ if is_yaml(name) => Role::Support,
            _ => Role::Ignored,
        },
        // CircleCI configs have no key that only they use: it is what is left.
        looks_like: |_| false,
        keys: super::yaml::Keys::Lenient,
        parse: |path, root, _, budget| circleci::parse_within(path, root, budget),
    },
    System {
        ci: CiSystem::GithubActions,
        folder: ".github/workflows",
        alias: "workflows",
        hints: &[".github/workflows", "github-actions"],
        role: |name, _| {
            if is_yaml(name) {
                Role::Config
            } else {
                Role::Ignored
            }
        },
        looks_like: github::looks_like,
        keys: super::yaml::Keys::Strict,
        parse: github::parse_within,
    },
];

/// The description of `ci`.
pub fn system(ci: CiSystem) -> &'static System {
    SYSTEMS
        .iter()
        .find(|s| s.ci == ci)
        .expect("every CI system has a row")
}

impl System {
    /// What the file `name` in this system's folder is, among `siblings`.
    pub fn role(&self, name: &str, siblings: &[&str]) -> Role {
        (self.role)(name, siblings)
    }
}

/// The system and role of a repository path directly in a system's folder, among the
/// repository's `paths`.
pub fn role_in(path: &str, paths: &[&str]) -> Option<(CiSystem, Role)> {
    SYSTEMS.iter().find_map(|s| {
        let name = path.strip_prefix(s.folder)?.strip_prefix('/')?;
        if name.contains('/') {
            return None;
        }
        let siblings: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.strip_prefix(s.folder)?.strip_prefix('/'))
            .collect();
        Some((s.ci, s.role(name, &siblings)))
    })
}

impl CiSystem {
    /// The CI system a repository path belongs to, if it is a CI config at all.
    pub fn of_repo_path(path: &str) -> Option<Self> {
        match role_in(path, &[]) {
            Some((ci, Role::Config)) => Some(ci),
            _ => None,
        }
    }
}

/// Guess the CI system of a file outside a repository layout (e.g. `orgcheck inspect`): by
/// path first, then by content; a file that looks like no system is read as CircleCI.
pub fn detect(path: &str, root: Option<&Node>) -> CiSystem {
    let normalized = format!("/{}", path.replace('\\', "/"));
    let by_path = SYSTEMS.iter().find(|s| {
        s.hints
            .iter()
            .any(|hint| normalized.contains(&format!("/{hint}/")))
    });
    if let Some(s) = by_path {
        return s.ci;
    }
    root.and_then(|root| SYSTEMS.iter().find(|s| (s.looks_like)(root)))
        .map_or(CiSystem::Circleci, |s| s.ci)
}

//! The environment, read once when a command starts and passed down: what GitHub Actions sets
//! (`GITHUB_*`, the Action's `INPUT_*`), credentials (`GITHUB_TOKEN`, `ORGCHECK_APP_*`), TLS
//! roots (`SSL_CERT_*`) and `ORGCHECK_TODAY`. Nothing below `run/` reads the environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::RunError;
use crate::policy::Date;

/// A snapshot of the environment's variables (those whose names and values are UTF-8).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// This process's environment, now.
    pub fn process() -> Self {
        Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// An environment of these variables (for tests, and for the process's).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Env {
            vars: pairs.into_iter().collect(),
        }
    }

    /// A variable's value, when set and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Every variable's name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// Running as a GitHub Actions step.
    pub fn in_actions(&self) -> bool {
        self.get("GITHUB_ACTIONS") == Some("true")
    }

    /// In GitHub Actions, the workflow's repository (`OWNER/REPO`).
    pub fn repository(&self) -> Option<&str> {
        self.get("GITHUB_REPOSITORY").filter(|_| self.in_actions())
    }

    /// A path GitHub Actions gives in `name` (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`).
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.vars
            .get(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The day policies are judged on: `$ORGCHECK_TODAY` (YYYY-MM-DD) when set, so a run can
    /// be reproduced, else today in UTC. A value that is no date is refused rather than
    /// ignored.
    pub fn today(&self) -> Result<Date, RunError> {
        match self.get("ORGCHECK_TODAY") {
            Some(text) => Date::parse(text.trim()).ok_or_else(|| {
                RunError::Usage(format!(
                    "$ORGCHECK_TODAY is `{}`, not a date: give YYYY-MM-DD, or unset it",
                    text.trim()
                ))
            }),
            None => Ok(Date::today()),
        }
    }
}

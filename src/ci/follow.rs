//! Following what a repository's jobs name outside the files read so far, for every source:
//! local action folders and files in other repositories, round by round (each round one
//! level deeper), each once, and at most [`MAX_ROUNDS`] rounds. A source reads them its own
//! way and loads again.

use std::collections::BTreeSet;

use super::remote::Remote;
use super::{CiError, RepositoryCi};

/// Deepest nesting followed: one round per level of reusable workflows and then of composite
/// actions, as deep as expansion goes (past it, expansion says so at the call that nests too
/// deep). Each round costs the GitHub source a request for every repository still reading, so
/// the limit is on rounds, not on files (those are bounded by the budgets).
pub const MAX_ROUNDS: usize = super::calls::MAX_CALL_DEPTH + super::github::action::MAX_DEPTH;

/// What to read next for a repository.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Next {
    /// Local action folders.
    pub folders: Vec<String>,
    /// Files in other repositories, for the run's shared files.
    pub shared: Vec<Remote>,
}

impl Next {
    /// Nothing more to read: the repository is loaded whole.
    pub fn is_empty(&self) -> bool {
        self.folders.is_empty() && self.shared.is_empty()
    }
}

/// Where one repository is in following its local actions.
#[derive(Debug, Clone, Default)]
pub struct Follow {
    tried: BTreeSet<String>,
    tried_shared: BTreeSet<Remote>,
    rounds: usize,
}

impl Follow {
    /// A folder the source has read already (the GitHub source lists `.github/actions/*` with
    /// the page): it is not asked for again.
    pub fn mark(&mut self, folder: String) {
        self.tried.insert(folder);
    }

    /// What to read next for a repository as just loaded: what its jobs name that was not
    /// tried yet. Empty when there is nothing; also empty after [`MAX_ROUNDS`] rounds, when
    /// what is still named becomes the repository's error.
    pub fn next(&mut self, ci: &mut RepositoryCi) -> Next {
        let next = Next {
            folders: std::mem::take(&mut ci.wanted)
                .into_iter()
                .filter(|folder| !self.tried.contains(folder))
                .collect(),
            shared: std::mem::take(&mut ci.wanted_shared)
                .into_iter()
                .filter(|r| !self.tried_shared.contains(r))
                .collect(),
        };
        if next.is_empty() {
            return next;
        }
        if self.rounds == MAX_ROUNDS {
            let names: Vec<String> = next
                .folders
                .iter()
                .cloned()
                .chain(next.shared.iter().map(Remote::to_string))
                .collect();
            let message = format!(
                "calls nest more than {MAX_ROUNDS} levels deep; orgcheck stops before {}",
                names.join(", ")
            );
            ci.errors.push(CiError::new(&names[0], None, message));
            return Next::default();
        }
        self.rounds += 1;
        self.tried.extend(next.folders.iter().cloned());
        self.tried_shared.extend(next.shared.iter().cloned());
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanting(folders: &[&str]) -> RepositoryCi {
        RepositoryCi {
            pipelines: Vec::new(),
            errors: Vec::new(),
            wanted: folders.iter().map(|f| f.to_string()).collect(),
            ..RepositoryCi::default()
        }
    }

    #[test]
    fn each_folder_is_asked_for_once_and_rounds_are_bounded() {
        let mut follow = Follow::default();
        follow.mark("listed".into());
        assert_eq!(follow.next(&mut wanting(&["a", "listed"])).folders, ["a"]);
        assert!(follow.next(&mut wanting(&["a"])).is_empty());
        for round in 1..MAX_ROUNDS {
            let folder = format!("level-{round}");
            assert_eq!(follow.next(&mut wanting(&[&folder])).folders, [folder]);
        }
        let mut ci = wanting(&["too-deep"]);
        assert!(follow.next(&mut ci).is_empty());
        assert!(
            ci.errors[0].message.contains("more than 20 levels"),
            "{:?}",
            ci.errors
        );
    }
}

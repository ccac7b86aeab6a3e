//! Following the local actions a repository's jobs name, for both sources: round by round
//! (each round one level deeper into actions that call actions), each folder once, and at
//! most [`MAX_ROUNDS`] rounds. A source reads the folders its own way and loads again.

use std::collections::BTreeSet;

use super::{CiError, RepositoryCi};

/// Deepest nesting of local actions followed: one round per level, as deep as expansion goes
/// (past it, expansion says so at the step that nests too deep). Each round costs the GitHub
/// source a request for every repository still reading, so the limit is on rounds, not on
/// folders (those are bounded by the repository's budget).
pub const MAX_ROUNDS: usize = super::github::action::MAX_DEPTH;

/// Where one repository is in following its local actions.
#[derive(Debug, Clone, Default)]
pub struct Follow {
    tried: BTreeSet<String>,
    rounds: usize,
}

impl Follow {
    /// A folder the source has read already (the GitHub source lists `.github/actions/*` with
    /// the page): it is not asked for again.
    pub fn mark(&mut self, folder: String) {
        self.tried.insert(folder);
    }

    /// The action folders to read next for a repository as just loaded: those its jobs name
    /// that were not tried yet. Empty when there are none; also empty after [`MAX_ROUNDS`]
    /// rounds, when the folders still named become the repository's error.
    pub fn next(&mut self, ci: &mut RepositoryCi) -> Vec<String> {
        let new: Vec<String> = std::mem::take(&mut ci.wanted)
            .into_iter()
            .filter(|folder| !self.tried.contains(folder))
            .collect();
        if new.is_empty() {
            return new;
        }
        if self.rounds == MAX_ROUNDS {
            let message = format!(
                "local actions nest more than {MAX_ROUNDS} levels deep; orgcheck stops before \
                 {}",
                new.join(", ")
            );
            ci.errors.push(CiError::new(&new[0], None, message));
            return Vec::new();
        }
        self.rounds += 1;
        self.tried.extend(new.iter().cloned());
        new
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
        }
    }

    #[test]
    fn each_folder_is_asked_for_once_and_rounds_are_bounded() {
        let mut follow = Follow::default();
        follow.mark("listed".into());
        assert_eq!(follow.next(&mut wanting(&["a", "listed"])), ["a"]);
        assert!(follow.next(&mut wanting(&["a"])).is_empty());
        for round in 1..MAX_ROUNDS {
            let folder = format!("level-{round}");
            assert_eq!(follow.next(&mut wanting(&[&folder])), [folder]);
        }
        let mut ci = wanting(&["too-deep"]);
        assert!(follow.next(&mut ci).is_empty());
        assert!(
            ci.errors[0].message.contains("more than 10 levels"),
            "{:?}",
            ci.errors
        );
    }
}

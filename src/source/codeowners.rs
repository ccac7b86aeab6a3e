//! CODEOWNERS as GitHub reads it: the first of `.github/CODEOWNERS`, `CODEOWNERS` and
//! `docs/CODEOWNERS`; for a path, the owners of the last pattern that matches it.

use globset::{GlobBuilder, GlobMatcher};

/// Where GitHub looks for the file, in its order of precedence.
pub const PLACES: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
/// Most rules read from one file (GitHub stops reading past 3 MB; this bounds the work a
/// hostile file can cause per path).
const MAX_RULES: usize = 10_000;
/// Most owners one repository is given.
const MAX_OWNERS: usize = 20;

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<(GlobMatcher, Vec<String>)>,
}

impl CodeOwners {
    /// Parse the file's text. Lines GitHub would skip (bad patterns) are skipped.
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines().take(MAX_RULES) {
            let line = strip_comment(line);
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<String> = words
                .filter(|w| w.starts_with('@') || w.contains('@'))
                .map(str::to_string)
                .collect();
            if let Some(glob) = matcher(pattern) {
                rules.push((glob, owners));
            }
        }
        CodeOwners { rules }
    }

    /// The owners of `path`: those of the last pattern that matches it (none when that
    /// pattern lists no owner).
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|(glob, _)| glob.is_match(path))
            .map(|(_, owners)| owners.as_slice())
            .unwrap_or_default()
    }

    /// The owners of a repository's CI: of each of its CI files, in order, each once.
    pub fn owners_of_all<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for path in paths {
            for owner in self.owners_of(path) {
                if out.len() < MAX_OWNERS && !out.iter().any(|o| o.eq_ignore_ascii_case(owner)) {
                    out.push(owner.clone());
                }
            }
        }
        out
    }
}

/// Where a repository's CI files would be, for a repository that has none readable: the owners
/// of its CI are those of these paths.
const CI_PLACES: [&str; 2] = [".github/workflows/ci.yml", ".circleci/config.yml"];

impl CodeOwners {
    /// The owners of a repository's CI as read: of its config files (the repository's own,
    /// not files of other repositories it calls), else of where CI files would be.
    pub fn owners_of_ci(&self, ci: &crate::ci::RepositoryCi) -> Vec<String> {
        let mut paths: Vec<&str> = ci
            .pipelines
            .iter()
            .map(|p| p.path.as_str())
            .chain(ci.errors.iter().map(|e| e.path.as_str()))
            .filter(|p| crate::ci::CiSystem::of_repo_path(p).is_some())
            .collect();
        if paths.is_empty() {
            paths.extend(CI_PLACES);
        }
        self.owners_of_all(paths)
    }
}

/// The line without its comment: `#` starts one, `\#` is a literal `#`.
fn strip_comment(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'#') => {
                out.push('#');
                chars.next();
            }
            '#' => break,
            c => out.push(c),
        }
    }
    out
}

/// A CODEOWNERS pattern as a glob over repository paths, following gitignore's rules as
/// GitHub documents them: a pattern with a `/` at its start or middle is anchored at the root,
/// others match at any depth; a pattern matches a file, or a folder and all under it; `*`
/// does not cross `/`, `**` does. `!` negation and `[ ]` ranges are not supported by GitHub:
/// such lines are skipped.
fn matcher(pattern: &str) -> Option<GlobMatcher> {
    if pattern.starts_with('!') || pattern.contains('[') {
        return None;
    }
    let dir_only = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let body = trimmed.trim_start_matches('/');
    if body.is_empty() {
        return None;
    }
    let base = if anchored || body.starts_with("**") {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    // A last part with a wildcard (`docs/*`, `*.yml`) names files, not folders: GitHub
    // documents that `docs/*` leaves `docs/deep/a.md` alone.
    let last = body.rsplit('/').next().unwrap_or_default();
    let glob = if !dir_only && last.contains('*') {
        base
    } else if dir_only || !body.ends_with("/**") {
        // The path itself (a file) or anything under it (a folder). A `dir/` pattern matches
        // only under it: a file is never named with a trailing slash.
        if dir_only {
            format!("{base}/**")
        } else {
            format!("{{{base},{base}/**}}")
        }
    } else {
        base
    };
    GlobBuilder::new(&glob)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_matching_pattern_wins_as_github_documents() {
        let file = "\
# Default owners
*       @acme/everyone
*.yml   @acme/yaml  # comment
/.github/workflows/ @acme/platform
docs/*  docs@acme.example
apps/   @acme/apps
/build/logs/ @acme/logs
**/deploy.yml @acme/deploy
/.circleci/config.yml
\\#weird @acme/hash
";
        let o = CodeOwners::parse(file);
        assert_eq!(o.owners_of("README.md"), ["@acme/everyone"]);
        assert_eq!(o.owners_of("x/y.yml"), ["@acme/yaml"]);
        assert_eq!(o.owners_of(".github/workflows/ci.yml"), ["@acme/platform"]);
        assert_eq!(
            o.owners_of(".github/workflows/sub/ci.yml"),
            ["@acme/platform"]
        );
        assert_eq!(o.owners_of("docs/a.md"), ["docs@acme.example"]);
        // `docs/*` is anchored and does not cross a folder.
        assert_eq!(o.owners_of("docs/deep/a.md"), ["@acme/everyone"]);
        assert_eq!(o.owners_of("src/apps/x.rs"), ["@acme/apps"]);
        assert_eq!(o.owners_of("build/logs/a.txt"), ["@acme/logs"]);
        assert_eq!(o.owners_of("x/build/logs/a.txt"), ["@acme/everyone"]);
        assert_eq!(o.owners_of("a/b/deploy.yml"), ["@acme/deploy"]);
        // A pattern with no owner takes the file's ownership away.
        assert!(o.owners_of(".circleci/config.yml").is_empty());
        assert_eq!(o.owners_of("#weird"), ["@acme/hash"]);
        assert_eq!(
            o.owners_of_all([
                ".github/workflows/a.yml",
                "x.yml",
                ".github/workflows/b.yml"
            ]),
            ["@acme/platform", "@acme/yaml"]
        );
    }

    #[test]
    fn what_github_does_not_support_is_skipped() {
        let o = CodeOwners::parse("* @a\n!*.yml @b\n[ab].yml @c\n");
        assert_eq!(o.owners_of("a.yml"), ["@a"]);
    }
}

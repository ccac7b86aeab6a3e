//! The GraphQL documents orgcheck sends, and the shapes of their answers. Every document here is
//! validated against GitHub's published schema by `tests/graphql_schema.rs`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::ci;

/// One page of an organization's repositories with everything a scan needs: flags, default
/// branch head, topics, each CI system's folder (from [`ci::SYSTEMS`], under its alias) with
/// each file's text (for CircleCI, the config and the continuation configs it may hand over
/// to), and the local actions in `.github/actions/*/` (folders elsewhere are fetched when a
/// job names them).
pub static ORG_REPOS: LazyLock<String> = LazyLock::new(|| {
    let folders: String = ci::SYSTEMS
        .iter()
        .map(|s| {
            format!(
                "        {}: object(expression: \"HEAD:{}\") {{\n{TREE}        }}\n",
                s.alias, s.folder
            )
        })
        .collect();
    // CODEOWNERS in each place GitHub looks, in its order: `codeowners0` wins.
    let codeowners: String = crate::source::codeowners::PLACES
        .iter()
        .enumerate()
        .map(|(i, place)| {
            format!(
                "        codeowners{i}: object(expression: \"HEAD:{place}\") {{ ... on Blob {{ text byteSize isTruncated isBinary }} }}\n"
            )
        })
        .collect();
    format!(
        r#"query OrgRepos($org: String!, $first: Int!, $after: String) {{
  rateLimit {{ cost remaining resetAt }}
  organization(login: $org) {{
    repositories(first: $first, after: $after, orderBy: {{field: NAME, direction: ASC}}) {{
      totalCount
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        name
        url
        isArchived
        isFork
        isEmpty
        defaultBranchRef {{ name target {{ oid }} }}
        repositoryTopics(first: 20) {{ nodes {{ topic {{ name }} }} }}
{folders}{codeowners}        actions: object(expression: "HEAD:{ACTIONS_FOLDER}") {{
          ... on Tree {{
            entries {{
              name
              type
              object {{
{TREE}              }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"#
    )
});

/// Where local composite actions usually live: listed with the page, so jobs that use them
/// need no request of their own.
pub const ACTIONS_FOLDER: &str = ".github/actions";

/// A folder's files with their text, as a fragment of [`ORG_REPOS`].
const TREE: &str = "          ... on Tree {
            entries {
              name
              type
              object { ... on Blob { text byteSize isTruncated isBinary } }
            }
          }
";

/// Files at given refs of many repositories in one request: `files[i]` is how many files
/// repository `i` asks for. Owners, names and expressions travel as variables (`$o0`, `$r0`,
/// `$f0_1` = `"<ref>:<path>"`), never spliced into the document, so no file name can change
/// the query. The answer's `data` is `{ "r0": { "f0_0": <blob or null>, … } | null, … }`.
pub fn files_query(files: &[usize]) -> String {
    let mut params = Vec::new();
    let mut body = String::new();
    for (i, &n) in files.iter().enumerate() {
        params.push(format!("$o{i}: String!"));
        params.push(format!("$r{i}: String!"));
        body.push_str(&format!(
            "  r{i}: repository(owner: $o{i}, name: $r{i}) {{\n"
        ));
        for j in 0..n {
            params.push(format!("$f{i}_{j}: String!"));
            body.push_str(&format!(
                "    f{i}_{j}: object(expression: $f{i}_{j}) {{ ... on Blob {{ text byteSize isTruncated isBinary }} }}\n"
            ));
        }
        body.push_str("  }\n");
    }
    format!(
        "query Files({}) {{\n  rateLimit {{ cost remaining resetAt }}\n{body}}}",
        params.join(", ")
    )
}

/// Who the credentials are: a user's login, or `<slug>[bot]` for an App's installation token
/// (`GITHUB_TOKEN` included). Unlike REST `GET /user`, which installation tokens may not call,
/// it answers for both, so the issue's author is compared with one value.
pub const VIEWER: &str = "query Viewer {\n  viewer { login }\n}";

/// Every document orgcheck sends, for the schema test: the fixed ones, and [`files_query`]
/// in a representative shape.
pub fn documents() -> Vec<(&'static str, String)> {
    vec![
        ("OrgRepos", ORG_REPOS.clone()),
        ("Files", files_query(&[2, 1, 4])),
        ("Viewer", VIEWER.to_string()),
    ]
}

/// `data` of [`ORG_REPOS`].
#[derive(Debug, Deserialize)]
pub struct OrgReposData {
    /// Null when the organization does not exist or is not visible.
    pub organization: Option<Organization>,
    /// Points left.
    #[serde(rename = "rateLimit")]
    pub rate_limit: Option<RateLimit>,
}

/// `rateLimit`.
#[derive(Debug, Deserialize)]
pub struct RateLimit {
    /// Points this query cost.
    pub cost: i64,
    /// Points left this hour.
    pub remaining: i64,
}

/// `organization`.
#[derive(Debug, Deserialize)]
pub struct Organization {
    /// The page.
    pub repositories: RepoConnection,
}

/// `repositories`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoConnection {
    /// Repositories in the organization.
    pub total_count: usize,
    /// Cursor.
    pub page_info: PageInfo,
    /// A node is null when GitHub could not resolve it (then `errors` says why).
    pub nodes: Vec<Option<RepoNode>>,
}

/// `pageInfo`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// More pages follow.
    pub has_next_page: bool,
    /// Cursor of the last node.
    pub end_cursor: Option<String>,
}

/// One repository.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoNode {
    /// Name without owner.
    pub name: String,
    /// Web address.
    pub url: String,
    /// Archived.
    pub is_archived: bool,
    /// Fork.
    pub is_fork: bool,
    /// No commits.
    pub is_empty: bool,
    /// Null for an empty repository.
    pub default_branch_ref: Option<BranchRef>,
    /// Topics.
    pub repository_topics: Option<TopicConnection>,
    /// Each CI system's folder by its alias ([`ci::System::alias`]), null when absent.
    #[serde(flatten)]
    pub folders: BTreeMap<String, Option<Tree>>,
    /// `.github/actions`, two levels deep, null when absent.
    pub actions: Option<ActionsTree>,
    /// `.github/CODEOWNERS`.
    pub codeowners0: Option<Blob>,
    /// `CODEOWNERS`.
    pub codeowners1: Option<Blob>,
    /// `docs/CODEOWNERS`.
    pub codeowners2: Option<Blob>,
}

impl RepoNode {
    /// The CODEOWNERS GitHub uses: the first place that has one, when its text is whole.
    pub fn codeowners(&self) -> Option<&str> {
        [&self.codeowners0, &self.codeowners1, &self.codeowners2]
            .into_iter()
            .flatten()
            .find(|b| b.text.is_some() || b.byte_size.is_some())
            .filter(|b| b.is_truncated != Some(true) && b.is_binary != Some(true))
            .and_then(|b| b.text.as_deref())
    }
}

/// `.github/actions`: one folder per action.
#[derive(Debug, Deserialize)]
pub struct ActionsTree {
    /// The folders (and any files beside them).
    pub entries: Option<Vec<ActionsEntry>>,
}

/// One entry of `.github/actions`.
#[derive(Debug, Deserialize)]
pub struct ActionsEntry {
    /// Folder name.
    pub name: String,
    /// `tree` for a folder.
    #[serde(rename = "type")]
    pub kind: String,
    /// The folder's files, for trees.
    pub object: Option<Tree>,
}

/// `defaultBranchRef`.
#[derive(Debug, Deserialize)]
pub struct BranchRef {
    /// Branch name.
    pub name: String,
    /// Head commit.
    pub target: Option<Target>,
}

/// `target`.
#[derive(Debug, Deserialize)]
pub struct Target {
    /// Commit id.
    pub oid: Option<String>,
}

/// `repositoryTopics`.
#[derive(Debug, Deserialize)]
pub struct TopicConnection {
    /// Topics.
    pub nodes: Vec<Option<TopicNode>>,
}

/// `RepositoryTopic`.
#[derive(Debug, Deserialize)]
pub struct TopicNode {
    /// The topic.
    pub topic: Topic,
}

/// `Topic`.
#[derive(Debug, Deserialize)]
pub struct Topic {
    /// Its name.
    pub name: String,
}

/// A blob; all fields absent when the path is not a blob (the fragment did not apply).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// Null for binary blobs; cut short when truncated.
    pub text: Option<String>,
    /// Size in bytes.
    pub byte_size: Option<usize>,
    /// Text was cut (past about 512 KB).
    pub is_truncated: Option<bool>,
    /// Binary content.
    pub is_binary: Option<bool>,
}

/// A tree; `entries` absent when the path is not a tree.
#[derive(Debug, Deserialize)]
pub struct Tree {
    /// Entries (a plain list, not a paginated connection).
    pub entries: Option<Vec<TreeEntry>>,
}

/// `TreeEntry`.
#[derive(Debug, Deserialize)]
pub struct TreeEntry {
    /// File name.
    pub name: String,
    /// `blob`, `tree` or `commit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The blob, for blobs.
    pub object: Option<Blob>,
}

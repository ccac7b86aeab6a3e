//! The compliance issue as its readers meet it: published to the fake GitHub for the demo and
//! for a 400-repository organization judged by a 13-rule policy, snapshotted, and rendered with
//! GitHub's own GFM renderer (cmark-gfm, through PyPI's cmarkgfm) to check what a reader sees:
//! no table wider than the issue column allows, every failing repository named, no escaped
//! backticks showing.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::fake_github::{FakeGitHub, FakeRepo, State};
use support::{code, root, stable, stderr};

const TOKEN: &str = "ghp_issue_report_CANARY_0123456789";
/// The widest table the report may have: a 1280 px issue column holds four readable columns.
const MAX_COLUMNS: usize = 4;
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// The first steps of a tiny deterministic generator, so the organization is the same on
/// every machine.
fn bits(i: usize) -> u64 {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

const WORDS: &[&str] = &[
    "api", "web", "billing", "auth", "search", "ledger", "mobile", "infra", "data", "ml", "docs",
    "ops", "legacy", "payments", "notify", "gateway",
];

/// A job's steps, chosen by `b`; each step is one line of YAML list.
fn steps(b: u64, github: bool) -> Vec<String> {
    let on = |bit: u32, pct: u64| (b >> bit) % 100 < pct;
    let mut s = Vec::new();
    if github {
        let v = if on(1, 70) { "v4" } else { "v3" };
        s.push(format!("- uses: actions/checkout@{v}"));
        if on(9, 50) {
            s.push(format!("- uses: actions/setup-node@{v}"));
        }
        if on(17, 30) {
            s.push("- uses: some-vendor/setup-tool@v2".into());
        }
    } else {
        if on(1, 85) {
            s.push("- checkout".into());
        }
        if on(9, 60) {
            s.push("- restore_cache: {keys: [deps]}".into());
        }
    }
    for (bit, pct, cmd) in [
        (3, 75, "make test"),
        (5, 70, "make lint"),
        (11, 45, "gitleaks detect"),
        (13, 40, "semgrep ci"),
        (15, 35, "syft . -o spdx"),
        (19, 8, "curl -fsSL https://get.example.com/tool | bash"),
        (21, 50, "make licenses"),
    ] {
        if on(bit, pct) {
            s.push(format!("- run: {cmd}"));
        }
    }
    s
}

/// Repository `i` of the synthetic organization: CircleCI or GitHub Actions, 1 to 3 jobs,
/// and now and then no CI or a config that does not parse.
fn synthetic_repo(i: usize) -> FakeRepo {
    let b = bits(i);
    let name = format!(
        "{}-{}-{i:03}",
        WORDS[(b % 16) as usize],
        WORDS[((b >> 4) % 16) as usize]
    );
    let repo = FakeRepo::new(&name);
    let count = 1 + (b >> 24) as usize % 3;
    match (b >> 40) % 20 {
        0 => repo,
        1 => repo
            .circleci("version: 2.1\njobs:\n  build:\n    steps:\n      - run: make\n     - bad"),
        k if k % 2 == 0 => repo.workflow(
            "ci.yml",
            &config(
                i,
                count,
                true,
                "on: [push, pull_request]\njobs:\n",
                "runs-on: ubuntu-latest",
            ),
        ),
        _ => repo.circleci(&config(
            i,
            count,
            false,
            "version: 2.1\njobs:\n",
            "docker: [{image: cimg/base:2024.01}]",
        )),
    }
}

/// A config of `count` jobs (build, test, deploy): `head`, then each job with `runner` and its
/// steps.
fn config(i: usize, count: usize, github: bool, head: &str, runner: &str) -> String {
    let mut y = String::from(head);
    for (j, job) in ["build", "test", "deploy"].iter().take(count).enumerate() {
        y.push_str(&format!("  {job}:\n    {runner}\n    steps:\n"));
        for s in steps(bits(i * 7 + j), github) {
            y.push_str(&format!("      {s}\n"));
        }
    }
    y
}

/// A scan of `fake`'s organization with `policy`, published to acme/compliance as from a
/// GitHub Actions run of acme/platform at [`SHA`]. Returns the JSON report.
fn scan_and_publish(fake: &FakeGitHub, policy: &Path, dir: &Path) -> serde_json::Value {
    let report = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_orgcheck"))
        .args(["scan", "--org", "acme", "--api-url", &fake.api_url()])
        .args(["--policy", policy.to_str().unwrap(), "--format", "json"])
        .args(["--issue-repo", "acme/compliance"])
        .args(["--output", report.to_str().unwrap()])
        .current_dir(dir)
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/platform")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_SHA", SHA)
        .env("GITHUB_WORKSPACE", dir)
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_API_URL")
        .env_remove("GITHUB_GRAPHQL_URL")
        .output()
        .unwrap();
    assert!(code(&out) <= 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains(TOKEN));
    serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap()
}

/// The policy in a folder that is a git checkout, as the Action's workspace is, so the
/// report links its lines.
fn policy_checkout(dir: &Path, policy: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let to = dir.join("orgcheck.toml");
    std::fs::copy(policy, &to).unwrap();
    to
}

/// Names of the repositories with one of `statuses` in a JSON report.
fn with_status(report: &serde_json::Value, statuses: &[&str]) -> Vec<String> {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| statuses.iter().any(|s| r["status"] == *s))
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

/// Names of the failing and errored repositories in a JSON report.
fn failing(report: &serde_json::Value) -> Vec<String> {
    with_status(report, &["non-compliant", "error"])
}

/// A Python with cmarkgfm: `ORGCHECK_PYTHON`, which must have it (.ci/run sets it), else the
/// CI tools' virtual environment when it has it.
fn python() -> Option<PathBuf> {
    let has_cmarkgfm = |p: &Path| {
        Command::new(p)
            .args(["-c", "import cmarkgfm"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(p) = std::env::var_os("ORGCHECK_PYTHON").map(PathBuf::from) {
        assert!(
            has_cmarkgfm(&p),
            "ORGCHECK_PYTHON={} cannot import cmarkgfm",
            p.display()
        );
        return Some(p);
    }
    Some(root().join("target/ci-tools/bin/python")).filter(|p| has_cmarkgfm(p))
}

/// Render `markdown` with cmark-gfm and check it; skips, saying so, without cmarkgfm.
fn gfm_check(markdown: &str, names: &[String]) {
    let Some(python) = python() else {
        support::skipped(
            "no Python with cmarkgfm (pip install cmarkgfm, or set ORGCHECK_PYTHON); \
             the GFM rendering was not checked",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("issue.md");
    let list = dir.path().join("names.txt");
    std::fs::write(&md, markdown).unwrap();
    std::fs::write(&list, names.join("\n")).unwrap();
    let out = Command::new(python)
        .arg(root().join("tests/support/gfm_check.py"))
        .args([&md, &list])
        .arg(MAX_COLUMNS.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "GFM check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fake_with(repos: Vec<FakeRepo>) -> FakeGitHub {
    let mut state = State::new("acme", repos);
    state.token = Some(TOKEN.into());
    FakeGitHub::start(state)
}

#[test]
fn a_400_repository_org_with_13_rules_names_every_failing_repository() {
    let fake = fake_with((0..400).map(synthetic_repo).collect());
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_checkout(dir.path(), &root().join("tests/fixtures/policy-13.toml"));
    let report = scan_and_publish(&fake, &policy, dir.path());
    let names = failing(&report);
    assert!(names.len() > 250, "a large failing set: {}", names.len());
    let body = fake.issues()[0].body.clone();
    let chars = body.chars().count();
    assert!(chars <= 65_536, "{chars} characters");
    // Every failing repository is named, before any details.
    let index = body.find("## Failing repositories").expect("an index");
    let details = body.find("## What to fix").unwrap_or(body.len());
    for name in &names {
        assert!(
            body[index..details].contains(name.as_str()),
            "{name} is not in the index"
        );
    }
    // Links: the run, the policy's lines at the workflow's commit, jobs at the scanned commit.
    let run = "https://github.com/acme/platform/actions/runs/4242";
    assert!(body.contains(run), "the run is linked");
    let policy_line = format!("https://github.com/acme/platform/blob/{SHA}/orgcheck.toml#L");
    assert!(body.contains(&policy_line), "policy lines are linked");
    assert!(body.contains("> [!CAUTION]"));
    gfm_check(&body, &names);
    insta::assert_snapshot!("org_400_13_rules", stable(&body));

    // The job summary is budgeted too, and names everyone as well.
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.len() <= 128 * 1024, "{} bytes", summary.len());
    gfm_check(&summary, &names);
}

#[test]
fn a_5000_repository_org_names_every_failing_repository_within_the_body() {
    // 4,000 repositories as the 400 above, and 1,000 more with no CI: about 3,500 fail.
    let quiet = (4000..5000).map(|i| FakeRepo::new(&format!("{}-quiet-{i}", WORDS[i % 16])));
    let fake = fake_with((0..4000).map(synthetic_repo).chain(quiet).collect());
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_checkout(dir.path(), &root().join("tests/fixtures/policy-13.toml"));
    let report = scan_and_publish(&fake, &policy, dir.path());
    let names = failing(&report);
    assert!(
        (3_300..3_700).contains(&names.len()),
        "about 3,500 failing: {}",
        names.len()
    );
    let body = fake.issues()[0].body.clone();
    let chars = body.chars().count();
    assert!(chars <= 65_536, "{chars} characters");
    // The hidden state keeps every name, in under 15% of the body.
    let state = body.lines().last().unwrap();
    assert!(
        state.contains(" f="),
        "the state keeps the names: {state:.80}"
    );
    assert!(
        state.len() * 100 < 65_536 * 15,
        "state: {} characters",
        state.len()
    );
    // Every failing repository is named in the index, plain or in a shared stem's braces.
    let index = body.find("## Failing repositories").expect("an index");
    let end = body[index..]
        .find("\n## ")
        .map_or(body.len(), |e| index + e + 1);
    let listed = expand_braces(&body[index..end]);
    let missing: Vec<&String> = names.iter().filter(|n| !listed.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "{} not named, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(!body.contains("more** not named"), "nothing was cut");
    // The room names leave holds details: sections for the first repositories.
    assert!(
        body.contains("## What to fix"),
        "sections fill what names leave"
    );
}

/// Every name an index lists: words as they are, and `stem{a,b}` as `stema`, `stemb`.
fn expand_braces(text: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for word in text.split([' ', ',', '\n', '(', ')', ':']) {
        out.insert(word.to_string());
    }
    let re = regex::Regex::new(r"([A-Za-z0-9._-]*)\{([^}]*)\}").unwrap();
    for caps in re.captures_iter(text) {
        for tail in caps[2].split(',') {
            out.insert(format!("{}{tail}", &caps[1]));
        }
    }
    out
}

#[test]
fn the_next_run_says_what_changed_with_links_and_counts() {
    let fake = fake_with((0..60).map(synthetic_repo).collect());
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_checkout(dir.path(), &root().join("tests/fixtures/policy-13.toml"));
    let first = scan_and_publish(&fake, &policy, dir.path());
    let non_compliant = with_status(&first, &["non-compliant"]);
    let errored = with_status(&first, &["error"]);
    assert!(!errored.is_empty(), "the organization has errors to fix");
    // Two non-compliant repositories and every errored one lose their CI (so: no CI, fixed),
    // and a new repository fails.
    {
        let mut state = fake.state.lock().unwrap();
        for name in non_compliant[..2].iter().chain(&errored) {
            let repo = state.repos.iter_mut().find(|r| &r.name == name).unwrap();
            *repo = FakeRepo::new(name);
        }
        state.repos.push(
            FakeRepo::new("zz-new-service")
                .circleci("version: 2.1\njobs:\n  build:\n    steps:\n      - run: echo\n"),
        );
    }
    let second = scan_and_publish(&fake, &policy, dir.path());
    let body = fake.issues()[0].body.clone();
    let status = body.lines().next().unwrap();
    let expected = format!(
        "❌ **{}** non-compliant (−1 since the last run) · ⚠️ **0** errors (−{} since the last run) · ",
        non_compliant.len() - 1,
        errored.len()
    );
    // A zero shows because it is news.
    assert!(status.starts_with(&expected), "{status}");
    assert!(
        body.contains("**Newly failing** (1): [zz-new-service](#zz-new-service)"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "**Fixed** ({}): [{1}](https://github.com/acme/{1})",
            2 + errored.len(),
            (&non_compliant[0]).min(&errored[0])
        )),
        "{body}"
    );
    // The newly failing repository's section comes first.
    let details = body.find("## What to fix").expect("details");
    assert!(
        body[details..].starts_with(
            "## What to fix\n\n### [zz-new-service](https://github.com/acme/zz-new-service)"
        ),
        "{}",
        &body[details..details + 120]
    );
    gfm_check(&body, &failing(&second));
    // From the second run on, the first screen has the trend, as Mermaid draws it.
    let chart = mermaid_block(&body).expect("a trend chart");
    let before = non_compliant.len();
    assert!(
        chart.contains(&format!("line [{before}, {}]", before - 1)),
        "{chart}"
    );
    assert!(body.find("```mermaid") < body.find("## Failing repositories"));
    mermaid_check(&chart);
}

/// The first ```` ```mermaid ```` block of a body.
fn mermaid_block(body: &str) -> Option<String> {
    let start = body.find("```mermaid\n")? + "```mermaid\n".len();
    let end = body[start..].find("\n```")? + start;
    Some(body[start..end].to_string())
}

/// Mermaid's own parser (npm packages installed by `.ci/run` in tests/support/mermaid), under
/// Node, run on `diagram`; `None`, and a skip said, when it is not installed.
fn mermaid(diagram: &str) -> Option<std::process::Output> {
    let dir = root().join("tests/support/mermaid");
    if !dir.join("node_modules/mermaid").is_dir() {
        support::skipped(
            "Mermaid's parser is not installed (npm ci --prefix tests/support/mermaid)",
        );
        return None;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), diagram).unwrap();
    let out = std::process::Command::new("node")
        .arg(dir.join("check.mjs"))
        .arg(file.path())
        .output()
        .expect("node runs");
    Some(out)
}

/// Validate a diagram with Mermaid's own parser.
fn mermaid_check(diagram: &str) {
    if let Some(out) = mermaid(diagram) {
        assert!(
            out.status.success(),
            "Mermaid refuses the chart: {}\n{diagram}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn mermaid_refuses_a_broken_chart_so_the_check_can_fail() {
    if let Some(out) = mermaid("xychart-beta\n    line [1, 2\n") {
        assert!(
            !out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn the_demo_issue_reads_well() {
    let demo = |policy: &str, extra: &[&str]| {
        let mut args = vec!["scan", "--local", "examples/demo-org", "--policy", policy];
        args.extend_from_slice(extra);
        support::orgcheck(&args)
    };
    let out = demo("policy.example.toml", &[]);
    assert_eq!(code(&out), 1);
    let json = demo("policy.example.toml", &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let names = failing(&report);
    assert_eq!(names.len(), 5);
    gfm_check(&support::stdout(&out), &names);

    // The same organization judged by the 13-rule policy: more rules, no wider tables.
    let policy = root().join("tests/fixtures/policy-13.toml");
    let out = demo(policy.to_str().unwrap(), &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let markdown = stable(&support::stdout(&out)).replace(policy.to_str().unwrap(), "POLICY");
    gfm_check(&markdown, &[]);
    insta::assert_snapshot!("demo_13_rules", markdown);
}

/// The demo organization (examples/demo-org) as the fake serves it, except that `broken`
/// repositories still run payments' non-compliant config and `unreadable` ones a config that
/// does not parse: the demo as it was before those were fixed.
fn demo_org(broken: &[&str], unreadable: &[&str]) -> Vec<FakeRepo> {
    fn files(dir: &Path, at: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(dir, &path, out);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let demo = root().join("examples/demo-org");
    let payments = std::fs::read_to_string(demo.join("payments/.circleci/config.yml")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let repo_of = |name: &str| {
        let repo = FakeRepo::new(name);
        if broken.contains(&name) {
            return repo.circleci(&payments);
        }
        if unreadable.contains(&name) {
            return repo.circleci("jobs: [\n");
        }
        let mut found = Vec::new();
        files(&demo.join(name), &demo.join(name), &mut found);
        found.into_iter().fold(repo, |repo, (path, text)| {
            match path.strip_prefix(".github/workflows/") {
                _ if path == ".circleci/config.yml" => repo.circleci(&text),
                Some(workflow) => repo.workflow(workflow, &text),
                None => repo.file(&path, &text),
            }
        })
    };
    names.iter().map(|name| repo_of(name)).collect()
}

/// The demo organization published over five weekly runs, as its repositories were fixed: the
/// trend on the first screen has every run. With `ORGCHECK_DEMO_ISSUE=FILE`, the last body is
/// written there: docs/screenshot.sh takes the README's picture of it.
#[test]
fn the_demo_organization_over_five_runs_shows_its_trend() {
    let history: [(&[&str], &[&str]); 5] = [
        (
            &["api-gateway", "cli-tools", "infra-tools", "web-frontend"],
            &[],
        ),
        (
            &["api-gateway", "cli-tools", "infra-tools"],
            &["mobile-app"],
        ),
        (&["cli-tools", "infra-tools"], &["mobile-app"]),
        (&["infra-tools"], &[]),
        (&[], &[]),
    ];
    let fake = fake_with(demo_org(history[0].0, history[0].1));
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_checkout(dir.path(), &root().join("policy.example.toml"));
    let mut report = serde_json::Value::Null;
    for (broken, unreadable) in history {
        fake.state.lock().unwrap().repos = demo_org(broken, unreadable);
        report = scan_and_publish(&fake, &policy, dir.path());
    }
    // The last run is the demo as `scan --local examples/demo-org` judges it.
    assert_eq!(
        report["summary"]["non_compliant"], 4,
        "{}",
        report["summary"]
    );
    let body = fake.issues()[0].body.clone();
    let chart = mermaid_block(&body).expect("a trend chart");
    for series in ["[8, 6, 5, 5, 4]", "[1, 2, 2, 1, 1]", "[1, 2, 3, 4, 5]"] {
        assert!(
            chart.contains(&format!("line {series}")),
            "{series}: {chart}"
        );
    }
    mermaid_check(&chart);
    gfm_check(&body, &failing(&report));
    if let Some(out) = std::env::var_os("ORGCHECK_DEMO_ISSUE") {
        std::fs::write(out, &body).unwrap();
    }
}

//! `scan --org` against the fake GitHub: 10,000 repositories (`ORGCHECK_BENCH_REPOS` to change
//! it), 50 ms of latency per request, the compliance issue published, the JSON report written
//! to a file. Repositories serve real configs from `../shared/corpus` (each CircleCI and
//! workflow file in turn, so sizes are the corpus's); without the corpus, two small configs,
//! and the bench says so. `cargo bench --bench org_scan` prints requests, wall time and peak
//! memory (via `/usr/bin/time -v` when present), next to what 1 + 2N sequential requests would
//! cost.

#[path = "../tests/support/fake_github/mod.rs"]
mod fake_github;

use std::process::Command;
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, FakeRepo, State};

const LATENCY: Duration = Duration::from_millis(50);

/// The corpus's CircleCI configs and workflows, or `None` when it is absent.
fn corpus() -> Option<(Vec<String>, Vec<String>)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).ok()?;
    let (mut circle, mut workflows) = (Vec::new(), Vec::new());
    for line in manifest.lines().skip(1) {
        let mut fields = line.split('\t');
        let (Some(kind), Some(file)) = (fields.next(), fields.next()) else {
            continue;
        };
        let text = String::from_utf8_lossy(&std::fs::read(dir.join(file)).ok()?).into_owned();
        match kind {
            "circleci" => circle.push(text),
            _ => workflows.push(text),
        }
    }
    Some((circle, workflows))
}

fn main() {
    let repos_wanted: usize = std::env::var("ORGCHECK_BENCH_REPOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let (circles, workflows) = corpus().unwrap_or_else(|| {
        println!("org scan bench: ../shared/corpus is absent; serving two small configs instead");
        (
            vec![SMALL_CIRCLE.to_string()],
            vec![SMALL_WORKFLOW.to_string()],
        )
    });
    let bytes: usize = circles.iter().chain(&workflows).map(String::len).sum();
    println!(
        "org scan bench: {} CircleCI configs and {} workflows, {:.1} KB on average",
        circles.len(),
        workflows.len(),
        bytes as f64 / (circles.len() + workflows.len()) as f64 / 1e3
    );
    let circle = |i: usize| circles[i % circles.len()].as_str();
    let workflow = |i: usize| workflows[i % workflows.len()].as_str();
    let repos = (0..repos_wanted)
        .map(|i| {
            let r = FakeRepo::new(&format!("repo-{i:05}"));
            match i % 4 {
                0 => r.circleci(circle(i)),
                1 => r.workflow("ci.yml", workflow(i)),
                2 => r
                    .circleci(circle(i))
                    .workflow("ci.yml", workflow(i))
                    .workflow("lint.yaml", workflow(i + 1)),
                _ => r,
            }
        })
        .collect();
    run(repos, repos_wanted);
}

const SMALL_CIRCLE: &str = "version: 2.1\norbs:\n  node: circleci/node@5\ncommands:\n  test:\n    steps:\n      - run: make test\njobs:\n  build:\n    docker: [{image: cimg/node:20.11}]\n    steps:\n      - checkout\n      - node/install-packages\n      - test\n      - run: gitleaks detect\nworkflows:\n  main:\n    jobs: [build, node/test]\n";

const SMALL_WORKFLOW: &str = "name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n";

fn run(repos: Vec<FakeRepo>, count: usize) {
    let mut state = State::new("bench", repos);
    state.latency = LATENCY;
    let fake = FakeGitHub::start(state);
    let dir = std::env::temp_dir().join(format!("orgcheck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/policy.example.toml");
    let bin = env!("CARGO_BIN_EXE_orgcheck");
    let args = [
        "scan",
        "--org",
        "bench",
        "--api-url",
        &fake.api_url(),
        "--policy",
        policy,
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
        "--no-fail",
        "--issue-repo",
        "bench/compliance",
    ];
    let timed = std::path::Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .env("GITHUB_TOKEN", fake_github::CANARY_TOKEN)
        .env_remove("GITHUB_GRAPHQL_URL");
    let start = Instant::now();
    let out = cmd.output().expect("orgcheck runs");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "orgcheck failed: {stderr}");
    let requests = fake.log().len();
    let rss = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .map(|kb| format!("{:.0} MB", kb.trim().parse::<f64>().unwrap_or(0.0) / 1024.0))
        .unwrap_or_else(|| "unknown (no /usr/bin/time)".into());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let sequential = LATENCY * (1 + 2 * count as u32);
    println!(
        "org scan bench: {count} repositories ({} in the report), {} ms latency: {requests} requests, {:.1} s wall, peak RSS {rss}",
        json["summary"]["repositories"],
        LATENCY.as_millis(),
        wall.as_secs_f64()
    );
    println!(
        "  the old 1 + 2N sequential requests: {} requests, at least {:.0} s at the same latency ({:.0}x slower)",
        1 + 2 * count,
        sequential.as_secs_f64(),
        sequential.as_secs_f64() / wall.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

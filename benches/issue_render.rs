//! Rendering the compliance issue within GitHub's 65,536-character body for large failing
//! organizations, and what the hidden run-over-run state costs of it. `cargo bench --bench
//! issue_render` prints, per size: the time to fit the body (the bisection over sections and
//! index names included), its characters, how many failing repositories its index names, and the
//! state's share of the body.

use std::time::Instant;

use orgcheck::eval::{self, Context};
use orgcheck::policy::{self, Date};
use orgcheck::publish::issue::BODY_LIMIT;
use orgcheck::publish::state::RunState;
use orgcheck::report::markdown::{Limit, Renderer};
use orgcheck::report::view::RunInfo;

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/policy-13.toml");
    let policy = policy::load(std::path::Path::new(path)).expect("the 13-rule policy loads");
    let renderer = Renderer::builtin();
    println!("| failing repositories | fit time | body characters | named | state share |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for failing in [400, 2_000, 5_000] {
        let dir =
            std::env::temp_dir().join(format!("orgcheck-render-{}-{failing}", std::process::id()));
        for i in 0..failing {
            let repo = dir.join(format!("service-{i:05}/.circleci"));
            std::fs::create_dir_all(&repo).unwrap();
            // Four shapes, so the index has groups: each misses different rules.
            let steps = match i % 4 {
                0 => "- checkout\n      - run: make test",
                1 => "- run: make test\n      - run: gitleaks detect",
                2 => "- checkout\n      - run: semgrep ci",
                _ => "- run: echo",
            };
            std::fs::write(
                repo.join("config.yml"),
                format!("version: 2.1\njobs:\n  build:\n    steps:\n      {steps}\n"),
            )
            .unwrap();
        }
        let repos = orgcheck::source::local::scan_dir(&dir, Default::default(), &[])
            .expect("the org reads")
            .repositories;
        let cx = Context {
            source: orgcheck::report::Scanned::Org("bench".into()),
            policy_path: "orgcheck.toml".into(),
            today: Date::parse("2026-11-27").unwrap(),
            incomplete: None,
        };
        let report = eval::evaluate(&policy, &repos, &cx);
        let state = RunState::of(&report, 0, None).encode();
        let budget = BODY_LIMIT - state.chars().count() - 200;
        let start = Instant::now();
        let body = renderer
            .render_fitting(&report, None, Limit::Chars(budget), &RunInfo::default())
            .expect("renders");
        let took = start.elapsed();
        // Named in the index of failing repositories, not anywhere in the body.
        let index = body
            .split("## Failing repositories")
            .nth(1)
            .map(|rest| rest.split("\n## ").next().unwrap_or(rest))
            .unwrap_or_default();
        // Names written compactly (`stem-{a,b}`) count as `stem-a` and `stem-b`.
        let mut listed: std::collections::HashSet<String> =
            index.split([' ', ',', '\n']).map(str::to_string).collect();
        for (open, _) in index.match_indices('{') {
            let stem_start = index[..open].rfind([' ', ',', '\n']).map_or(0, |i| i + 1);
            let stem = &index[stem_start..open];
            let close = index[open..].find('}').map_or(index.len(), |c| open + c);
            for tail in index[open + 1..close].split(',') {
                listed.insert(format!("{stem}{tail}"));
            }
        }
        let named = report
            .repositories
            .iter()
            .filter(|r| index.contains(&r.name) || listed.contains(&r.name))
            .count();
        println!(
            "| {failing} | {:.2} s | {} | {named} | {:.1}% |",
            took.as_secs_f64(),
            body.chars().count(),
            100.0 * state.len() as f64 / BODY_LIMIT as f64
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

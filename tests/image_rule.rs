//! The `image` rule kind: where a job's containers may come from, judged on CircleCI `docker:`
//! (executors' included) and GitHub `container:`, `services:` and `docker://` steps.

use orgcheck::ci::load_repository;
use orgcheck::eval::{Context, evaluate};
use orgcheck::policy::{self, Date};
use orgcheck::report::finding::FindingKind;
use orgcheck::report::{RepoReport, Report, Status};
use orgcheck::source::Repository;

const POLICY: &str = r#"
[[rule]]
id = "trusted-images"
description = "Build containers come from our registry or CircleCI's"
image = ["cimg/*", "ghcr.io/acme/*"]
"#;

fn run(policy: &str, files: &[(&str, &str)]) -> Report {
    let policy = policy::parse("p.toml", policy).expect("valid policy");
    let repo = Repository {
        name: "r".into(),
        ci: load_repository(files.iter().copied()),
        ..Repository::default()
    };
    let cx = Context {
        source: orgcheck::report::Scanned::Local("test".into()),
        policy_path: "p.toml".into(),
        today: Date::parse("2026-12-06").unwrap(),
        incomplete: None,
    };
    evaluate(&policy, &[repo], &cx)
}

/// Each image finding as `job: reference @ line`.
fn refused(repo: &RepoReport) -> Vec<String> {
    repo.findings
        .iter()
        .map(|f| {
            assert_eq!(f.kind, FindingKind::Image);
            let job = &repo.jobs[f.job.unwrap()].name;
            format!(
                "{job}: {} @ {}",
                f.detail.as_deref().unwrap(),
                f.line.unwrap()
            )
        })
        .collect()
}

#[test]
fn circleci_images_are_judged_in_jobs_executors_and_inline_orbs() {
    let config = r#"version: 2.1
executors:
  node:
    parameters:
      tag: {type: string, default: "20.1"}
    docker:
      - image: cimg/node:<< parameters.tag >>
  hub:
    docker:
      - image: node:20
orbs:
  tools:
    executors:
      base:
        docker:
          - image: quay.io/evil/base:1
    jobs:
      lint:
        executor: base
        steps: [checkout]
jobs:
  build:
    docker:
      - image: cimg/go:1.22
      - image: postgres:16
    steps: [checkout]
  test:
    executor: {name: node, tag: "22.0"}
    steps: [checkout]
  legacy:
    executor: hub
    steps: [checkout]
  vm:
    machine: {image: ubuntu-2204:current}
    steps: [checkout]
workflows:
  main:
    jobs: [build, test, legacy, vm, tools/lint]
"#;
    let report = run(POLICY, &[(".circleci/config.yml", config)]);
    let repo = &report.repositories[0];
    assert_eq!(repo.status, Status::NonCompliant);
    assert_eq!(
        refused(repo),
        [
            "build: postgres:16 @ 25",
            "legacy: node:20 @ 10",
            "tools/lint: quay.io/evil/base:1 @ 16",
        ]
    );
    let why = repo.findings[0].why.as_deref().unwrap();
    assert_eq!(why, "allowed are cimg/*, ghcr.io/acme/*");

    // The executor's parameter takes the invocation's argument, then its default.
    let ci = load_repository([(".circleci/config.yml", config)]);
    let images: Vec<(&str, Vec<&str>)> = ci
        .jobs()
        .map(|(_, j)| {
            let refs = j.images.iter().map(|i| i.reference.as_str()).collect();
            (j.name.as_str(), refs)
        })
        .collect();
    assert_eq!(
        images,
        [
            ("build", vec!["cimg/go:1.22", "postgres:16"]),
            ("test", vec!["cimg/node:22.0"]),
            ("legacy", vec!["node:20"]),
            ("vm", vec![]),
            ("tools/lint", vec!["quay.io/evil/base:1"]),
        ]
    );
}

#[test]
fn github_containers_services_and_docker_steps_are_judged_runners_are_not() {
    let workflow = r#"on: push
jobs:
  build:
    runs-on: ubuntu-latest
    container: ghcr.io/acme/build:3
    services:
      db:
        image: postgres:16
      cache:
        image: ghcr.io/acme/redis:7
    steps:
      - uses: docker://alpine:3.20
      - uses: docker://ghcr.io/acme/tool:1
  matrix:
    runs-on: ubuntu-latest
    container:
      image: ${{ matrix.image }}
    steps:
      - run: make
"#;
    let report = run(POLICY, &[(".github/workflows/ci.yml", workflow)]);
    let repo = &report.repositories[0];
    assert_eq!(
        refused(repo),
        [
            "build: postgres:16 @ 8",
            "build: alpine:3.20 @ 12",
            "matrix: ${{ matrix.image }} @ 17",
        ]
    );
    let chosen = repo.findings[2].why.as_deref().unwrap();
    assert!(chosen.contains("chosen when the pipeline runs"), "{chosen}");
}

#[test]
fn a_docker_hub_name_matches_as_docker_reads_it_and_digest_is_required_when_asked() {
    let digest = "a".repeat(64);
    let workflow = format!(
        "on: push\njobs:\n  a:\n    runs-on: x\n    container: node:20\n    services:\n      s: {{image: 'node@sha256:{digest}'}}\n    steps: [{{run: make}}]\n"
    );
    let policy = r#"
[[rule]]
id = "official"
description = "Only official Docker Hub images, by digest"
image = ["docker.io/library/*"]
digest = true
"#;
    let report = run(policy, &[(".github/workflows/ci.yml", &workflow)]);
    let repo = &report.repositories[0];
    assert_eq!(refused(repo), ["a: node:20 @ 5"]);
    assert!(
        repo.findings[0].why.as_deref().unwrap().contains("digest"),
        "{:?}",
        repo.findings[0].why
    );
}

#[test]
fn an_allowed_repository_is_compliant_and_findings_are_worded_for_every_output() {
    let config = "version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:2024.01}]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs: [build]\n";
    let report = run(POLICY, &[(".circleci/config.yml", config)]);
    assert_eq!(report.repositories[0].status, Status::Compliant);

    let config = config.replace("cimg/base", "evil/base");
    let report = run(POLICY, &[(".circleci/config.yml", &config)]);
    let f = &report.repositories[0].findings[0];
    assert_eq!(
        f.summary(),
        "runs image `evil/base:2024.01`, which `trusted-images` does not allow: allowed are cimg/*, ghcr.io/acme/*"
    );
    assert!(
        f.sentence("build", "d")
            .starts_with("Job `build` runs the image `evil/base:2024.01`")
    );
    assert_eq!(report.rules[0].selector, "image: cimg/*, ghcr.io/acme/*");
}

#[test]
fn an_image_rule_refuses_step_keys_and_needs_a_glob() {
    let bad = r#"[[rule]]
id = "i"
description = "d"
image = []
uses = "x"
digest = "yes"

[[rule]]
id = "j"
description = "d"
run = "make"
digest = true
"#;
    let err = policy::parse("p.toml", bad).unwrap_err().to_string();
    for expected in [
        "p.toml:5:8: `uses` does not apply to an `image` rule",
        "p.toml:4:9: `image` needs at least one glob",
        "p.toml:6:10: expected true or false, found string",
        "p.toml:12:10: `digest` applies to `image` rules only",
    ] {
        assert!(err.contains(expected), "{expected}\n in:\n{err}");
    }
}

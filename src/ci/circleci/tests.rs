use super::super::{CiSystem, JobKind, StepKind, parse as parse_file};

fn steps_of(text: &str, job: &str) -> Vec<String> {
    let p = parse_file(".circleci/config.yml", CiSystem::Circleci, text).expect("parses");
    // Jobs that run, then jobs that do not (most tests here have no workflows).
    let job = p
        .jobs
        .iter()
        .chain(p.not_run.iter().map(|n| &n.job))
        .find(|j| j.name == job)
        .expect("job exists");
    job.steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Run(c) => format!("run:{c}"),
            StepKind::Uses(u) => format!("uses:{u}"),
        })
        .collect()
}

fn error_of(text: &str) -> String {
    let e = parse_file(".circleci/config.yml", CiSystem::Circleci, text).unwrap_err();
    e.to_string()
}

#[test]
fn run_string_and_mapping_and_builtins() {
    let text = "version: 2.1\njobs:\n  build:\n    docker: [{image: x}]\n    steps:\n      - checkout\n      - run: make\n      - run:\n          name: Test\n          command: make test\n      - save_cache:\n          key: k\n";
    assert_eq!(
        steps_of(text, "build"),
        [
            "uses:checkout",
            "run:make",
            "run:make test",
            "uses:save_cache"
        ]
    );
}

#[test]
fn step_lines_point_at_the_step() {
    let text = "jobs:\n  build:\n    steps:\n      - checkout\n      - run: make\n";
    let p = parse_file("c.yml", CiSystem::Circleci, text).unwrap();
    assert_eq!(p.jobs[0].line, 2);
    assert_eq!(p.jobs[0].steps[0].line, 4);
    assert_eq!(p.jobs[0].steps[1].line, 5);
}

#[test]
fn commands_expand_recursively_with_parameters() {
    let text = r#"
version: 2.1
commands:
  lint:
    parameters:
      dir: {type: string, default: src}
    steps:
      - run: eslint << parameters.dir >>
  ci:
    parameters:
      target: {type: string, default: all}
    steps:
      - lint:
          dir: lib
      - lint
      - run: make <<parameters.target>>
jobs:
  build:
    steps:
      - ci:
          target: release
"#;
    assert_eq!(
        steps_of(text, "build"),
        [
            "uses:ci",
            "uses:lint",
            "run:eslint lib",
            "uses:lint",
            "run:eslint src",
            "run:make release"
        ]
    );
}

#[test]
fn steps_parameters_are_spliced_in_both_forms() {
    let text = r#"
version: 2.1
commands:
  wrap:
    parameters:
      before: {type: steps, default: []}
      after: {type: steps, default: [{run: echo default-after}]}
    steps:
      - << parameters.before >>
      - run: main
      - steps: << parameters.after >>
jobs:
  build:
    steps:
      - wrap:
          before:
            - checkout
            - run: echo before
"#;
    assert_eq!(
        steps_of(text, "build"),
        [
            "uses:wrap",
            "uses:checkout",
            "run:echo before",
            "run:main",
            "run:echo default-after"
        ]
    );
}

#[test]
fn job_parameter_defaults_are_substituted() {
    let text = "version: 2.1\njobs:\n  test:\n    parameters:\n      node: {type: string, default: '18'}\n    steps:\n      - run: nvm use << parameters.node >>\n";
    assert_eq!(steps_of(text, "test"), ["run:nvm use 18"]);
}

#[test]
fn when_and_unless_are_flattened_in_place() {
    let text = "version: 2.1\njobs:\n  b:\n    steps:\n      - checkout\n      - when:\n          condition: true\n          steps: [{run: a}]\n      - unless:\n          condition: false\n          steps:\n            - run: b\n      - run: c\n";
    assert_eq!(
        steps_of(text, "b"),
        ["uses:checkout", "run:a", "run:b", "run:c"]
    );
}

#[test]
fn command_cycles_are_detected() {
    let text =
        "version: 2.1\ncommands:\n  a: {steps: [b]}\n  b: {steps: [a]}\njobs:\n  j: {steps: [a]}\n";
    let e = error_of(text);
    assert!(e.contains("cycle: a → b → a"), "{e}");
}

#[test]
fn registry_orb_commands_stay_named_and_orb_jobs_are_not_verifiable() {
    let text = "version: 2.1\norbs:\n  node: circleci/node@5.1\njobs:\n  build:\n    steps:\n      - node/install-packages\nworkflows:\n  main:\n    jobs:\n      - build\n      - node/test:\n          version: '18'\n";
    let p = parse_file(".circleci/config.yml", CiSystem::Circleci, text).unwrap();
    assert_eq!(p.jobs.len(), 2);
    assert_eq!(
        p.jobs[0].steps[0].kind,
        StepKind::Uses("node/install-packages".into())
    );
    assert_eq!(p.jobs[1].name, "node/test");
    assert_eq!(
        p.jobs[1].kind,
        JobKind::NotVerifiable("orb job from circleci/node@5.1".into())
    );
}

#[test]
fn inline_orbs_expand_like_commands() {
    let text = r#"
version: 2.1
orbs:
  tools:
    commands:
      setup:
        steps: [checkout, inner]
      inner:
        steps: [{run: make deps}]
    jobs:
      lint:
        steps: [setup, {run: make lint}]
workflows:
  w:
    jobs: [tools/lint]
jobs:
  build:
    steps: [tools/setup]
"#;
    assert_eq!(
        steps_of(text, "build"),
        [
            "uses:tools/setup",
            "uses:checkout",
            "uses:inner",
            "run:make deps"
        ]
    );
    assert_eq!(
        steps_of(text, "tools/lint"),
        [
            "uses:setup",
            "uses:checkout",
            "uses:inner",
            "run:make deps",
            "run:make lint"
        ]
    );
}

#[test]
fn anchors_and_merge_keys_feed_jobs() {
    let text = r#"
version: 2
defaults: &defaults
  docker: [{image: x}]
  steps:
    - checkout
    - run: make
extra: &extra
  working_directory: /tmp
jobs:
  a:
    <<: *defaults
    <<: *extra
  b:
    <<: [*extra, *defaults]
    steps: [{run: other}]
"#;
    assert_eq!(steps_of(text, "a"), ["uses:checkout", "run:make"]);
    assert_eq!(steps_of(text, "b"), ["run:other"]);
}

#[test]
fn duplicate_job_keys_last_wins() {
    let text = "jobs:\n  a:\n    steps: [{run: one}]\n  a:\n    steps: [{run: two}]\n";
    assert_eq!(steps_of(text, "a"), ["run:two"]);
}

#[test]
fn job_with_no_steps_is_kept_empty() {
    let text = "jobs:\n  a:\n    steps: []\n";
    assert!(steps_of(text, "a").is_empty());
}

#[test]
fn bad_shapes_are_errors_with_lines() {
    assert_eq!(
        error_of("version: 2\njobs:\n"),
        ".circleci/config.yml:2: `jobs` is null; expected a mapping of job names to jobs"
    );
    assert!(error_of("jobs: [a]\n").contains("must be a mapping of job names"));
    assert!(error_of("jobs:\n  a:\n").contains("job `a` must be a mapping"));
    assert!(
        error_of("jobs:\n  a:\n    steps:\n")
            .contains("`steps` of job `a` must be a list, found null")
    );
    assert!(error_of("jobs:\n  a:\n    steps: make\n").contains("must be a list, found a string"));
    assert!(error_of("jobs:\n  a:\n    steps:\n      - [x]\n").contains(":4: a step must be"));
    assert_eq!(error_of(""), ".circleci/config.yml: the file is empty");
    assert!(error_of("just text\n").contains("top level must be a mapping"));
    assert!(error_of("jobs: [\n").contains("invalid YAML"));
}

#[test]
fn exponential_command_nesting_is_bounded() {
    let mut text = String::from("version: 2.1\ncommands:\n  c0: {steps: [{run: x}]}\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "  c{i}: {{steps: [c{p}, c{p}, c{p}, c{p}, c{p}, c{p}, c{p}, c{p}]}}\n"
        ));
    }
    text.push_str("jobs:\n  j: {steps: [c11]}\n");
    assert!(error_of(&text).contains("more than"));
}

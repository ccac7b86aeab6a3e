use super::super::{CiSystem, JobKind, StepKind, load_repository, parse as parse_file};

#[test]
fn jobs_with_run_and_uses_steps_and_on_key() {
    let text = "on:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test\n        run: |\n          cargo test\n";
    let p = parse_file(".github/workflows/ci.yml", CiSystem::GithubActions, text).unwrap();
    assert!(!p.reusable_only());
    let steps = &p.jobs[0].steps;
    assert_eq!(steps[0].kind, StepKind::Uses("actions/checkout@v4".into()));
    assert_eq!(steps[1].kind, StepKind::Run("cargo test\n".into()));
    assert_eq!(steps[1].line, 8);
}

#[test]
fn a_remote_reusable_workflow_of_an_owner_not_followed_is_not_verifiable() {
    let text = "on: push\njobs:\n  call:\n    uses: org/repo/.github/workflows/x.yml@main\n    with:\n      env: prod\n";
    let p = parse_file("w.yml", CiSystem::GithubActions, text).unwrap();
    assert!(
        matches!(&p.jobs[0].kind, JobKind::Calls(c) if c.with == [("env".to_string(), "prod".to_string())])
    );
    let repo = load_repository([(".github/workflows/w.yml", text)]);
    assert_eq!(
        repo.pipelines[0].jobs[0].kind,
        JobKind::NotVerifiable("calls workflow org/repo/.github/workflows/x.yml@main".into())
    );
    assert!(repo.wanted_shared.is_empty() && repo.unfollowed.is_empty());
}

#[test]
fn local_reusable_workflow_is_checked_through_its_jobs() {
    let caller = "on: push\njobs:\n  ci:\n    uses: ./.github/workflows/reusable.yml\n  own:\n    runs-on: x\n    steps: [{run: make}]\n";
    let callee = "on: workflow_call\njobs:\n  build:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n";
    let repo = load_repository([
        (".github/workflows/ci.yml", caller),
        (".github/workflows/reusable.yml", callee),
    ]);
    assert!(repo.errors.is_empty(), "{:?}", repo.errors);
    let names: Vec<_> = repo
        .jobs()
        .map(|(_, j)| (j.name.clone(), j.path.clone()))
        .collect();
    assert_eq!(
        names,
        [
            (
                "ci/build".to_string(),
                ".github/workflows/reusable.yml".to_string()
            ),
            ("own".to_string(), ".github/workflows/ci.yml".to_string())
        ]
    );
}

#[test]
fn missing_local_workflow_is_an_error() {
    let caller = "on: push\njobs:\n  ci:\n    uses: ./.github/workflows/nope.yml\n";
    let repo = load_repository([(".github/workflows/ci.yml", caller)]);
    assert_eq!(repo.errors.len(), 1);
    assert!(
        repo.errors[0]
            .message
            .contains("not a workflow in this repository")
    );
}

#[test]
fn bad_shapes_are_errors() {
    let err = |t: &str| {
        parse_file("w.yml", CiSystem::GithubActions, t)
            .unwrap_err()
            .to_string()
    };
    assert!(err("on: push\njobs:\n").contains("`jobs` is null"));
    assert!(err("on: push\njobs:\n  a:\n    steps: 3\n").contains("must be a list"));
    assert!(err("on: push\njobs:\n  a:\n    steps:\n      -\n").contains("found null"));
}

#[test]
fn non_ci_files_in_a_repository_are_ignored() {
    let repo = load_repository([("README.md", "# hi"), (".github/workflows/sub/x.yml", "::")]);
    assert!(repo.pipelines.is_empty() && repo.errors.is_empty());
}

#[test]
fn sha_pins_take_their_version_from_the_trailing_comment() {
    let text = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: actions/setup-node@1d0ff469b7ec7b3cb9d8673fde0c81c44821de2a  # tag=v4.2.0\n      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684\n      - uses: actions/upload-artifact@v4 # v4.6.0\n      - uses: docker/login-action@9780b0c442fbb1117ed29e0efdff1e18412f7567 # pinned by bot\n";
    let p = parse_file(".github/workflows/ci.yml", CiSystem::GithubActions, text).unwrap();
    let versions: Vec<Option<&str>> = p.jobs[0]
        .steps
        .iter()
        .map(|s| s.version.as_deref())
        .collect();
    assert_eq!(
        versions,
        [Some("v4.2.2"), Some("v4.2.0"), None, None, None],
        "only full SHAs take a version, and only from a version comment"
    );
}

#[test]
fn duplicate_keys_and_merge_keys_are_refused_as_github_refuses_them() {
    // GitHub: "'build' is already defined"; the first job must not vanish silently.
    let dup = "on: push\njobs:\n  build:\n    runs-on: x\n    steps: [{run: a}]\n  build:\n    runs-on: x\n    steps: [{run: b}]\n";
    let e =
        super::super::parse(".github/workflows/ci.yml", CiSystem::GithubActions, dup).unwrap_err();
    assert_eq!(e.line, Some(6), "{e}");
    assert!(
        e.message.contains("'build' is already defined (line 3)"),
        "{e}"
    );
    // Anchors and aliases are supported; merge keys are not.
    let anchors = "on: push\njobs:\n  a:\n    runs-on: &os ubuntu-latest\n    steps: &s [{run: make}]\n  b:\n    runs-on: *os\n    steps: *s\n";
    let p = parse_file("w.yml", CiSystem::GithubActions, anchors).unwrap();
    assert_eq!(p.jobs[1].steps.len(), 1);
    let merge = "on: push\njobs:\n  a: &base\n    runs-on: x\n    steps: [{run: make}]\n  b:\n    <<: *base\n";
    let e = parse_file("w.yml", CiSystem::GithubActions, merge).unwrap_err();
    assert_eq!(e.line, Some(7), "{e}");
    assert!(
        e.message.contains("`<<` merge keys are not supported"),
        "{e}"
    );
    // The same in a composite action.
    let action = "runs:\n  using: composite\n  steps:\n    - run: a\n      run: b\n";
    let (_, r) = super::super::parse_detect("action.yml", action);
    assert!(r.unwrap_err().message.contains("'run' is already defined"));
}

#[test]
fn circleci_keeps_reading_duplicates_and_merge_keys_as_circleci_does() {
    let text = "version: 2.1\njobs:\n  a: &base\n    docker: [{image: x}]\n    steps: [checkout]\n  b:\n    <<: *base\n  b:\n    <<: *base\n    steps: [checkout, {run: make}]\nworkflows:\n  w:\n    jobs: [a, b]\n";
    let p = parse_file(".circleci/config.yml", CiSystem::Circleci, text).unwrap();
    assert_eq!(p.jobs[1].steps.len(), 2);
}

#[test]
fn one_repository_cannot_spend_the_runs_shared_files_on_its_own() {
    // 300 actions in another repository, 600 files: past the repository's limit, calls are
    // not followed and not asked for, so the run's files stay for other repositories.
    let steps: String = (0..300)
        .map(|i| format!("      - uses: acme/shared/a{i}@v1\n"))
        .collect();
    let text = format!("on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n{steps}");
    let shared = super::super::remote::Shared::new(["acme"]);
    let files = [(".github/workflows/ci.yml", text.as_str())];
    let repo = super::super::load_repository_within(files, Default::default(), &shared);
    assert_eq!(
        repo.wanted_shared.len(),
        super::super::remote::MAX_PER_REPOSITORY
    );
    assert!(
        repo.unfollowed
            .iter()
            .any(|u| u.reason.contains("names more than 400 files")),
        "{:?}",
        repo.unfollowed.first()
    );
}

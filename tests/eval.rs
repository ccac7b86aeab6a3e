//! Evaluation semantics on small in-memory repositories.

use orgcheck::ci::load_repository;
use orgcheck::eval::{Context, evaluate};
use orgcheck::policy::{self, Date};
use orgcheck::report::{Report, Status};
use orgcheck::source::Repository;

fn repo(name: &str, files: &[(&str, &str)]) -> Repository {
    Repository {
        name: name.into(),
        ci: load_repository(files.iter().copied()),
        ..Repository::default()
    }
}

fn run(policy: &str, repos: &[Repository]) -> Report {
    let policy = policy::parse("p.toml", policy).expect("valid policy");
    let cx = Context {
        source: orgcheck::report::Scanned::Local("test".into()),
        policy_path: "p.toml".into(),
        today: Date::parse("2026-11-27").unwrap(),
        incomplete: None,
    };
    evaluate(&policy, repos, &cx)
}

/// The rules job `index` of a repository misses.
fn missing(repo: &orgcheck::report::RepoReport, index: usize) -> Vec<String> {
    repo.job_findings(index).map(|f| f.rule.clone()).collect()
}

/// The `any-job` rules no job of a repository satisfies.
fn repo_missing(repo: &orgcheck::report::RepoReport) -> Vec<String> {
    repo.repo_findings().map(|f| f.rule.clone()).collect()
}

const ORB_CONFIG: &str = "version: 2.1\norbs:\n  n: circleci/node@5\njobs:\n  build:\n    steps: [checkout]\nworkflows:\n  w:\n    jobs: [build, n/test]\n";

#[test]
fn unverifiable_jobs_are_ignored_by_default_and_fail_when_asked() {
    let rule = "[[rule]]\nid = \"co\"\ndescription = \"d\"\nuses = \"checkout\"\n";
    let r = [repo("a", &[(".circleci/config.yml", ORB_CONFIG)])];
    let report = run(rule, &r);
    assert_eq!(report.repositories[0].status, Status::Compliant);
    assert!(!report.repositories[0].jobs[1].verifiable);
    let report = run(
        &format!("[settings]\nunverifiable-jobs = \"fail\"\n{rule}"),
        &r,
    );
    assert_eq!(report.repositories[0].status, Status::NonCompliant);
    assert_eq!(missing(&report.repositories[0], 1), ["co"]);
}

#[test]
fn any_job_rules_need_one_job_and_only_apply_where_jobs_match() {
    let policy = "[[rule]]\nid = \"scan\"\ndescription = \"d\"\nrun = \"scan\"\nrequire = \"any-job\"\nci = [\"github-actions\"]\n";
    let with = "on: push\njobs:\n  a: {runs-on: x, steps: [{run: build}]}\n  b: {runs-on: x, steps: [{run: scan}]}\n";
    let without = "on: push\njobs:\n  a: {runs-on: x, steps: [{run: build}]}\n";
    let report = run(
        policy,
        &[
            repo("with", &[(".github/workflows/ci.yml", with)]),
            repo("without", &[(".github/workflows/ci.yml", without)]),
            repo(
                "circle-only",
                &[(
                    ".circleci/config.yml",
                    "jobs:\n  build:\n    steps: [checkout]\n",
                )],
            ),
        ],
    );
    let status: Vec<_> = report
        .repositories
        .iter()
        .map(|r| (r.name.as_str(), r.status))
        .collect();
    assert_eq!(
        status,
        [
            ("circle-only", Status::Compliant),
            ("with", Status::Compliant),
            ("without", Status::NonCompliant)
        ]
    );
    assert_eq!(repo_missing(&report.repositories[2]), ["scan"]);
    assert!(missing(&report.repositories[2], 0).is_empty());
}

#[test]
fn job_globs_and_ci_filters_limit_rules() {
    let policy =
        "[[rule]]\nid = \"t\"\ndescription = \"d\"\nrun = \"make test\"\njobs = [\"test-*\"]\n";
    let cfg = "jobs:\n  build: {steps: [{run: make}]}\n  test-unit: {steps: [{run: make}]}\nworkflows:\n  w:\n    jobs: [build, test-unit]\n";
    let report = run(policy, &[repo("r", &[(".circleci/config.yml", cfg)])]);
    let r = &report.repositories[0];
    assert!(missing(r, 0).is_empty());
    assert_eq!(missing(r, 1), ["t"]);
}

#[test]
fn exemptions_cover_rules_until_they_expire() {
    let base = "[[rule]]\nid = \"t\"\ndescription = \"d\"\nrun = \"make test\"\n";
    let cfg = [(
        ".circleci/config.yml",
        "jobs:\n  build: {steps: [{run: make}]}\n",
    )];
    let active = format!(
        "{base}[[exemption]]\nrepositories = \"r\"\nrules = [\"t\"]\nreason = \"why\"\nexpires = 2026-11-27\n"
    );
    let report = run(&active, &[repo("r", &cfg)]);
    assert_eq!(report.repositories[0].status, Status::Exempt);
    assert!(!report.repositories[0].exemptions[0].expired);

    let expired = active.replace("2026-11-27", "2026-11-26");
    let report = run(&expired, &[repo("r", &cfg)]);
    assert_eq!(report.repositories[0].status, Status::NonCompliant);
    assert!(report.repositories[0].exemptions[0].expired);

    let all_rules = format!("{base}[[exemption]]\nrepositories = \"*\"\nreason = \"everything\"\n");
    let report = run(&all_rules, &[repo("r", &[])]);
    assert_eq!(report.repositories[0].status, Status::Exempt);
}

#[test]
fn jobs_without_steps_miss_every_rule_and_say_so() {
    let policy = "[[rule]]\nid = \"co\"\ndescription = \"d\"\nuses = \"checkout\"\n";
    let report = run(
        policy,
        &[repo(
            "r",
            &[(".circleci/config.yml", "jobs:\n  build:\n    steps: []\n")],
        )],
    );
    let job = &report.repositories[0].jobs[0];
    assert_eq!(
        (job.steps, missing(&report.repositories[0], 0)),
        (0, vec!["co".to_string()])
    );
}

#[test]
fn broken_config_is_an_error_but_other_files_still_count() {
    let policy = "[[rule]]\nid = \"co\"\ndescription = \"d\"\nuses = \"actions/checkout\"\n";
    let report = run(
        policy,
        &[repo(
            "r",
            &[
                (".github/workflows/bad.yml", "on: push\njobs: [\n"),
                (
                    ".github/workflows/ok.yml",
                    "on: push\njobs:\n  a: {runs-on: x, steps: [{uses: actions/checkout@v4}]}\n",
                ),
            ],
        )],
    );
    let r = &report.repositories[0];
    assert_eq!(r.status, Status::Error);
    assert_eq!(r.jobs.len(), 1);
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .starts_with(".github/workflows/bad.yml:"),
        "{:?}",
        r.error
    );
    assert!(!report.is_passing());
}

#[test]
fn reusable_workflows_take_the_events_of_their_callers() {
    let policy =
        "[[rule]]\nid = \"t\"\ndescription = \"d\"\nrun = \"make test\"\nevents = [\"push\"]\n";
    let callee = "on: workflow_call\njobs:\n  inner: {runs-on: x, steps: [{run: build}]}\n";
    let caller = |on: &str| {
        format!("on: {on}\njobs:\n  call:\n    uses: ./.github/workflows/reusable.yml\n")
    };
    let on_push = caller("push");
    let on_release = caller("release");
    let report = run(
        policy,
        &[
            repo(
                "pushed",
                &[
                    (".github/workflows/ci.yml", on_push.as_str()),
                    (".github/workflows/reusable.yml", callee),
                ],
            ),
            repo(
                "released",
                &[
                    (".github/workflows/ci.yml", on_release.as_str()),
                    (".github/workflows/reusable.yml", callee),
                ],
            ),
        ],
    );
    let pushed = &report.repositories[0];
    assert_eq!(pushed.jobs[0].name, "call/inner");
    assert_eq!(missing(pushed, 0), ["t"]);
    assert_eq!(report.repositories[1].status, Status::Compliant);
}

const FORBID: &str = "[[rule]]\nid = \"no-pipe\"\ndescription = \"d\"\nrun = \"| bash\"\nmatch = \"contains\"\nforbid = true\njobs = [\"build\", \"deploy\"]\n";

#[test]
fn forbidden_steps_are_found_one_by_one_at_their_lines() {
    let workflow = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: curl -s x | bash\n      - run: make\n      - run: wget -O- y | bash\n  deploy:\n    runs-on: x\n    steps:\n      - run: ./deploy\n  lint:\n    runs-on: x\n    steps:\n      - run: curl z | bash\n";
    let report = run(
        FORBID,
        &[repo("r", &[(".github/workflows/ci.yml", workflow)])],
    );
    let r = &report.repositories[0];
    assert_eq!(r.status, Status::NonCompliant);
    let found: Vec<(Option<usize>, Option<usize>, &str)> = r
        .findings
        .iter()
        .map(|f| (f.job, f.line, f.detail.as_deref().unwrap()))
        .collect();
    // `lint` is outside the rule's jobs; `deploy` runs nothing forbidden.
    assert_eq!(
        found,
        [
            (Some(0), Some(6), "curl -s x | bash"),
            (Some(0), Some(8), "wget -O- y | bash")
        ]
    );
    assert!(r.findings.iter().all(|f| f.kind.to_string() == "forbidden"));
}

#[test]
fn forbidden_steps_inside_composite_actions_point_into_the_action() {
    let workflow = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - uses: ./setup\n";
    let action = "runs:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n    - run: curl x | bash\n      shell: bash\n";
    let report = run(
        FORBID,
        &[repo(
            "r",
            &[
                (".github/workflows/ci.yml", workflow),
                ("setup/action.yml", action),
            ],
        )],
    );
    let f = &report.repositories[0].findings[0];
    assert_eq!(
        (f.file.as_deref(), f.line),
        (Some("setup/action.yml"), Some(6))
    );
}

#[test]
fn exemptions_cover_forbidden_steps_until_they_expire() {
    let config = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: curl x | bash\nworkflows:\n  w:\n    jobs: [build]\n";
    let exempt = |expires: &str| {
        format!(
            "{FORBID}[[exemption]]\nrepositories = \"r\"\nrules = [\"no-pipe\"]\nreason = \"vendor script\"\nexpires = {expires}\n"
        )
    };
    let files = [(".circleci/config.yml", config)];
    let active = run(&exempt("2026-12-31"), &[repo("r", &files)]);
    assert_eq!(active.repositories[0].status, Status::Exempt);
    assert!(active.repositories[0].findings.is_empty());
    let expired = run(&exempt("2026-11-01"), &[repo("r", &files)]);
    assert_eq!(expired.repositories[0].status, Status::NonCompliant);
    assert_eq!(expired.repositories[0].findings.len(), 1);
}

#[test]
fn a_forbidden_rule_takes_no_require() {
    let text = format!("{FORBID}require = \"any-job\"\npinned = \"sha\"\n");
    let err = policy::parse("p.toml", &text).unwrap_err().to_string();
    assert!(
        err.contains("p.toml:8:11: `require` does not apply to a forbidden rule"),
        "{err}"
    );
    assert!(
        err.contains("p.toml:9:10: `pinned` does not apply to a forbidden rule"),
        "{err}"
    );
}

#[test]
fn version_constraints_accept_versions_and_say_why_they_refuse() {
    let policy = "[[rule]]\nid = \"co\"\ndescription = \"d\"\nuses = \"actions/checkout\"\nversion = \">=4\"\n";
    let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
    let job = |i: usize, uses: &str| {
        format!("  j{i}:\n    runs-on: x\n    steps:\n      - uses: {uses}\n")
    };
    let jobs = [
        "actions/checkout@v4".to_string(),
        "actions/checkout@v5.0.1".into(),
        format!("actions/checkout@{sha} # v4.2.2"),
        "actions/checkout@v3".into(),
        "actions/checkout@main".into(),
        format!("actions/checkout@{sha}"),
        "actions/setup-node@v4".into(),
    ];
    let workflow: String = std::iter::once("on: push\njobs:\n".to_string())
        .chain(jobs.iter().enumerate().map(|(i, u)| job(i, u)))
        .collect();
    let report = run(
        policy,
        &[repo("r", &[(".github/workflows/ci.yml", &workflow)])],
    );
    let r = &report.repositories[0];
    let got: Vec<(usize, String, String)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.job.unwrap(),
                f.kind.to_string(),
                f.why.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!((got[0].0, got[0].1.as_str()), (3, "version"));
    assert_eq!(got[0].2, "3.0.0 is not >=4");
    assert!(got[1].2.contains("main is a branch or tag name"), "{got:?}");
    assert!(got[2].2.contains("no version comment"), "{got:?}");
    assert_eq!((got[3].0, got[3].1.as_str()), (6, "missing"));
}

#[test]
fn orb_steps_are_judged_by_the_orb_version_the_config_imports() {
    let policy = "[[rule]]\nid = \"node\"\ndescription = \"d\"\nuses = \"node/install\"\nversion = \">=5\"\n";
    let config = |orb: &str| {
        format!(
            "version: 2.1\norbs:\n  node: circleci/node@{orb}\njobs:\n  build:\n    steps:\n      - node/install\nworkflows:\n  w:\n    jobs: [build]\n"
        )
    };
    let (new, old) = (config("5.1.0"), config("4.7.0"));
    let report = run(
        policy,
        &[
            repo("new", &[(".circleci/config.yml", &new)]),
            repo("old", &[(".circleci/config.yml", &old)]),
        ],
    );
    assert_eq!(report.repositories[0].status, Status::Compliant);
    let f = &report.repositories[1].findings[0];
    assert_eq!(f.detail.as_deref(), Some("node/install@4.7.0"));
    assert_eq!(f.why.as_deref(), Some("4.7.0 is not >=5"));
}

#[test]
fn uses_names_may_be_globs() {
    let policy = "[[rule]]\nid = \"no-third-party\"\ndescription = \"d\"\nuses = \"evil-corp/*\"\nforbid = true\n";
    let workflow = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: evil-corp/miner@v1\n";
    let report = run(
        policy,
        &[repo("r", &[(".github/workflows/ci.yml", workflow)])],
    );
    let found: Vec<&str> = report.repositories[0]
        .findings
        .iter()
        .filter_map(|f| f.detail.as_deref())
        .collect();
    assert_eq!(found, ["evil-corp/miner@v1"]);
}

#[test]
fn warnings_never_fail_and_enforce_from_turns_them_into_errors() {
    let rule = |extra: &str| {
        format!("[[rule]]\nid = \"lint\"\ndescription = \"d\"\nrun = \"make lint\"\n{extra}")
    };
    let config = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make\nworkflows:\n  w:\n    jobs: [build]\n";
    let files = [(".circleci/config.yml", config)];
    let check = |policy: &str| {
        let report = run(policy, &[repo("r", &files)]);
        let r = &report.repositories[0];
        (r.status, r.warnings(), report.summary.warnings)
    };
    // Today is 2026-11-27.
    assert_eq!(
        check(&rule("severity = \"warning\"\n")),
        (Status::Compliant, 1, 1)
    );
    assert_eq!(
        check(&rule("enforce-from = 2026-11-28\n")),
        (Status::Compliant, 1, 1)
    );
    assert_eq!(
        check(&rule("enforce-from = 2026-11-27\n")),
        (Status::NonCompliant, 0, 0)
    );
    assert_eq!(check(&rule("")), (Status::NonCompliant, 0, 0));
    // An exemption covers a warning like any finding.
    let exempt = rule("severity = \"warning\"\n")
        + "[[exemption]]\nrepositories = \"r\"\nrules = [\"lint\"]\nreason = \"later\"\n";
    assert_eq!(check(&exempt), (Status::Exempt, 0, 0));
    // Unknown severities and bad dates are refused with positions.
    let err = policy::parse(
        "p.toml",
        &rule("severity = \"info\"\nenforce-from = \"soon\"\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("p.toml:5:12: unknown value `info`; expected one of `error`, `warning`"),
        "{err}"
    );
    assert!(
        err.contains("p.toml:6:16: `enforce-from` must be a date like 2026-12-31"),
        "{err}"
    );
}

#[test]
fn pinned_rules_constrain_the_steps_they_match_and_require_none() {
    let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
    let digest = "a".repeat(64);
    let workflow = format!(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: third/party@v2\n      - uses: third/other@{sha} # v1\n      - uses: third/branch@main\n      - uses: ./local\n      - uses: docker://alpine:3\n      - uses: docker://alpine@sha256:0123\n      - uses: docker://alpine@sha256:{digest}\n  b:\n    runs-on: x\n    steps:\n      - run: make\n"
    );
    let files = [(".github/workflows/ci.yml", workflow.as_str())];
    let unpinned = |policy: &str| -> Vec<String> {
        let report = run(policy, &[repo("r", &files)]);
        report.repositories[0]
            .findings
            .iter()
            .map(|f| f.detail.clone().unwrap_or_default())
            .collect()
    };
    let rule = "[[rule]]\nid = \"pin\"\ndescription = \"d\"\nuses = \"*\"\npinned = \"sha\"\nallow-unpinned = [\"actions/*\"]\n";
    // Job `b` runs no action: it passes. Tags, branches, image tags and a digest cut short
    // are unpinned; a whole digest (sha256, 64 hex digits) is pinned.
    assert_eq!(
        unpinned(rule),
        [
            "third/party@v2",
            "third/branch@main",
            "docker://alpine:3",
            "docker://alpine@sha256:0123"
        ]
    );
    // The same as a whole-policy setting, named `pinned-actions` for exemptions.
    let settings = "[settings]\npinned = \"sha\"\nallow-unpinned = \"actions/*\"\n";
    assert_eq!(unpinned(settings).len(), 4);
    let exempt = format!(
        "{settings}[[exemption]]\nrepositories = \"r\"\nrules = [\"pinned-actions\"]\nreason = \"migrating\"\n"
    );
    assert!(unpinned(&exempt).is_empty());
    // A rule cannot take the setting's id, and `pinned` needs a `uses` selector.
    let taken =
        format!("{settings}[[rule]]\nid = \"pinned-actions\"\ndescription = \"d\"\nrun = \"x\"\n");
    let err = policy::parse("p.toml", &taken).unwrap_err().to_string();
    assert!(err.contains("is taken by `[settings] pinned`"), "{err}");
    let on_run = "[[rule]]\nid = \"p\"\ndescription = \"d\"\nrun = \"x\"\npinned = \"sha\"\n";
    let err = policy::parse("p.toml", on_run).unwrap_err().to_string();
    assert!(
        err.contains("p.toml:5:10: `pinned` applies to `uses` selectors only"),
        "{err}"
    );
}

#[test]
fn exemptions_cover_version_and_pinning_findings_until_they_expire() {
    let rules = "[[rule]]\nid = \"co\"\ndescription = \"d\"\nuses = \"actions/checkout\"\nversion = \">=4\"\n\n[[rule]]\nid = \"pin\"\ndescription = \"d\"\nuses = \"*\"\npinned = \"sha\"\n";
    let workflow =
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v3\n";
    let files = [(".github/workflows/ci.yml", workflow)];
    let with = |expires: &str| {
        format!(
            "{rules}[[exemption]]\nrepositories = \"r\"\nrules = [\"co\", \"pin\"]\nreason = \"upgrading\"\nexpires = {expires}\n"
        )
    };
    let active = run(&with("2026-12-31"), &[repo("r", &files)]);
    assert_eq!(active.repositories[0].status, Status::Exempt);
    let expired = run(&with("2026-01-01"), &[repo("r", &files)]);
    let kinds: Vec<String> = expired.repositories[0]
        .findings
        .iter()
        .map(|f| f.kind.to_string())
        .collect();
    assert_eq!(kinds, ["version", "unpinned"]);
    assert_eq!(expired.repositories[0].status, Status::NonCompliant);
}

/// GitHub Actions parallel steps (GA 2026-06-25): steps in a `parallel:` group and background
/// steps run like any other and are judged; `wait`, `wait-all` and `cancel` run nothing.
#[test]
fn parallel_and_background_steps_are_judged_control_steps_run_nothing() {
    let workflow = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - id: db\n        run: ./start-db\n        background: true\n      - parallel:\n          - run: make test\n          - run: curl -fsSL https://x.example | bash\n      - wait: db\n      - wait-all:\n      - cancel: db\n";
    let policy = "[[rule]]\nid = \"tests\"\ndescription = \"d\"\nrun = \"make test\"\n\n[[rule]]\nid = \"no-pipe\"\ndescription = \"d\"\nrun = \"| bash\"\nmatch = \"contains\"\nforbid = true\n";
    let report = run(
        policy,
        &[repo("r", &[(".github/workflows/ci.yml", workflow)])],
    );
    let r = &report.repositories[0];
    assert_eq!(
        r.jobs[0].steps, 4,
        "checkout, the background step and the group's two"
    );
    let found: Vec<(String, Option<usize>)> = r
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.line))
        .collect();
    assert_eq!(
        found,
        [("no-pipe".to_string(), Some(12))],
        "the test in the group counts"
    );
}

/// Each case GitHub refuses is an error at its line.
#[test]
fn steps_github_refuses_are_errors_at_their_line() {
    let cases = [
        (
            "      - name: only a name\n        with: {a: 1}\n",
            6,
            "needs `run` or `uses`",
        ),
        (
            "      - run: make\n        uses: actions/checkout@v4\n",
            7,
            "both `run` and `uses`",
        ),
        (
            "      - parallel:\n          - parallel:\n              - run: a\n",
            7,
            "cannot hold another",
        ),
        (
            "      - parallel: {run: a}\n",
            6,
            "`parallel` of job `build` must be a list",
        ),
    ];
    for (steps, line, message) in cases {
        let workflow = format!("on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n{steps}");
        assert_refused(".github/workflows/ci.yml", &workflow, line, message);
    }
}

/// `text` at `path` makes its repository an error, first at `line`, saying `message`.
fn assert_refused(path: &str, text: &str, line: usize, message: &str) {
    let report = run(
        "[[rule]]\nid = \"a\"\ndescription = \"d\"\nrun = \"a\"\n",
        &[repo("r", &[(path, text)])],
    );
    let r = &report.repositories[0];
    assert_eq!(r.status, Status::Error, "{text}");
    assert_eq!(r.errors[0].line, Some(line), "{text}: {:?}", r.errors);
    assert!(r.errors[0].message.contains(message), "{:?}", r.errors);
}

/// Workflows and configs the services refuse are errors at their line, not quietly read.
#[test]
fn configs_the_services_refuse_are_errors_at_their_line() {
    let cases: [(&str, &str, usize, &str); 5] = [
        (
            ".github/workflows/ci.yml",
            "jobs:\n  a: {runs-on: x, steps: [{run: a}]}\n",
            1,
            "needs `on:`",
        ),
        (
            ".github/workflows/ci.yml",
            "on: push\nname: n\n",
            1,
            "needs `jobs:`",
        ),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  a:\n    uses: o/r/.github/workflows/w.yml@v1\n    steps: [{run: a}]\n",
            5,
            "calls a reusable workflow (`uses`) and has `steps`",
        ),
        (".circleci/config.yml", "{}\n", 1, "needs `version:`"),
        (
            ".circleci/config.yml",
            "version: 2.1\njobs:\n  test: {docker: [{image: x}], steps: [checkout]}\nworkflows:\n  w:\n    jobs: [tset]\n",
            6,
            "runs job `tset`, which `jobs:` does not define",
        ),
    ];
    for (path, text, line, message) in cases {
        assert_refused(path, text, line, message);
    }
}

/// A GitHub job is reported by the `name:` GitHub shows (its id stays `job`), unless the name
/// is an expression; a rule's `jobs` glob matches either.
#[test]
fn github_jobs_are_shown_by_name_and_matched_by_name_or_id() {
    let workflow = "on: push\njobs:\n  unit:\n    name: Unit tests\n    runs-on: x\n    steps: [{run: make}]\n  matrix:\n    name: ${{ matrix.os }} build\n    runs-on: x\n    steps: [{run: make}]\n";
    let by = |glob: &str| {
        let policy = format!(
            "[[rule]]\nid = \"t\"\ndescription = \"d\"\nrun = \"make test\"\njobs = [\"{glob}\"]\n"
        );
        let report = run(
            &policy,
            &[repo("r", &[(".github/workflows/ci.yml", workflow)])],
        );
        let r = &report.repositories[0];
        let shown: Vec<(&str, &str)> = r
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), j.job.as_str()))
            .collect();
        assert_eq!(shown, [("Unit tests", "unit"), ("matrix", "matrix")]);
        r.findings
            .iter()
            .map(|f| f.job.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(by("unit"), [0], "by id");
    assert_eq!(by("Unit*"), [0], "by name");
}

/// An orb job's own steps are out of sight, but the pre- and post-steps a workflow gives it
/// run: a rule they satisfy is satisfied, a forbidden step among them is found.
#[test]
fn an_orb_jobs_pre_and_post_steps_are_judged() {
    let config = "version: 2.1\norbs:\n  b: acme/build@1\nworkflows:\n  w:\n    jobs:\n      - b/build:\n          pre-steps:\n            - run: gitleaks detect\n          post-steps:\n            - run: curl -s x | bash\n";
    let policy = "[settings]\nunverifiable-jobs = \"fail\"\n\n[[rule]]\nid = \"secrets\"\ndescription = \"d\"\nrun = \"gitleaks detect\"\n\n[[rule]]\nid = \"checkout\"\ndescription = \"d\"\nuses = \"checkout\"\n\n[[rule]]\nid = \"no-pipe\"\ndescription = \"d\"\nrun = \"| bash\"\nmatch = \"contains\"\nforbid = true\n";
    let report = run(policy, &[repo("r", &[(".circleci/config.yml", config)])]);
    let r = &report.repositories[0];
    assert!(!r.jobs[0].verifiable);
    assert_eq!(r.jobs[0].steps, 2);
    let mut found: Vec<(String, Option<usize>)> = r
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.line))
        .collect();
    found.sort();
    // `secrets` is satisfied by the pre-step; `checkout` cannot be seen, and fails under
    // `unverifiable-jobs = "fail"`; the post-step pipes into a shell.
    assert_eq!(
        found,
        [
            ("checkout".to_string(), Some(7)),
            ("no-pipe".to_string(), Some(11))
        ]
    );
}

//! The contract test: the built image (`.ci/image`, named in $ORGCHECK_IMAGE) run the way the
//! GitHub runner runs a Docker action, against the fake GitHub on 127.0.0.1. The runner's
//! `docker run`: `--workdir /github/workspace` with the workspace mounted there, file commands
//! in `/github/file_commands`, `/github/home` as HOME, every declared input as `INPUT_<NAME>`
//! with defaults applied, the `GITHUB_*` variables, then `runs.args`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orgcheck::ci::yaml::{self, Node};
use support::fake_github::{FakeApp, FakeGitHub, FakeRepo, Fault, On, State};
use support::{code, root, stderr, stdout};

const TOKEN: &str = "ghs_CONTAINER_CANARY_0123456789";
const GOOD: &str =
    "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n      - run: make test\n";
const BAD: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make\n";
const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";
const OUTPUTS: [&str; 6] = [
    "compliant",
    "repositories",
    "non-compliant",
    "errors",
    "issue-url",
    "report",
];

/// The image and how to start a container here.
struct Runner {
    image: String,
    inputs: Vec<(String, Option<String>)>,
    args: Vec<String>,
}

fn runner() -> Option<Runner> {
    let Some(image) = std::env::var("ORGCHECK_IMAGE")
        .ok()
        .filter(|i| !i.is_empty())
    else {
        support::skipped(
            "$ORGCHECK_IMAGE is not set, so the container contract test did not run \
             (build the image with `bash .ci/image` and export its last line; .ci/run does)",
        );
        return None;
    };
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action = yaml::load(&text).unwrap().unwrap();
    let inputs = action
        .get("inputs")
        .and_then(Node::as_map)
        .unwrap()
        .iter()
        .map(|e| {
            let default = e.value.get("default").and_then(Node::as_str);
            (e.key.clone(), default.map(str::to_string))
        })
        .collect();
    let args = action
        .get("runs")
        .and_then(|r| r.get("args"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    Some(Runner {
        image,
        inputs,
        args,
    })
}

/// One job's folders, as the runner lays them out.
struct Job {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    file_commands: PathBuf,
    home: PathBuf,
}

impl Job {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let job = Job {
            workspace: dir.path().join("workspace"),
            file_commands: dir.path().join("file_commands"),
            home: dir.path().join("home"),
            _dir: dir,
        };
        for d in [&job.workspace, &job.file_commands, &job.home] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(job.workspace.join("orgcheck.toml"), POLICY).unwrap();
        job
    }
    fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }
    fn outputs(&self) -> String {
        self.read(&self.file_commands.join("set_output_1"))
    }
    fn summary(&self) -> String {
        self.read(&self.file_commands.join("step_summary_1"))
    }
}

fn mount(host: &Path, guest: &str) -> String {
    format!("{}:{guest}", host.display())
}

impl Runner {
    /// Run the action once. `with` are the workflow's `with:` values; `${{ github.token }}`
    /// stands for the job's token.
    fn run(&self, fake: &FakeGitHub, job: &Job, with: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("podman");
        let conf = root().join(".ci/containers.conf");
        if std::env::var_os("CONTAINERS_CONF").is_none() {
            cmd.env("CONTAINERS_CONF", conf);
        }
        cmd.args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"])
            .args(["run", "--rm", "--network", "host"])
            .args(["--workdir", "/github/workspace"])
            .args(["-v", &mount(&job.workspace, "/github/workspace")])
            .args(["-v", &mount(&job.file_commands, "/github/file_commands")])
            .args(["-v", &mount(&job.home, "/github/home")]);
        let mut pass = |name: String, value: String| {
            cmd.args(["-e", &name]);
            cmd.env(name, value);
        };
        for (input, default) in &self.inputs {
            let value = with
                .iter()
                .find(|(n, _)| n == input)
                .map(|(_, v)| v.to_string())
                .or_else(|| default.clone())
                .unwrap_or_default()
                .replace("${{ github.token }}", TOKEN);
            pass(format!("INPUT_{}", input.to_uppercase()), value);
        }
        let origin = fake.origin();
        for (k, v) in [
            ("HOME", "/github/home".to_string()),
            ("CI", "true".into()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_WORKSPACE", "/github/workspace".into()),
            ("GITHUB_REPOSITORY", "acme/compliance".into()),
            ("GITHUB_REPOSITORY_OWNER", "acme".into()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_API_URL", origin.clone()),
            ("GITHUB_GRAPHQL_URL", format!("{origin}/graphql")),
            ("GITHUB_RUN_ID", "4242".into()),
            ("GITHUB_EVENT_NAME", "schedule".into()),
            ("GITHUB_OUTPUT", "/github/file_commands/set_output_1".into()),
            (
                "GITHUB_STEP_SUMMARY",
                "/github/file_commands/step_summary_1".into(),
            ),
            ("RUNNER_OS", "Linux".into()),
            ("ORGCHECK_TODAY", "2026-11-27".into()),
        ] {
            pass(k.to_string(), v);
        }
        cmd.arg(&self.image).args(&self.args);
        let out = cmd.output().expect("podman runs");
        // The token never appears anywhere the job shows or keeps.
        for text in [
            stdout(&out),
            stderr(&out),
            job.outputs(),
            job.summary(),
            job.read(&job.workspace.join("orgcheck-report.md")),
        ] {
            assert!(!text.contains(TOKEN), "the token leaked: {text}");
        }
        out
    }
}

fn acme(repos: Vec<FakeRepo>) -> FakeGitHub {
    let mut state = State::new("acme", repos);
    state.token = Some(TOKEN.into());
    FakeGitHub::start(state)
}

fn mixed() -> Vec<FakeRepo> {
    vec![
        FakeRepo::new("api").circleci(GOOD),
        FakeRepo::new("billing").circleci(BAD),
    ]
}

#[test]
fn token_run_publishes_one_issue_summary_and_outputs() {
    let Some(runner) = runner() else { return };
    let fake = acme(mixed());
    let job = Job::new();
    let out = runner.run(&fake, &job, &[]);
    assert_eq!(code(&out), 1, "non-compliant: {}", stderr(&out));
    assert_eq!(fake.issues().len(), 1, "{}", stderr(&out));
    assert!(fake.issues()[0].body.contains("billing"));
    let outputs = job.outputs();
    for name in OUTPUTS {
        assert!(
            outputs.lines().any(|l| l.starts_with(&format!("{name}="))),
            "output {name} missing: {outputs}"
        );
    }
    assert!(outputs.contains("compliant=false") && outputs.contains("non-compliant=1"));
    let report = outputs
        .lines()
        .find_map(|l| l.strip_prefix("report="))
        .unwrap();
    assert!(
        job.workspace.join(report).is_file(),
        "report={report} names a file in the workspace"
    );
    assert!(job.summary().contains("billing"), "{}", job.summary());

    // The next day: the same issue, not a second one.
    let out = runner.run(&fake, &job, &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(fake.issues().len(), 1, "the issue is kept in place");

    // fail: false turns the failure into exit 0.
    let out = runner.run(&fake, &job, &[("fail", "false")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_compliant_org_exits_zero_and_opens_nothing() {
    let Some(runner) = runner() else { return };
    let fake = acme(vec![FakeRepo::new("api").circleci(GOOD)]);
    let job = Job::new();
    let out = runner.run(&fake, &job, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(fake.issues().is_empty());
    assert!(job.outputs().contains("compliant=true"));
}

#[test]
fn github_failing_mid_scan_exits_three_with_a_partial_report() {
    let Some(runner) = runner() else { return };
    // Two pages of 50; the second never comes back.
    let repos = (0..60)
        .map(|i| {
            FakeRepo::new(&format!("svc-{i:02}")).circleci(if i % 2 == 0 { GOOD } else { BAD })
        })
        .collect();
    let fake = acme(repos);
    for _ in 0..10 {
        fake.fault_after(On::GraphQl, 1, Fault::status(502));
    }
    let job = Job::new();
    let out = runner.run(&fake, &job, &[("no-issue", "true")]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("502"), "{}", stderr(&out));
    let report = job.read(&job.workspace.join("orgcheck-report.md"));
    assert!(
        report.contains("partial") || report.contains("Partial"),
        "{report}"
    );
    assert!(job.outputs().contains("report=orgcheck-report.md"));
    assert!(
        job.outputs().contains("repositories=50"),
        "{}",
        job.outputs()
    );

    // Nothing read at all: exit 3, and nothing claims the organization is compliant.
    let fake = acme(mixed());
    for _ in 0..10 {
        fake.fault(On::GraphQl, Fault::status(502));
    }
    let job = Job::new();
    let out = runner.run(&fake, &job, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(!job.outputs().contains("compliant=true"));
    assert!(fake.issues().is_empty());
}

#[test]
fn github_app_authentication_works_in_the_container() {
    let Some(runner) = runner() else { return };
    let mut state = State::new("acme", mixed());
    state.app = Some(FakeApp {
        app_id: 4242,
        slug: "orgcheck-acme".into(),
        installation_id: 77,
        token: "ghs_installation_CONTAINER".into(),
    });
    let fake = FakeGitHub::start(state);
    let pem = std::fs::read_to_string(root().join("tests/fixtures/app-key.pem")).unwrap();
    let job = Job::new();
    let out = runner.run(
        &fake,
        &job,
        &[("app-id", "4242"), ("app-private-key", pem.as_str())],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log = fake.log();
    assert_eq!(log[0].path, "/orgs/acme/installation");
    assert_eq!(
        log.last().unwrap().authorization.as_deref(),
        Some("Bearer ghs_installation_CONTAINER")
    );
    assert_eq!(fake.issues().len(), 1);
    for text in [stdout(&out), stderr(&out), job.summary(), job.outputs()] {
        assert!(!text.contains("BEGIN RSA") && !text.contains("BEGIN PRIVATE"));
        assert!(!text.contains("ghs_installation_CONTAINER"));
    }
}

#[test]
fn dry_run_writes_nothing() {
    let Some(runner) = runner() else { return };
    let fake = acme(mixed());
    let job = Job::new();
    let out = runner.run(&fake, &job, &[("dry-run", "true")]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // GraphQL reads are POSTs; anything else that is not a GET would be a write.
    let writes: Vec<_> = fake
        .writes()
        .into_iter()
        .filter(|w| w.path != "/graphql")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(stderr(&out).contains("issue body"), "{}", stderr(&out));
}

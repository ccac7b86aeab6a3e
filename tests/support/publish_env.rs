//! The publishing tests' world: the demo organization copied to a temporary folder, scanned
//! with `--local` and published to `acme/compliance` on a fake GitHub, with the job summary,
//! step outputs and JSON report written beside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::fake_github::{FakeApp, FakeGitHub, State};
use super::{root, stderr};

pub const TOKEN: &str = "ghp_publish_CANARY_4242424242";
pub const FIXED: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n      - run: make test\n      - run: gitleaks detect\n";

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub fake: FakeGitHub,
}

impl Env {
    pub fn new() -> Self {
        let mut state = State::new("acme", Vec::new());
        state.token = Some(TOKEN.into());
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
            fake: FakeGitHub::start(state),
        };
        copy_dir(&root().join("examples/demo-org"), &env.org());
        env
    }
    /// The same world, with the fake knowing only the GitHub App `orgcheck-acme` (id 4242,
    /// key `tests/fixtures/app-key.pem`), whose installation token is `token`.
    pub fn with_app(token: &str) -> Self {
        let env = Env::new();
        {
            let mut s = env.fake.state.lock().unwrap();
            s.token = None;
            s.app = Some(FakeApp {
                app_id: 4242,
                slug: "orgcheck-acme".into(),
                installation_id: 77,
                token: token.into(),
            });
        }
        env
    }
    pub fn org(&self) -> PathBuf {
        self.dir.path().join("org")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// `scan --local` of the copied demo org, publishing to acme/compliance.
    pub fn run(&self, extra: &[&str]) -> Output {
        self.finish(&mut self.command(extra))
    }
    /// The command [`Env::run`] runs, for a test to change (another folder, another token).
    pub fn command(&self, extra: &[&str]) -> Command {
        let org = self.org();
        let api = self.fake.api_url();
        let summary = self.path("summary.md");
        let outputs = self.path("outputs.txt");
        let report = self.path("report.json");
        let mut args = vec!["scan", "--local", org.to_str().unwrap()];
        if !extra.contains(&"--policy") {
            args.extend(["--policy", "policy.example.toml"]);
        }
        args.extend([
            "--issue-repo",
            "acme/compliance",
            "--api-url",
            &api,
            "--format",
            "json",
        ]);
        args.extend(["--output", report.to_str().unwrap()]);
        args.extend_from_slice(extra);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgcheck"));
        cmd.args(&args)
            .current_dir(root())
            .env("ORGCHECK_TODAY", "2026-11-27")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_API_URL")
            .env_remove("GITHUB_GRAPHQL_URL");
        cmd
    }
    /// Run `cmd`, and check that no output holds the token.
    pub fn finish(&self, cmd: &mut Command) -> Output {
        let out = cmd.output().unwrap();
        for text in [
            String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr(&out),
            self.read("summary.md"),
            self.read("report.json"),
        ] {
            assert!(!text.contains(TOKEN), "the token leaked");
        }
        out
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }
    /// Fix one demo repository: replace its CI with a compliant config.
    pub fn fix(&self, name: &str) {
        let dir = self.org().join(name);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir_all(dir.join(".circleci")).unwrap();
        std::fs::write(dir.join(".circleci/config.yml"), FIXED).unwrap();
    }
    /// Fix every failing demo repository.
    pub fn make_compliant(&self) {
        for bad in [
            "payments",
            "mobile-app",
            "monorepo",
            "old-reports",
            "data-pipeline",
        ] {
            self.fix(bad);
        }
    }
}

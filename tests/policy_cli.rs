//! `orgcheck policy`: edits keep the file byte for byte outside what changed, refusals leave
//! it untouched, validation reports everything, the schema is current, diff shows impact.

mod support;

use std::path::{Path, PathBuf};

use orgcheck::atomic::write_atomic_with;
use support::{code, orgcheck, orgcheck_in, root, stderr, stdout};

const FIXTURE: &str = include_str!("fixtures/commented-policy.toml");

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgcheck.toml");
    std::fs::write(&path, FIXTURE).unwrap();
    (dir, path)
}

fn policy(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["policy"];
    all.extend_from_slice(args);
    orgcheck_in(dir, &all)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Lines of `new` that are not in `old`, and lines of `old` not in `new` (by position-free
/// multiset difference), so a test can say exactly what an edit touched.
fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let mut removed: Vec<String> = old.lines().map(String::from).collect();
    let mut added = Vec::new();
    for line in new.lines() {
        match removed.iter().position(|l| l == line) {
            Some(i) => {
                removed.remove(i);
            }
            None => added.push(line.to_string()),
        }
    }
    (added, removed)
}

#[test]
fn edit_changes_only_the_edited_line() {
    let (dir, path) = setup();
    let out = policy(
        dir.path(),
        &["edit", "tests", "--description", "Run every test"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = read(&path);
    assert_eq!(
        new,
        FIXTURE.replace(
            "description = \"Run the tests\"",
            "description = \"Run every test\""
        )
    );
}

#[test]
fn add_inserts_after_the_last_rule_and_touches_nothing_else() {
    let (dir, path) = setup();
    let out = policy(
        dir.path(),
        &[
            "add",
            "--id",
            "lint",
            "--description",
            "Lint",
            "--run",
            "make lint",
            "--match",
            "contains",
            "--jobs",
            "build*,lint",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = read(&path);
    let block = "\n[[rule]]\nid = \"lint\"\ndescription = \"Lint\"\nrun = \"make lint\"\nmatch = \"contains\"\njobs = [\"build*\", \"lint\"]\n";
    let at = new
        .find(block)
        .expect("the new rule, formatted like the others");
    assert!(
        at < new.find("# --- exemptions").unwrap(),
        "with the rules, before the exemptions"
    );
    assert_eq!(
        format!("{}{}", &new[..at], &new[at + block.len()..]),
        FIXTURE
    );
}

#[test]
fn remove_and_exempt_keep_the_rest() {
    let (dir, path) = setup();
    let out = policy(dir.path(), &["remove", "scan", "--prune-exemptions"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = read(&path);
    let (added, removed) = changed_lines(FIXTURE, &new);
    assert_eq!(added, ["rules = [\"tests\"]   # both"]);
    assert!(removed.contains(&"id = \"scan\"".to_string()));
    assert!(
        !new.contains("web-old"),
        "its only rule is gone, so the exemption is removed"
    );
    assert!(new.contains("# end of file comment") && new.contains("# Tests, in every build job."));

    let out = policy(
        dir.path(),
        &[
            "exempt",
            "--repositories",
            "svc-x",
            "--reason",
            "Pilot",
            "--expires",
            "2027-01-31",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let after = read(&path);
    let (added, removed) = changed_lines(&new, &after);
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(
        added,
        [
            "[[exemption]]",
            "repositories = [\"svc-x\"]",
            "reason = \"Pilot\"",
            "expires = 2027-01-31",
            ""
        ]
    );

    let out = policy(dir.path(), &["unexempt", "--repositories", "svc-x"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&path), new);
}

#[test]
fn renaming_a_rule_renames_it_in_exemptions() {
    let (dir, path) = setup();
    let out = policy(dir.path(), &["edit", "scan", "--id", "secret-scan"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = read(&path);
    assert!(
        new.contains("rules = [\"tests\", \"secret-scan\"]   # both"),
        "{new}"
    );
    assert!(new.contains("rules = [\"secret-scan\"]"));
}

// A table of refusals, one entry each: split, it would no longer read as one table.
#[allow(clippy::too_many_lines)]
#[test]
fn every_refusal_leaves_the_file_unchanged() {
    let (dir, path) = setup();
    let refusals: &[&[&str]] = &[
        &[
            "add",
            "--id",
            "tests",
            "--description",
            "dup",
            "--uses",
            "x",
        ],
        &[
            "add",
            "--id",
            "bad",
            "--description",
            "bad regex",
            "--run",
            "x(",
            "--match",
            "regex",
        ],
        &[
            "add",
            "--id",
            "Not_Kebab",
            "--description",
            "d",
            "--uses",
            "x",
        ],
        &["add", "--id", "nosel", "--description", "no selector"],
        &["edit", "nope", "--description", "x"],
        &["edit", "tests", "--id", "checkout"],
        &["edit", "checkout", "--match", "regex"],
        &["remove", "tests"],
        &["remove", "nope"],
        &[
            "exempt",
            "--repositories",
            "x",
            "--rules",
            "nope",
            "--reason",
            "r",
        ],
        &[
            "exempt",
            "--repositories",
            "x",
            "--reason",
            "r",
            "--expires",
            "2027-13-01",
        ],
        &["unexempt", "--repositories", "never-exempted"],
        &["init"],
    ];
    for args in refusals {
        let out = policy(dir.path(), args);
        assert_eq!(
            code(&out),
            2,
            "{args:?} should be refused: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).starts_with("error: "),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(read(&path), FIXTURE, "{args:?} changed the file");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
    // The refusal says what is wrong, with position, for invalid results.
    let out = policy(
        dir.path(),
        &[
            "add",
            "--id",
            "bad",
            "--description",
            "d",
            "--run",
            "x(",
            "--match",
            "regex",
        ],
    );
    assert!(
        stderr(&out).contains("orgcheck.toml:") && stderr(&out).contains("invalid regex"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_interrupted_write_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgcheck.toml");
    std::fs::write(&path, FIXTURE).unwrap();
    let result = write_atomic_with(&path, |f| {
        use std::io::Write;
        f.write_all(b"[[rule]]\nid = \"half")?;
        Err(std::io::Error::other("interrupted"))
    });
    assert!(result.is_err());
    assert_eq!(read(&path), FIXTURE);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "the temporary file is gone"
    );
}

#[test]
fn validate_reports_several_errors_and_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgcheck.toml");
    std::fs::write(&path, "[[rule]]\nid = \"a\"\ndescription = \"d\"\nuses = \"x\"\nmatch = \"regex\"\ncolour = 1\n\n[[exemption]]\nrepositories = \"r\"\nrules = [\"zzz\"]\nreason = \"r\"\n").unwrap();
    let out = policy(dir.path(), &["validate"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("(3 errors)"), "{err}");
    assert!(
        err.contains("orgcheck.toml:5:9: `match` applies to `run` selectors only"),
        "{err}"
    );
    assert!(
        err.contains("orgcheck.toml:6:1: unknown key `colour`"),
        "{err}"
    );
    assert!(
        err.contains("orgcheck.toml:10:10: exemption names rule `zzz`"),
        "{err}"
    );
    let out = orgcheck(&["policy", "-p", "policy.example.toml", "validate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn list_and_show() {
    let (dir, _) = setup();
    let out = policy(dir.path(), &["list"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("policy_list", stdout(&out));
    let out = policy(dir.path(), &["show", "tests", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["run"], "make test");
    assert_eq!(v["match"], "contains");
    assert_eq!(v["jobs"], serde_json::json!(["build*", "test*"]));
    let out = policy(dir.path(), &["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["rules"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["exemptions"][1]["repositories"],
        serde_json::json!(["web-old"])
    );
}

#[test]
fn init_writes_a_valid_commented_starter() {
    let dir = tempfile::tempdir().unwrap();
    let out = policy(dir.path(), &["init"]);
    assert_eq!(code(&out), 0);
    let text = read(&dir.path().join("orgcheck.toml"));
    assert!(
        text.contains("#:schema") && text.matches("\n#").count() > 10,
        "commented"
    );
    assert_eq!(code(&policy(dir.path(), &["validate"])), 0);
    assert_eq!(code(&policy(dir.path(), &["init", "--force"])), 0);
    // A starter for a real organization, not the demo's policy: no demo exemptions, and a
    // required step, a version floor and a forbidden step to start from.
    assert!(!text.contains("legacy-billing") && !text.contains("PLAT-142"));
    let listed = stdout(&policy(dir.path(), &["list"]));
    for id in [
        "checkout",
        "actions-checkout",
        "tests",
        "no-curl-pipe-shell",
    ] {
        assert!(listed.contains(id), "{listed}");
    }
    // Every commented example is valid once uncommented.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") || rest.starts_with('[') => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("orgcheck.toml"), uncommented).unwrap();
    let out = policy(dir.path(), &["validate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn shipped_schema_is_current() {
    let out = orgcheck(&["policy", "schema"]);
    let shipped = std::fs::read_to_string(root().join("policy.schema.json")).unwrap();
    assert_eq!(
        stdout(&out),
        shipped,
        "policy.schema.json is stale: run `cargo run -- policy schema > policy.schema.json`"
    );
    let example = std::fs::read_to_string(root().join("policy.example.toml")).unwrap();
    assert!(
        example.starts_with("#:schema ./policy.schema.json"),
        "editors find the schema"
    );
    let schema: serde_json::Value = serde_json::from_str(&shipped).unwrap();
    let rule_keys: Vec<&String> = schema["properties"]["rule"]["items"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(rule_keys.len(), 18, "the shared keys and every kind's");
}

#[test]
fn diff_lists_rule_changes_and_their_impact_on_a_local_org() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.toml");
    let base = root().join("policy.example.toml");
    std::fs::copy(&base, &new).unwrap();
    let p = new.to_str().unwrap();
    assert_eq!(
        code(&orgcheck(&[
            "policy",
            "-p",
            p,
            "edit",
            "unit-tests",
            "--require",
            "any-job"
        ])),
        0
    );
    assert_eq!(
        code(&orgcheck(&[
            "policy",
            "-p",
            p,
            "remove",
            "actions-checkout"
        ])),
        0
    );
    let out = orgcheck(&[
        "policy",
        "-p",
        p,
        "diff",
        "--base",
        base.to_str().unwrap(),
        "--local",
        "examples/demo-org",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("policy_diff", stdout(&out).replace(p, "NEW"));
}

#[test]
fn diff_reads_the_base_from_git() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    git(&["init", "-q"]);
    std::fs::write(dir.path().join("orgcheck.toml"), FIXTURE).unwrap();
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@e",
        "commit",
        "-qm",
        "policy",
    ]);
    assert_eq!(code(&policy(dir.path(), &["remove", "checkout"])), 0);
    let out = policy(
        dir.path(),
        &["diff", "--base", "HEAD:orgcheck.toml", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["policy"]["removed"],
        serde_json::json!(["checkout: uses: checkout"])
    );
    assert!(v["impact"].is_null());
}

#[test]
fn events_are_edited_validated_and_shown() {
    let (dir, path) = setup();
    let before = read(&path);
    let out = policy(
        dir.path(),
        &["edit", "tests", "--events", "push,pull_request"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (added, removed) = changed_lines(&before, &read(&path));
    assert_eq!(added, ["events = [\"push\", \"pull_request\"]"]);
    assert!(removed.is_empty());
    let shown = policy(dir.path(), &["show", "tests"]);
    assert!(stdout(&shown).contains("events:      push, pull_request"));
    // `all` removes the key: back to the bytes before.
    let out = policy(dir.path(), &["edit", "tests", "--events", "all"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&path), before);
    // A misspelt event is refused by the command line, and by validation in the file.
    let out = policy(dir.path(), &["edit", "tests", "--events", "pull-request"]);
    assert_eq!(code(&out), 2);
    assert_eq!(read(&path), before);
    let bad = before.replace(
        "description = \"Run the tests\"",
        "description = \"Run the tests\"\nevents = [\"pull-request\"]",
    );
    std::fs::write(&path, &bad).unwrap();
    let out = policy(dir.path(), &["validate"]);
    assert_eq!(code(&out), 2);
    // Line 24 of the file, the string's column.
    assert!(
        stderr(&out).contains("orgcheck.toml:24:11: unknown GitHub event `pull-request`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn forbid_is_added_shown_and_removed() {
    let (dir, path) = setup();
    let before = read(&path);
    let out = policy(
        dir.path(),
        &[
            "add",
            "--id",
            "no-pipe",
            "--description",
            "No downloads piped into a shell",
            "--run",
            "| bash",
            "--match",
            "contains",
            "--forbid",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(&path).contains("match = \"contains\"\nforbid = true\n"));
    let shown = policy(dir.path(), &["show", "no-pipe"]);
    assert!(
        stdout(&shown).contains("forbid:      yes"),
        "{}",
        stdout(&shown)
    );
    // `fix` is policy text with code spans; it round-trips and shows.
    let out = policy(
        dir.path(),
        &[
            "edit",
            "no-pipe",
            "--fix",
            "install with `scripts/install.sh`",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(&path).contains("fix = \"install with `scripts/install.sh`\"\n"));
    let shown = policy(dir.path(), &["show", "no-pipe"]);
    assert!(stdout(&shown).contains("install with `scripts/install.sh`"));
    let out = policy(dir.path(), &["edit", "no-pipe", "--fix", ""]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!read(&path).contains("fix ="));
    let out = policy(dir.path(), &["edit", "no-pipe", "--forbid=false"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!read(&path).contains("forbid"));
    let out = policy(dir.path(), &["remove", "no-pipe"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&path), before);
}

#[test]
fn diff_shows_the_jobs_an_earlier_enforce_from_or_a_forbidden_rule_turns_red() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.toml");
    std::fs::copy(root().join("policy.example.toml"), &new).unwrap();
    let p = new.to_str().unwrap();
    let edit = |args: &[&str]| {
        let mut all = vec!["policy", "-p", p];
        all.extend_from_slice(args);
        assert_eq!(code(&orgcheck(&all)), 0);
    };
    edit(&["edit", "lint", "--enforce-from", "2026-11-01"]);
    edit(&[
        "add",
        "--id",
        "no-e2e-script",
        "--description",
        "d",
        "--run",
        "./scripts/e2e.sh",
        "--forbid",
    ]);
    let out = orgcheck(&[
        "policy",
        "-p",
        p,
        "diff",
        "--base",
        root().join("policy.example.toml").to_str().unwrap(),
        "--local",
        root().join("examples/demo-org").to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("| design-system | compliant | non-compliant | build: now fails lint |"),
        "{text}"
    );
    assert!(text.contains("test-e2e: now fails no-e2e-script"), "{text}");
}

#[test]
fn an_image_rule_is_added_shown_turned_into_a_step_rule_and_refused_when_mixed() {
    let (dir, path) = setup();
    let before = read(&path);
    let args = [
        "add",
        "--id",
        "trusted-images",
        "--description",
        "Containers from our registries",
        "--image",
        "cimg/*",
        "ghcr.io/acme/*",
        "--digest",
    ];
    let out = policy(dir.path(), &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (added, removed) = changed_lines(&before, &read(&path));
    assert!(removed.is_empty(), "{removed:?}");
    assert!(
        added.contains(&"image = [\"cimg/*\", \"ghcr.io/acme/*\"]".to_string())
            && added.contains(&"digest = true".to_string()),
        "{added:?}"
    );
    let shown = stdout(&policy(dir.path(), &["show", "trusted-images"]));
    assert!(
        shown.contains("image:       cimg/*, ghcr.io/acme/*"),
        "{shown}"
    );
    assert!(
        !shown.contains("require:"),
        "an image rule places no step: {shown}"
    );
    let json = policy(dir.path(), &["show", "trusted-images", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["image"],
        serde_json::json!(["cimg/*", "ghcr.io/acme/*"])
    );
    assert_eq!(json["digest"], true);

    // A step flag on an image rule makes it invalid: refused with the position, file untouched.
    let image_rule = read(&path);
    let out = policy(
        dir.path(),
        &["edit", "trusted-images", "--require", "any-job"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`require` does not apply to an `image` rule"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&path), image_rule);

    // A selector replaces the image and its digest.
    let out = policy(
        dir.path(),
        &["edit", "trusted-images", "--uses", "acme/scan"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = read(&path);
    assert!(
        text.contains("uses = \"acme/scan\"") && !text.contains("digest"),
        "{text}"
    );
}

#[test]
fn allow_unpinned_is_edited_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgcheck.toml");
    std::fs::copy(root().join("policy.example.toml"), &path).unwrap();
    let edit = [
        "edit",
        "pin-third-party",
        "--allow-unpinned",
        "actions/*",
        "acme/*",
    ];
    let out = policy(dir.path(), &edit);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(&path).contains("allow-unpinned = [\"actions/*\", \"acme/*\"]"));
    let shown = stdout(&policy(dir.path(), &["show", "pin-third-party"]));
    assert!(
        shown.contains("allow-unpinned: actions/*, acme/*"),
        "{shown}"
    );
    let out = policy(
        dir.path(),
        &["edit", "pin-third-party", "--allow-unpinned", ""],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = read(&path);
    assert!(
        !text.lines().any(|l| l.starts_with("allow-unpinned")),
        "{text}"
    );
}

#[test]
fn list_flags_split_at_commas_outside_braces() {
    let (dir, path) = setup();
    let out = policy(
        dir.path(),
        &[
            "exempt",
            "--repositories",
            "legacy-*,old-{a,b}",
            "--rules",
            "checkout,tests",
            "--reason",
            "migrating",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = read(&path);
    assert!(
        text.contains("repositories = [\"legacy-*\", \"old-{a,b}\"]")
            && text.contains("rules = [\"checkout\", \"tests\"]"),
        "{text}"
    );
    let out = policy(dir.path(), &["edit", "tests", "--jobs", "build-{x,y},test"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The key keeps its alignment; the value is two globs, the first with its braces whole.
    let text = read(&path);
    assert!(
        text.contains("jobs        = [\"build-{x,y}\", \"test\"]"),
        "{text}"
    );
}

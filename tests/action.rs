//! `action.yml` as GitHub reads it: a strict YAML parse (libyaml, like PyYAML), every input
//! read by `orgcheck action`, every output written, defaults that make a valid command, and
//! an image reference that names this version.

mod support;

use std::process::Command;

use orgcheck::ci::yaml::{self, Node};
use orgcheck::cli::{Cli, Command as Sub};
use orgcheck::run::action::{INPUTS, Pass, scan_args, unknown_inputs, variable};
use support::{code, root, stderr};

use clap::Parser;

fn action() -> Node {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    yaml::load(&text)
        .unwrap_or_else(|e| panic!("action.yml does not parse: {e:?}"))
        .expect("action.yml is not empty")
}

fn keys(node: &Node) -> Vec<String> {
    node.as_map()
        .unwrap()
        .iter()
        .map(|e| e.key.clone())
        .collect()
}

/// `(input, default)` for every input, as GitHub applies defaults.
fn inputs() -> Vec<(String, Option<String>)> {
    let action = action();
    let inputs = action.get("inputs").expect("inputs");
    keys(inputs)
        .into_iter()
        .map(|k| {
            let default = inputs
                .get(&k)
                .and_then(|i| i.get("default"))
                .and_then(Node::as_str)
                .map(str::to_string);
            (k, default)
        })
        .collect()
}

#[test]
fn the_strict_parser_used_here_refuses_what_github_refuses() {
    // The form that once shipped: a colon and a space inside a plain scalar.
    let broken = "inputs:\n  org:\n    description: Organization. Default: the owner.\n";
    assert!(yaml::load(broken).is_err());
}

#[test]
fn action_yml_loads_and_has_what_github_requires() {
    let action = action();
    for key in ["name", "description", "inputs", "outputs", "runs"] {
        assert!(action.get(key).is_some(), "action.yml has no {key}");
    }
    let runs = action.get("runs").unwrap();
    assert_eq!(runs.get("using").and_then(Node::as_str), Some("docker"));
    for (name, _) in inputs() {
        let input = action.get("inputs").unwrap().get(&name).unwrap();
        let description = input.get("description").and_then(Node::as_str).unwrap();
        assert!(
            description.contains("Default:") || name == "local",
            "the description of `{name}` says its default: {description}"
        );
    }
}

#[test]
fn the_image_is_this_version_prebuilt() {
    let action = action();
    let image = action
        .get("runs")
        .and_then(|r| r.get("image"))
        .and_then(Node::as_str)
        .unwrap();
    assert_eq!(
        image,
        format!(
            "docker://ghcr.io/orgcheck/orgcheck:{}",
            env!("CARGO_PKG_VERSION")
        ),
        "a released action.yml pulls the image of its own version; bump both together"
    );
}

#[test]
fn every_input_is_read_and_nothing_else_is_expected() {
    let declared: Vec<String> = inputs().into_iter().map(|(n, _)| n).collect();
    let known: Vec<String> = INPUTS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        declared, known,
        "action.yml's inputs and orgcheck action's differ"
    );

    // Each input, set alone, changes the command line (a sample value for each kind).
    let baseline = scan_args(|_| None, None).unwrap();
    for &(name, pass) in INPUTS {
        let sample = match pass {
            Pass::Value(_) => "sample",
            Pass::Switch(_) => "true",
            Pass::SwitchWhenFalse(_) => "false",
        };
        let args = scan_args(|n| (n == name).then(|| sample.to_string()), None).unwrap();
        assert_ne!(args, baseline, "input `{name}` is ignored");
    }
}

#[test]
fn the_defaults_make_a_valid_scan() {
    let defaults = inputs();
    let get = |name: &str| {
        defaults
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, d)| d.clone())
            // The runner expands `${{ github.token }}`; stand in a token.
            .map(|d| d.replace("${{ github.token }}", "ghs_token"))
    };
    let args = scan_args(get, Some("acme".into())).unwrap();
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let Sub::Scan(scan) = cli.command else {
        panic!("not a scan")
    };
    assert_eq!(
        scan.org.as_deref(),
        Some("acme"),
        "the workflow's owner is scanned"
    );
    assert!(!scan.common.no_fail && !scan.publish.dry_run && !scan.publish.no_issue);

    // A PEM value starts with hyphens and is still a value.
    let pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----";
    let args = scan_args(
        |n| match n {
            "app-id" => Some("1".into()),
            "app-private-key" => Some(pem.into()),
            _ => None,
        },
        Some("acme".into()),
    )
    .unwrap();
    let cli = Cli::try_parse_from(&args).unwrap();
    let Sub::Scan(scan) = cli.command else {
        panic!("not a scan")
    };
    assert_eq!(scan.github.app_private_key.as_deref(), Some(pem));

    // A boolean that is neither true nor false is refused, not read as false.
    let err = scan_args(|n| (n == "dry-run").then(|| "yes".into()), None).unwrap_err();
    assert!(err.to_string().contains("dry-run"), "{err}");
}

#[test]
fn unknown_inputs_are_named() {
    let vars = ["INPUT_ORG", "INPUT_DRYRUN", "HOME", "INPUT_ISSUE-REPO"];
    assert_eq!(
        unknown_inputs(vars.iter().map(|s| s.to_string())),
        vec!["INPUT_DRYRUN".to_string()]
    );
    assert_eq!(variable("issue-repo"), "INPUT_ISSUE-REPO");
}

#[test]
fn every_output_is_written() {
    let action = action();
    let declared = keys(action.get("outputs").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgcheck"));
    cmd.arg("action")
        .current_dir(root())
        .env("ORGCHECK_TODAY", "2026-11-27")
        .env("GITHUB_OUTPUT", &outputs)
        .env("INPUT_LOCAL", "examples/demo-org")
        .env("INPUT_POLICY", "policy.example.toml")
        .env("INPUT_NO-ISSUE", "true")
        .env("INPUT_OUTPUT", dir.path().join("report.md"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("INPUT_")) {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 1, "the demo has failures: {}", stderr(&out));
    let written = std::fs::read_to_string(&outputs).unwrap();
    for name in declared {
        assert!(
            written.lines().any(|l| l.starts_with(&format!("{name}="))),
            "output `{name}` is not written: {written}"
        );
    }
}

/// The README's workflow, between its ```yaml fence and the next fence.
fn readme_workflow() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\nname: CI compliance\n")
        .expect("the README shows the workflow")
        + "```yaml\n".len();
    let end = start + readme[start..].find("```\n").unwrap();
    readme[start..end].to_string()
}

#[test]
fn the_readme_workflow_is_the_example_and_pins_the_action_by_commit() {
    let example = std::fs::read_to_string(root().join("examples/workflows/orgcheck.yml")).unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(readme_workflow(), body, "README and example differ");
    // `uses: orgcheck/orgcheck-action@<40 hex> # vX.Y.Z`: zizmor's and orgcheck's own
    // pinning rules accept it, and Dependabot keeps it current.
    let line = body
        .lines()
        .find(|l| l.contains("orgcheck/orgcheck-action@"))
        .expect("the workflow uses the Action");
    let pin = regex::Regex::new(r"uses: orgcheck/orgcheck-action@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
        .unwrap();
    assert!(
        pin.is_match(line),
        "not pinned by commit with its tag: {line}"
    );
}

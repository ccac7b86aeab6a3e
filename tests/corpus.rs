//! Every real config in ../shared/corpus must be understood, or refused with a clear error.
//! Skips (and says so) when the corpus is absent.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use orgcheck::ci;

/// Files that are not valid YAML, or whose YAML is not a CI config (see the corpus README).
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("circleci/KenKaprielian__Example-Stack.yml", "invalid YAML"),
    ("circleci/Quintam26__strlib.yml", "invalid YAML"),
    (
        "circleci/asugeno-projects__safer.yml",
        "top level must be a mapping",
    ),
    // Valid YAML, but `jobs:` is empty and a later duplicate `jobs:` key holds a list.
    (
        "circleci/QwerldonGamm__circleci-project.yml",
        "`jobs` must be a mapping",
    ),
    ("github-actions/00569678Avs__abcz__main.yml", "invalid YAML"),
    (
        "github-actions/007AxelBerkati__007AxelBerkati__main.yml",
        "mapping key must be a string",
    ),
    (
        "github-actions/007markkk__spoti.pw__main.yml",
        "top level must be a mapping",
    ),
    // `deploy:` is indented as a top-level key, not under `jobs:`, so the workflow names a job
    // CircleCI cannot find.
    (
        "circleci/QuinAiton__Interview-Schedualer.yml",
        "runs job `deploy`, which `jobs:` does not define",
    ),
    // `schedule:` and `workflow_dispatch:` at the top level, not under `on:`: GitHub finds no
    // trigger and refuses the workflow.
    (
        "github-actions/0006000__free-proxy__main.yml",
        "a workflow needs `on:`",
    ),
    // A step with both `uses` and `run` (line 38): GitHub runs a step with one or the other
    // and refuses the workflow.
    (
        "github-actions/Sneaky-GTH__legally-distinct-bomberman__ci.yml",
        "both `run` and `uses`",
    ),
];

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.join("MANIFEST.tsv").is_file().then_some(dir)
}

#[test]
fn corpus_parses_or_fails_clearly() {
    let Some(dir) = corpus() else {
        // Written past the test harness's capture, so the skip shows in CI logs.
        support::skipped("../shared/corpus is absent; the corpus test did not run");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut errors = BTreeMap::new();
    let mut files = 0;
    let mut jobs = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (kind, file) = (cols[0], cols[1]);
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let system = match kind {
            "circleci" => ci::CiSystem::Circleci,
            "github-actions" => ci::CiSystem::GithubActions,
            other => panic!("unknown kind {other}"),
        };
        files += 1;
        match ci::parse(file, system, &text) {
            Ok(p) => jobs += p.jobs.len(),
            Err(e) => {
                errors.insert(file.to_string(), e.message);
            }
        }
    }
    assert!(files >= 200, "manifest lists {files} files");
    for (file, want) in EXPECTED_ERRORS {
        let got = errors
            .remove(*file)
            .unwrap_or_else(|| panic!("{file} should fail"));
        assert!(got.contains(want), "{file}: {got}");
    }
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    assert!(jobs > 500, "only {jobs} jobs understood");
    println!("corpus: {files} files, {jobs} jobs");
}

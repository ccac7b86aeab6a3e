//! Hostile and odd repositories in one `scan --local`: each gets the right result or its own
//! clear error, and the run always ends with a whole report. Time and memory for each case are
//! measured by `cargo bench --bench hostile` (README, "Reliability").

mod support;

use std::path::Path;

use serde_json::Value;
use support::hostile::doubling_bomb;
use support::{orgcheck, stderr, stdout};

const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";
const GOOD: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\n";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn circle(org: &Path, repo: &str, bytes: &[u8]) {
    write(&org.join(repo).join(".circleci/config.yml"), bytes);
}

fn scan(org: &Path) -> (Value, String) {
    scan_with(org, POLICY)
}

/// `scan --local` of `org` with the policy `text`: the report and stderr.
fn scan_with(org: &Path, text: &str) -> (Value, String) {
    let dir = org.parent().unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, text).unwrap();
    let out = orgcheck(&[
        "scan",
        "--local",
        org.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("no whole report ({e}): {}", stderr(&out)));
    (report, stderr(&out))
}

fn repo<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is missing from the report"))
}

fn error_of(report: &Value, name: &str) -> String {
    let r = repo(report, name);
    assert_eq!(r["status"], "error", "{name}: {r}");
    r["errors"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn every_hostile_repository_gets_its_own_result() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(GOOD.as_bytes());
    circle(&org, "bom", &bom);
    circle(&org, "crlf", GOOD.replace('\n', "\r\n").as_bytes());
    circle(
        &org,
        "nul",
        b"version: 2.1\njobs:\n  build:\n    steps: [\x00]\n",
    );
    let mut utf8 = GOOD.as_bytes().to_vec();
    utf8.splice(30..30, *b"\xff\xfe");
    circle(&org, "invalid-utf8", &utf8);
    let long = format!(
        "version: 2.1\njobs:\n  build:\n    steps:\n      - run: \"make test {}\"\n",
        "x".repeat(1024 * 1024)
    );
    circle(&org, "one-mb-line", long.as_bytes());
    let mut many = String::from("version: 2.1\njobs:\n");
    for i in 0..10_000 {
        many.push_str(&format!("  j{i}:\n    steps:\n      - run: make test\n"));
    }
    many.push_str("workflows:\n  all:\n    jobs:\n");
    for i in 0..10_000 {
        many.push_str(&format!("      - j{i}\n"));
    }
    circle(&org, "ten-thousand-jobs", many.as_bytes());
    for i in 0..1_000 {
        write(
            &org.join(format!("thousand-workflows/.github/workflows/w{i}.yml")),
            b"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n",
        );
    }
    circle(&org, "bomb", doubling_bomb(22).as_bytes());
    circle(&org, "wrong-type", b"version: 2.1\njobs:\n  b: 7\n");
    std::fs::create_dir_all(&org).unwrap();
    std::os::unix::fs::symlink("loop", org.join("loop")).unwrap();
    std::fs::create_dir_all(org.join("self-link/.github")).unwrap();
    std::os::unix::fs::symlink(".", org.join("self-link/.github/workflows")).unwrap();

    let (report, err) = scan(&org);
    for name in [
        "bom",
        "crlf",
        "one-mb-line",
        "ten-thousand-jobs",
        "thousand-workflows",
    ] {
        assert_eq!(repo(&report, name)["status"], "compliant", "{name}: {err}");
    }
    assert_eq!(
        repo(&report, "ten-thousand-jobs")["jobs"]
            .as_array()
            .unwrap()
            .len(),
        10_000
    );
    assert_eq!(
        repo(&report, "thousand-workflows")["jobs"]
            .as_array()
            .unwrap()
            .len(),
        1_000
    );
    assert!(error_of(&report, "nul").contains("control characters"));
    let utf8 = repo(&report, "invalid-utf8");
    assert!(
        utf8["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert_eq!(utf8["errors"][0]["line"], 4, "{utf8}");
    assert!(error_of(&report, "bomb").contains("expands to more than"));
    assert!(error_of(&report, "wrong-type").contains("found an integer"));
    assert!(error_of(&report, "loop").contains("cannot read"));
    // A workflows folder that links to itself holds no workflow file: no CI, not a hang.
    assert_eq!(repo(&report, "self-link")["status"], "no-ci");
}

#[test]
fn a_mapping_with_100000_keys_loads() {
    let mut text = String::from("version: 2.1\njobs:\n  build:\n    environment:\n");
    for i in 0..100_000 {
        text.push_str(&format!("      K{i}: v\n"));
    }
    text.push_str("    steps:\n      - run: make test\n");
    let loaded = orgcheck::ci::yaml::load(&text).unwrap().unwrap();
    let env = loaded.get("jobs").unwrap().get("build").unwrap();
    assert_eq!(
        env.get("environment").unwrap().as_map().unwrap().len(),
        100_000
    );
}

#[test]
fn yaml_types_are_named_as_yaml_names_them() {
    use orgcheck::ci::yaml::load;
    let kind = |v: &str| {
        let root = load(&format!("k: {v}\n")).unwrap().unwrap();
        root.get("k").unwrap().kind()
    };
    assert_eq!(kind("7"), "an integer");
    assert_eq!(kind("-0x1F"), "a string");
    assert_eq!(kind("0x1F"), "an integer");
    assert_eq!(kind("1.5"), "a float");
    assert_eq!(kind("true"), "a boolean");
    assert_eq!(kind("\"7\""), "a string");
    assert_eq!(kind("~"), "null");
    assert_eq!(kind("[a]"), "a sequence");
    assert_eq!(kind("{a: b}"), "a mapping");
}

#[test]
fn reusable_workflow_calls_cannot_multiply_without_bound() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    // A workflow whose 60 jobs each call the workflow itself.
    let calls = |target: &str| {
        (0..60)
            .map(|i| format!("  j{i}:\n    uses: ./.github/workflows/{target}.yml\n"))
            .collect::<String>()
    };
    write(
        &org.join("self-call/.github/workflows/ci.yml"),
        format!("on: [push, workflow_call]\njobs:\n{}", calls("ci")).as_bytes(),
    );
    // Five workflows, each of 60 jobs calling the next: 60^4 jobs if resolved.
    let names = ["a", "b", "c", "d", "e"];
    for (k, name) in names.iter().enumerate() {
        let jobs = match names.get(k + 1) {
            Some(next) => calls(next),
            None => "  leaf:\n    runs-on: x\n    steps:\n      - run: make test\n".into(),
        };
        write(
            &org.join(format!("chain/.github/workflows/{name}.yml")),
            format!("on: [push, workflow_call]\njobs:\n{jobs}").as_bytes(),
        );
    }
    let (report, _) = scan(&org);
    assert!(error_of(&report, "self-call").contains("workflows call each other in a cycle"));
    let chain = repo(&report, "chain");
    let messages: Vec<&str> = chain["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("more than 50000 jobs")),
        "{messages:?}"
    );
}

/// A composite action at `dir` whose steps are `steps` (YAML list items, indented by 4).
fn action(repo: &Path, dir: &str, steps: &str) {
    write(
        &repo.join(dir).join("action.yml"),
        format!("runs:\n  using: composite\n  steps:\n{steps}").as_bytes(),
    );
}

fn uses_workflow(repo: &Path, target: &str) {
    write(
        &repo.join(".github/workflows/ci.yml"),
        format!("on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: make test\n      - uses: ./{target}\n").as_bytes(),
    );
}

#[test]
fn what_runs_cannot_multiply_nest_or_escape() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    // A matrix of 10^4 combinations.
    let axes: String = (0..4)
        .map(|a| format!("              p{a}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n"))
        .collect();
    circle(
        &org,
        "matrix-bomb",
        format!("version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\nworkflows:\n  w:\n    jobs:\n      - build:\n          matrix:\n            parameters:\n{axes}").as_bytes(),
    );
    // Sixty invocations of a 1,000-instance matrix: 60,000 instances.
    let many: String = (0..60)
        .map(|i| format!("      - build:\n          name: b{i}-<< matrix.p >>\n          matrix:\n            parameters:\n              p: [{}]\n", (0..1000).map(|v| v.to_string()).collect::<Vec<_>>().join(", ")))
        .collect();
    circle(
        &org,
        "many-instances",
        format!("version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\nworkflows:\n  w:\n    jobs:\n{many}").as_bytes(),
    );
    // Composite actions twelve deep.
    let deep = org.join("deep-actions");
    uses_workflow(&deep, "a0");
    for i in 0..12 {
        action(
            &deep,
            &format!("a{i}"),
            &format!("    - uses: ./a{}\n", i + 1),
        );
    }
    // Three levels of 100 calls each: a million steps.
    let wide = org.join("wide-actions");
    uses_workflow(&wide, "x");
    let calls = |target: &str| format!("    - uses: ./{target}\n").repeat(100);
    action(&wide, "x", &calls("y"));
    action(&wide, "y", &calls("z"));
    action(
        &wide,
        "z",
        &"    - run: make test\n      shell: bash\n".repeat(100),
    );
    // A local action that is a link to outside the repository.
    let outside = dir.path().join("outside");
    action(
        &outside,
        "secret",
        "    - run: cat /etc/shadow\n      shell: bash\n",
    );
    let linked = org.join("linked-action");
    uses_workflow(&linked, "tools/ext");
    std::fs::create_dir_all(linked.join("tools")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), linked.join("tools/ext")).unwrap();
    // A continuation that climbs out of the repository.
    circle(
        &org,
        "continuation-escape",
        b"version: 2.1\nsetup: true\norbs:\n  c: circleci/continuation@1\njobs:\n  s:\n    steps:\n      - c/continue:\n          configuration_path: ../../../../etc/passwd\nworkflows:\n  w:\n    jobs: [s]\n",
    );

    let (report, err) = scan(&org);
    assert!(
        error_of(&report, "matrix-bomb").contains("expands to more than 1000 jobs"),
        "{err}"
    );
    assert!(error_of(&report, "many-instances").contains("more than 50000 job instances"));
    assert!(error_of(&report, "deep-actions").contains("nest deeper than 10 levels"));
    assert!(error_of(&report, "wide-actions").contains("more than 50000 steps"));
    assert!(error_of(&report, "linked-action").contains("link to outside the repository"));
    assert!(
        !serde_json::to_string(&report)
            .unwrap()
            .contains("/etc/shadow")
    );
    assert!(error_of(&report, "continuation-escape").contains("which is not in the repository"));
}

#[test]
fn one_budget_per_repository_holds_against_composed_shapes() {
    use support::hostile::{
        aliased_steps, big_scalar_aliases, composite_fan_out, duplicate_jobs, workflow_of_nodes,
    };
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    circle(&org, "fine", GOOD.as_bytes());
    // Each shape stays under every per-file limit; what the repository expands to does not.
    circle(
        &org,
        "big-scalar",
        big_scalar_aliases(1 << 20, 1_000).as_bytes(),
    );
    circle(
        &org,
        "aliased-steps",
        aliased_steps(3 << 20, 20_000).as_bytes(),
    );
    for i in 0..3 {
        let path = format!("many-files/.github/workflows/w{i}.yml");
        write(&org.join(path), workflow_of_nodes(400_000).as_bytes());
    }
    let (workflow, action) = composite_fan_out(300, 38_000);
    write(
        &org.join("composite/.github/workflows/ci.yml"),
        workflow.as_bytes(),
    );
    write(&org.join("composite/x/action.yml"), action.as_bytes());
    circle(&org, "duplicates", duplicate_jobs(80_000).as_bytes());
    let (report, err) = scan(&org);
    assert_eq!(repo(&report, "fine")["status"], "compliant", "{err}");
    for name in ["big-scalar", "aliased-steps", "many-files", "composite"] {
        let message = error_of(&report, name);
        assert!(
            message.contains("the repository's CI expands to more than 500000 nodes or 16 MiB"),
            "{name}: {message}"
        );
        assert_eq!(
            repo(&report, name)["errors"].as_array().unwrap().len(),
            1,
            "{name}: one error, not one per file"
        );
    }
    let message = error_of(&report, "duplicates");
    assert!(
        message.contains("nodes (keys and values) in one file") && !message.contains("alias"),
        "{message}"
    );
}

#[test]
fn the_budget_is_the_policys_to_raise() {
    use support::hostile::workflow_of_nodes;
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    write(
        &org.join("big/.github/workflows/ci.yml"),
        workflow_of_nodes(50_000).as_bytes(),
    );
    let policy = dir.path().join("policy.toml");
    let run = |settings: &str| scan_with(&org, &format!("{settings}{POLICY}")).0;
    assert_eq!(repo(&run(""), "big")["status"], "compliant");
    let tight = run("[settings]\nmax-repository-nodes = 10000\n");
    assert!(error_of(&tight, "big").contains("more than 10000 nodes"));
    let out = orgcheck(&["policy", "--policy", policy.to_str().unwrap(), "validate"]);
    assert_eq!(support::code(&out), 0, "{}", stderr(&out));
    std::fs::write(
        &policy,
        format!("[settings]\nmax-repository-mib = 0\n{POLICY}"),
    )
    .unwrap();
    let out = orgcheck(&["policy", "--policy", policy.to_str().unwrap(), "validate"]);
    assert_eq!(support::code(&out), 2);
    assert!(
        stderr(&out).contains("2:22: expected a whole number of at least 1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pipes_devices_and_link_loops_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let wf = |repo: &str| {
        let d = org.join(repo).join(".github/workflows");
        std::fs::create_dir_all(&d).unwrap();
        d.join("ci.yml")
    };
    let fifo = wf("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", wf("device")).unwrap();
    let looped = wf("loop");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    std::os::unix::fs::symlink("missing.yml", wf("dangling")).unwrap();
    let (report, _) = scan(&org);
    assert!(error_of(&report, "fifo").contains("a named pipe (FIFO)"));
    assert!(error_of(&report, "device").contains("a device"));
    assert!(error_of(&report, "loop").contains("loops back on itself"));
    assert!(error_of(&report, "dangling").contains("leads nowhere"));
}

#[test]
fn local_actions_count_against_the_repository_budget_as_they_are_read() {
    // 20 actions of 1 MiB each, every one under the file limit, named by one workflow.
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let mut workflow = String::from("on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n");
    for i in 0..20 {
        workflow.push_str(&format!("      - uses: ./a{i}\n"));
        let padding = format!("# {}\n", "x".repeat(1 << 20));
        write(
            &org.join(format!("many-actions/a{i}/action.yml")),
            format!("{padding}runs:\n  using: composite\n  steps:\n    - run: make test\n      shell: bash\n").as_bytes(),
        );
    }
    write(
        &org.join("many-actions/.github/workflows/ci.yml"),
        workflow.as_bytes(),
    );
    let (report, _) = scan(&org);
    let message = error_of(&report, "many-actions");
    assert!(message.contains("16 MiB"), "{message}");
}

#[test]
fn a_continuation_config_is_charged_to_its_repositorys_budget() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let setup = "version: 2.1\nsetup: true\norbs:\n  c: circleci/continuation@1\njobs:\n  s:\n    docker: [{image: cimg/base:current}]\n    steps:\n      - checkout\n      - c/continue:\n          configuration_path: .circleci/continue_config.yml\nworkflows:\n  w:\n    jobs: [s]\n";
    let steps: String = (0..6_000)
        .map(|i| format!("      - run: step {i}\n"))
        .collect();
    let continued = format!(
        "version: 2.1\njobs:\n  build:\n    docker: [{{image: cimg/base:current}}]\n    steps:\n{steps}workflows:\n  w:\n    jobs: [build]\n"
    );
    circle(&org, "continued", setup.as_bytes());
    write(
        &org.join("continued/.circleci/continue_config.yml"),
        continued.as_bytes(),
    );
    // Each file alone is well under 10,000 nodes; the setup config and what it continues
    // with are one repository, and one budget.
    let (report, err) = scan_with(
        &org,
        &format!("[settings]\nmax-repository-nodes = 10000\n{POLICY}"),
    );
    assert!(
        error_of(&report, "continued").contains("more than 10000 nodes"),
        "{err}\n{report:#}"
    );
    let (report, err) = scan(&org);
    assert_ne!(repo(&report, "continued")["status"], "error", "{err}");
}

#[test]
fn a_big_image_name_copied_into_every_instance_is_charged_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    // One 1 MB image name, in a job a matrix runs 100 times: 100 MB of copies, under every
    // per-file limit and every node count.
    let image = "x".repeat(1 << 20);
    let config = format!(
        "version: 2.1\njobs:\n  build:\n    parameters:\n      n: {{type: string}}\n    docker: [{{image: '{image}'}}]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs:\n      - build:\n          matrix:\n            parameters:\n              n: [{}]\n",
        (0..100)
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    circle(&org, "copies", config.as_bytes());
    circle(&org, "fine", b"version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:current}]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs: [build]\n");
    let (report, err) = scan(&org);
    assert!(
        error_of(&report, "copies").contains("more than 500000 nodes or 16 MiB"),
        "{err}"
    );
    // Refused at the copied image (line 6), before the copies are held: without charging the
    // copies' text it was refused only later, at the job, after 237 MB.
    assert_eq!(repo(&report, "copies")["errors"][0]["line"], 6, "{err}");
    assert_ne!(repo(&report, "fine")["status"], "error", "{err}");
}

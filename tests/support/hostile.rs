//! Hostile inputs shared by tests and benchmarks.

/// The 2 KB config that once took gigabytes: each command passes its parameter on twice.
pub fn doubling_bomb(levels: usize) -> String {
    let mut s = String::from("version: 2.1\ncommands:\n");
    for i in 0..levels {
        s.push_str(&format!(
            "  c{i}:\n    parameters:\n      p: {{type: string, default: x}}\n    steps:\n"
        ));
        if i + 1 < levels {
            s.push_str(&format!(
                "      - c{}:\n          p: {{a: << parameters.p >>, b: << parameters.p >>}}\n",
                i + 1
            ));
        } else {
            s.push_str("      - run: echo << parameters.p >>\n");
        }
    }
    s.push_str("jobs:\n  build:\n    steps:\n      - c0:\n          p: y\n");
    s
}

/// A CircleCI config whose job's environment holds `aliases` copies of one `scalar`-byte
/// anchor: small nodes, a gigabyte of text once expanded.
pub fn big_scalar_aliases(scalar: usize, aliases: usize) -> String {
    let mut s = format!(
        "version: 2.1\nanchors:\n  big: &a \"{}\"\njobs:\n  build:\n    environment:\n",
        "x".repeat(scalar)
    );
    for i in 0..aliases {
        s.push_str(&format!("      V{i}: *a\n"));
    }
    s.push_str("    steps:\n      - run: make test\n");
    s
}

/// A CircleCI job of `steps` steps, each `run: *a` of one `scalar`-byte anchor.
pub fn aliased_steps(scalar: usize, steps: usize) -> String {
    let mut s = format!(
        "version: 2.1\nanchors:\n  big: &a \"make test {}\"\njobs:\n  build:\n    steps:\n",
        "x".repeat(scalar)
    );
    s.push_str(&"      - run: *a\n".repeat(steps));
    s
}

/// A workflow of about `nodes` YAML nodes (one flow sequence), under the per-file limit.
pub fn workflow_of_nodes(nodes: usize) -> String {
    let items = vec!["1"; nodes].join(",");
    format!(
        "on: push\nenv:\n  X: [{items}]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n"
    )
}

/// A workflow of `jobs` jobs, each calling the local composite action `./x`, and that action
/// with `steps` steps: (workflow, action).
pub fn composite_fan_out(jobs: usize, steps: usize) -> (String, String) {
    let mut workflow = String::from("on: push\njobs:\n");
    for i in 0..jobs {
        workflow.push_str(&format!(
            "  j{i}:\n    runs-on: x\n    steps:\n      - uses: ./x\n"
        ));
    }
    let action = format!(
        "runs:\n  using: composite\n  steps:\n{}",
        "    - run: make test\n      shell: bash\n".repeat(steps)
    );
    (workflow, action)
}

/// A CircleCI config with the job key `j` written `n` times.
pub fn duplicate_jobs(n: usize) -> String {
    format!(
        "version: 2.1\njobs:\n{}",
        "  j:\n    steps:\n      - run: make test\n".repeat(n)
    )
}

//! Hostile repositories, one at a time: what each gives, its wall time and peak memory (the
//! release binary under `/usr/bin/time -v` when present). `cargo bench --bench hostile`; the
//! README's "Reliability" table comes from here. Correctness is in tests/hostile_input.rs.

#[path = "../tests/support/hostile.rs"]
mod hostile;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const GOOD: &str = "version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\n";
const POLICY: &str = "[[rule]]\nid = \"tests\"\ndescription = \"Run the tests\"\nrun = \"make test\"\nmatch = \"contains\"\n";

fn alias_bomb() -> String {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    s
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

type Make = Box<dyn Fn(&Path)>;

// A table of cases, one entry each: split, it would no longer read as one table.
#[allow(clippy::too_many_lines)]
fn cases() -> Vec<(&'static str, Make)> {
    let circle = |repo: &Path, text: &[u8]| write(&repo.join(".circleci/config.yml"), text);
    vec![
        (
            "byte-order mark",
            Box::new(move |r: &Path| circle(r, format!("\u{feff}{GOOD}").as_bytes())),
        ),
        (
            "CRLF line ends",
            Box::new(move |r: &Path| circle(r, GOOD.replace('\n', "\r\n").as_bytes())),
        ),
        (
            "a NUL byte",
            Box::new(move |r: &Path| circle(r, b"version: 2.1\njobs:\n  b:\n    steps: [\x00]\n")),
        ),
        (
            "invalid UTF-8 mid-file",
            Box::new(move |r: &Path| {
                let mut b = GOOD.as_bytes().to_vec();
                b.splice(30..30, *b"\xff\xfe");
                circle(r, &b)
            }),
        ),
        (
            "a 1 MB line",
            Box::new(move |r: &Path| {
                circle(
                    r,
                    format!(
                        "version: 2.1\njobs:\n  build:\n    steps:\n      - run: \"make test {}\"\n",
                        "x".repeat(1 << 20)
                    )
                    .as_bytes(),
                )
            }),
        ),
        (
            "10,000 jobs",
            Box::new(move |r: &Path| {
                let mut s = String::from("version: 2.1\njobs:\n");
                for i in 0..10_000 {
                    s.push_str(&format!("  j{i}:\n    steps:\n      - run: make test\n"));
                }
                s.push_str("workflows:\n  all:\n    jobs:\n");
                for i in 0..10_000 {
                    s.push_str(&format!("      - j{i}\n"));
                }
                circle(r, s.as_bytes())
            }),
        ),
        (
            "1,000 workflow files",
            Box::new(move |r: &Path| {
                for i in 0..1_000 {
                    write(&r.join(format!(".github/workflows/w{i}.yml")), b"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n");
                }
            }),
        ),
        (
            "a 100,000-key mapping (2.4 MB)",
            Box::new(move |r: &Path| {
                let mut s = String::from("version: 2.1\njobs:\n  build:\n    environment:\n");
                for i in 0..100_000 {
                    s.push_str(&format!("      K{i}: v\n"));
                }
                circle(r, (s + "    steps:\n      - run: make test\n").as_bytes())
            }),
        ),
        (
            "alias bomb (10^10 nodes)",
            Box::new(move |r: &Path| circle(r, alias_bomb().as_bytes())),
        ),
        (
            "parameter doubling, 22 levels (2 KB)",
            Box::new(move |r: &Path| circle(r, hostile::doubling_bomb(22).as_bytes())),
        ),
        (
            "a matrix of 10^4 combinations",
            Box::new(move |r: &Path| {
                let axes: String = (0..4)
                    .map(|a| format!("              p{a}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n"))
                    .collect();
                circle(r, format!("version: 2.1\njobs:\n  build:\n    steps:\n      - run: make test\nworkflows:\n  w:\n    jobs:\n      - build:\n          matrix:\n            parameters:\n{axes}").as_bytes())
            }),
        ),
        (
            "composite actions, 3 levels of 100 calls",
            Box::new(move |r: &Path| {
                write(
                    &r.join(".github/workflows/ci.yml"),
                    b"on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: ./x\n",
                );
                let action = |dir: &str, steps: String| {
                    write(
                        &r.join(dir).join("action.yml"),
                        format!("runs:\n  using: composite\n  steps:\n{steps}").as_bytes(),
                    )
                };
                action("x", "    - uses: ./y\n".repeat(100));
                action("y", "    - uses: ./z\n".repeat(100));
                action("z", "    - run: make test\n      shell: bash\n".repeat(100));
            }),
        ),
        (
            "a 1 MB scalar aliased 1,000 times",
            Box::new(move |r: &Path| {
                circle(r, hostile::big_scalar_aliases(1 << 20, 1_000).as_bytes())
            }),
        ),
        (
            "a 3 MB scalar as `run: *a` in 20,000 steps",
            Box::new(move |r: &Path| circle(r, hostile::aliased_steps(3 << 20, 20_000).as_bytes())),
        ),
        (
            "200 workflow files of 499,000 nodes each",
            Box::new(move |r: &Path| {
                let text = hostile::workflow_of_nodes(499_000);
                for i in 0..200 {
                    write(
                        &r.join(format!(".github/workflows/w{i}.yml")),
                        text.as_bytes(),
                    );
                }
            }),
        ),
        (
            "300 jobs calling a 38,000-step composite action",
            Box::new(move |r: &Path| {
                let (workflow, action) = hostile::composite_fan_out(300, 38_000);
                write(&r.join(".github/workflows/ci.yml"), workflow.as_bytes());
                write(&r.join("x/action.yml"), action.as_bytes());
            }),
        ),
        (
            "80,000 duplicate job keys",
            Box::new(move |r: &Path| circle(r, hostile::duplicate_jobs(80_000).as_bytes())),
        ),
        (
            "20 invocations of a 1,000-combination matrix: 20,000 job instances",
            Box::new(move |r: &Path| {
                let values: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
                let invocation = |k: usize| {
                    format!(
                        "      - build:\n          name: b{k}-<< matrix.n >>\n          matrix:\n            parameters:\n              n: [{}]\n",
                        values.join(", ")
                    )
                };
                let invocations: String = (0..20).map(invocation).collect();
                circle(r, format!("version: 2.1\njobs:\n  build:\n    parameters:\n      n: {{type: integer}}\n    steps: [{{run: echo}}]\nworkflows:\n  w:\n    jobs:\n{invocations}").as_bytes())
            }),
        ),
        (
            "a FIFO as a workflow",
            Box::new(move |r: &Path| {
                std::fs::create_dir_all(r.join(".github/workflows")).unwrap();
                let fifo = r.join(".github/workflows/ci.yml");
                Command::new("mkfifo").arg(&fifo).status().unwrap();
            }),
        ),
        (
            "symlink loop as .github/workflows",
            Box::new(move |r: &Path| {
                std::fs::create_dir_all(r.join(".github")).unwrap();
                std::os::unix::fs::symlink(".", r.join(".github/workflows")).unwrap();
            }),
        ),
    ]
}

fn main() {
    let base = std::env::temp_dir().join(format!("orgcheck-hostile-{}", std::process::id()));
    let cases = cases();
    let bin = env!("CARGO_BIN_EXE_orgcheck");
    let timed = Path::new("/usr/bin/time").exists();
    println!("| input | result | wall | peak RSS |\n|---|---|---:|---:|");
    for (i, (name, make)) in cases.iter().enumerate() {
        let org = base.join(format!("case{i}/org"));
        make(&org.join("repo"));
        let policy = base.join(format!("case{i}/policy.toml"));
        std::fs::write(&policy, POLICY).unwrap();
        let mut cmd = if timed {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-v").arg(bin);
            c
        } else {
            Command::new(bin)
        };
        cmd.args(["scan", "--local"])
            .arg(&org)
            .arg("--policy")
            .arg(&policy);
        cmd.args(["--format", "json", "--no-fail"]);
        let start = Instant::now();
        let out = cmd.output().unwrap();
        let wall = start.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        let rss = err
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|kb| kb.trim().parse::<f64>().ok())
            .map(|kb| format!("{:.0} MB", kb / 1024.0))
            .unwrap_or_else(|| "?".into());
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let repo = &report["repositories"][0];
        let result = match repo["status"].as_str() {
            Some("error") => format!(
                "error: {}",
                repo["errors"][0]["message"].as_str().unwrap_or("?")
            ),
            Some(s) => format!("{s}, {} jobs", repo["jobs"].as_array().map_or(0, Vec::len)),
            None => format!("no report (exit {:?})", out.status.code()),
        };
        let result: String = result.chars().take(90).collect();
        println!(
            "| {name} | {} | {:.2} s | {rss} |",
            result.replace('|', "\\|"),
            wall.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

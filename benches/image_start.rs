//! The Action's image, measured as a runner meets it: its size, the time to load it (what a
//! pull does after the download), and the time from `podman run` to the first request reaching
//! the fake GitHub. Needs $ORGCHECK_IMAGE (`.ci/image` builds it); says SKIPPED otherwise.
//! `ORGCHECK_IMAGE=$(bash .ci/image | tail -n1) cargo bench --bench image_start`

#[path = "../tests/support/fake_github/mod.rs"]
mod fake_github;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, FakeRepo, State};

const RUNS: usize = 10;

fn podman() -> Command {
    let mut c = Command::new("podman");
    if std::env::var_os("CONTAINERS_CONF").is_none() {
        c.env(
            "CONTAINERS_CONF",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/containers.conf"),
        );
    }
    c
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("podman runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let Some(image) = std::env::var("ORGCHECK_IMAGE")
        .ok()
        .filter(|i| !i.is_empty())
    else {
        println!("SKIPPED: $ORGCHECK_IMAGE is not set; run `bash .ci/image` first");
        return;
    };
    let size: u64 = run(podman().args(["image", "inspect", "--format", "{{.Size}}", &image]))
        .parse()
        .unwrap();

    // A pull is a download plus a load; time the load from an archive, and give the compressed
    // size that the download carries.
    let dir = std::env::temp_dir().join(format!("orgcheck-image-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let archive = dir.join("image.tar");
    run(podman()
        .args(["save", "--format", "oci-archive", "-o"])
        .arg(&archive)
        .arg(&image));
    let gz = run(Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -c {} | wc -c", archive.display())));
    let mut loads = Vec::new();
    for i in 0..RUNS {
        // A fresh, empty image store each time, as on a new runner.
        let store = dir.join(format!("store-{i}"));
        let start = Instant::now();
        run(podman()
            .arg("--root")
            .arg(store.join("root"))
            .arg("--runroot")
            .arg(store.join("run"))
            .args(["load", "-q", "-i"])
            .arg(&archive));
        loads.push(start.elapsed());
        let _ = std::fs::remove_dir_all(&store);
    }

    let starts = time_starts(&image, &dir);
    println!(
        "image bench: {image}: {:.1} MB ({:.1} MB gzipped); load {:.0} ms; start to first request {:.0} ms (medians of {RUNS})",
        size as f64 / 1e6,
        gz.parse::<f64>().unwrap_or(0.0) / 1e6,
        median(loads).as_secs_f64() * 1e3,
        median(starts).as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Start the Action's container `RUNS` times as GitHub's runner does, against a fake GitHub,
/// and time each start to its first request.
fn time_starts(image: &str, dir: &Path) -> Vec<Duration> {
    let fake = FakeGitHub::start(State::new(
        "bench",
        vec![FakeRepo::new("a").circleci("version: 2.1\njobs:\n  b:\n    steps: [checkout]\n")],
    ));
    let policy = dir.join("orgcheck.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nid = \"c\"\ndescription = \"c\"\nuses = \"checkout\"\n",
    )
    .unwrap();
    let mut starts = Vec::new();
    for _ in 0..RUNS {
        fake.clear_log();
        let start = Instant::now();
        let mut child = podman()
            .args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"])
            .args([
                "run",
                "--rm",
                "--network",
                "host",
                "--workdir",
                "/github/workspace",
            ])
            .arg("-v")
            .arg(format!("{}:/github/workspace", dir.display()))
            .args([
                "-e",
                "INPUT_ORG=bench",
                "-e",
                &format!("INPUT_TOKEN={}", fake_github::CANARY_TOKEN),
                "-e",
                "INPUT_NO-ISSUE=true",
            ])
            .args(["-e", &format!("GITHUB_API_URL={}", fake.origin())])
            .arg(image)
            .arg("action")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while fake.log().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no request within 60 s"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        starts.push(start.elapsed());
        child.wait().unwrap();
    }
    starts
}

//! Throughput of understanding real CI configs: `cargo bench --bench corpus`.
//!
//! Parses every file of ../shared/corpus into the common model (YAML, anchors, command
//! expansion, everything `orgcheck inspect` does short of printing), on one thread, and
//! reports MB/s of YAML. Not a test: it measures, it does not judge.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        println!("corpus bench: SKIPPED, ../shared/corpus is absent");
        return;
    };
    let files: Vec<(String, String)> = manifest
        .lines()
        .skip(1)
        .map(|l| {
            let file = l.split('\t').nth(1).unwrap().to_string();
            let text =
                String::from_utf8_lossy(&std::fs::read(dir.join(&file)).unwrap()).into_owned();
            (file, text)
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut best = Duration::MAX;
    let mut jobs = 0;
    for _ in 0..30 {
        let start = Instant::now();
        jobs = 0;
        for (path, text) in &files {
            let (_, parsed) = orgcheck::ci::parse_detect(path, text);
            jobs += parsed.map(|p| p.jobs.len()).unwrap_or(0);
        }
        best = best.min(start.elapsed());
    }
    let mbps = bytes as f64 / 1e6 / best.as_secs_f64();
    println!(
        "corpus bench: {} files, {bytes} bytes, {jobs} jobs; best of 30: {:.2} ms = {mbps:.1} MB/s on one core",
        files.len(),
        best.as_secs_f64() * 1e3
    );
}

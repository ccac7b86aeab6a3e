//! Records the git commit the binary is built from, for `orgcheck --version`. Release builds
//! set ORGCHECK_GIT_COMMIT; a checkout asks git; a crates.io build has neither and says so.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=ORGCHECK_GIT_COMMIT");
    let commit = std::env::var("ORGCHECK_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            // Only this project's own repository counts, not one it happens to sit inside.
            Path::new(".git")
                .exists()
                .then(|| git(&["rev-parse", "HEAD"]))?
        });
    if Path::new(".git").exists() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed=.git/{head}");
        }
        println!("cargo:rerun-if-changed=.git/packed-refs");
    }
    let commit = commit.unwrap_or_else(|| "unknown commit".into());
    println!("cargo:rustc-env=ORGCHECK_COMMIT={commit}");
}

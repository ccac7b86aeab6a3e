//! The GitHub Actions parser, and a repository's workflows resolved together (local reusable
//! workflows call each other): any text gives jobs or errors; never a panic or a loop.
#![no_main]
use libfuzzer_sys::fuzz_target;
use orgcheck::ci::{CiSystem, load_repository, parse};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse(".github/workflows/ci.yml", CiSystem::GithubActions, text);
        let _ = load_repository([
            (".github/workflows/ci.yml", text),
            (".github/workflows/reuse.yml", text),
        ]);
    }
});

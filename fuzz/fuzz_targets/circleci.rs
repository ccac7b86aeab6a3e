//! The CircleCI parser: any text gives a pipeline or an error with a line; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use orgcheck::ci::{CiSystem, parse};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse(".circleci/config.yml", CiSystem::Circleci, text);
    }
});

//! The policy parser: any text is a policy or errors with line:column; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = orgcheck::policy::parse("fuzz.toml", text);
    }
});

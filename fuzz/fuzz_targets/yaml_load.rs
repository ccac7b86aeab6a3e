//! The YAML loader: any bytes load or give an error, within the limits; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(Some(root)) = orgcheck::ci::yaml::load(text)
    {
        assert!(root.size() <= orgcheck::ci::yaml::MAX_NODES);
    }
});

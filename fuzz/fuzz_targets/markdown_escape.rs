//! Markdown escaping: whatever the text, the result has no raw HTML, no line break, no
//! mention or issue reference a reader's GitHub would act on, and a code span stays one span.
#![no_main]
use libfuzzer_sys::fuzz_target;
use orgcheck::report::gfm::{code, inert};

fuzz_target!(|text: &str| {
    let out = inert(text);
    assert!(!out.contains('<') && !out.contains('>') && !out.contains('\n'));
    // What a reader's browser shows: our entities decoded (`&amp;` last, so `&amp;#64;` stays
    // text).
    let shown = out
        .replace("&#8203;", "\u{200B}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("\\#", "#")
        .replace("&amp;", "&");
    let chars: Vec<char> = shown.chars().collect();
    for (i, w) in chars.windows(2).enumerate() {
        if w[0] == '@' && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            assert!(!w[1].is_alphanumeric(), "mention in {out:?}");
        }
        if w[0] == '#' {
            assert!(!w[1].is_ascii_digit(), "reference in {out:?}");
        }
    }
    assert!(
        !shown.to_ascii_lowercase().contains("://"),
        "autolink in {out:?}"
    );
    let span = code(text);
    let fence = span.chars().take_while(|&c| c == '`').count();
    let inner = &span[fence..span.len() - fence];
    assert!(
        !inner.contains(&"`".repeat(fence)),
        "span closes early: {span:?}"
    );
    assert!(!span.contains('\n'));
});

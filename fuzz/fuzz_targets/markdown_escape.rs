//! Markdown escaping: whatever the text, the result has no raw HTML, no line break, no
//! mention or issue reference a reader's GitHub would act on, and a code span stays one span.
//! Text with code spans (`inline`) has raw HTML nowhere outside them, and a link's
//! destination cannot be ended or split by the URL. No output, code spans and destinations
//! included, can hold `<!--` or `-->`, so none can open, close or imitate the marker
//! or state, and no run of 7 hex digits is left for GitHub to link as a commit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use orgcheck::report::gfm::{code, inert, inline, link};

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
    // GitHub's mention filter: only ASCII `[A-Za-z0-9_]` is a word character before the `@`.
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (i, w) in chars.windows(2).enumerate() {
        if w[0] == '@' && (i == 0 || !word(chars[i - 1])) {
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
    let longest_hex = shown
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_hex < 7, "a commit SHA in {out:?}");
    let span = code(text);
    for rendered in [&out, &span, &inline(text), &link(&out, text)] {
        assert!(
            !rendered.contains("<!--") && !rendered.contains("-->"),
            "an HTML comment in {rendered:?}"
        );
    }
    let fence = span.chars().take_while(|&c| c == '`').count();
    let inner = &span[fence..span.len() - fence];
    assert!(
        !inner.contains(&"`".repeat(fence)),
        "span closes early: {span:?}"
    );
    assert!(!span.contains('\n'));

    // `inline`: outside its code spans, the same guarantees as `inert`.
    let out = inline(text);
    assert!(!out.contains('\n'), "line break in {out:?}");
    let chars: Vec<char> = out.chars().collect();
    let run = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let (mut i, mut outside) = (0, String::new());
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                outside.extend(chars.get(i + 1));
                i += 2;
            }
            '`' => {
                let n = run(i);
                let close = (i + n..chars.len()).find(|&k| chars[k] == '`' && run(k) == n && chars[k - 1] != '`');
                let close = close.unwrap_or_else(|| panic!("an unclosed code span in {out:?}"));
                i = close + n;
            }
            c => {
                outside.push(c);
                i += 1;
            }
        }
    }
    assert!(!outside.contains('<') && !outside.contains('>'), "HTML in {out:?}");

    let linked = link("x", text);
    let dest = &linked["[x](".len()..linked.len() - 1];
    assert!(
        !dest.contains([' ', '(', ')', '|', '<', '>', '\n', '`']),
        "{linked:?}"
    );
});

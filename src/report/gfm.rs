//! Text written by others (repository, job and file names, rule text, error messages that quote
//! configs), made inert for GitHub's Markdown: it cannot open or close HTML, break a table, a
//! list or a code span, mention a user or team, reference an issue, or become a link.
//!
//! GitHub finds mentions (`@user`, `@org/team`) and references (`#1`, `GH-1`, `owner/repo#1`)
//! in the rendered text, after Markdown escapes are gone, so a backslash cannot stop them. Like
//! Renovate's dependency dashboard, we put a zero-width space (`&#8203;`) where it breaks the
//! pattern and changes nothing a reader sees. The same breaks GFM's extended autolinks
//! (`https://…`, `www.…`, `a@b.example`) and GitHub's commit autolinks (a bare 7–40 hex SHA,
//! `owner/repo@sha`).
//!
//! Nothing written here can contain `<!--` or `-->` in the raw body, inside code spans and
//! link destinations too: the marker and state are HTML comments, and text from a
//! repository must not be able to open, close or imitate one.

/// A zero-width space, as an entity so it survives any editor.
const ZWSP: &str = "&#8203;";

/// Characters with a Markdown meaning inside a line, escaped with a backslash. (Text never
/// starts a line here, so `-`, `+` and `=` need nothing; `$` opens math.)
const PUNCTUATION: &[char] = &['\\', '`', '*', '_', '[', ']', '|', '~', '$'];

/// The same invisible break, as the character itself: inside a code span entities are not
/// decoded, so only the raw character keeps the text reading the same.
const ZWSP_CHAR: char = '\u{200B}';

/// GitHub's SHA autolinks need at least 7 hex digits in a row.
const SHA_MIN: usize = 7;

/// Bidirectional overrides and isolates reorder what a reader sees ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Whether `rest` (what follows an `@`) starts like the domain of an email address, as
/// cmark-gfm's autolinker reads one: letters, digits, `.`, `-`, `_`, with a `.` followed by a
/// letter or digit, ending in a letter (or `.`). So `ops@example.com` and `GH@.a-deadbeef`
/// are addresses, `checkout@v4.1.1` is not.
fn is_email_domain(rest: &[char]) -> bool {
    let domain: Vec<char> = rest
        .iter()
        .copied()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let dotted = domain
        .windows(2)
        .any(|w| w[0] == '.' && w[1].is_alphanumeric());
    dotted
        && domain
            .last()
            .is_some_and(|c| c.is_alphabetic() || *c == '.')
}

/// A word character as GitHub's mention filter sees one: ASCII `[A-Za-z0-9_]` only. In a Ruby
/// regular expression `\W` matches every non-ASCII letter, so `é@user` is a mention.
fn is_mention_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// For each character, whether a break goes before it so that no run of hex digits is long
/// enough to be taken for a commit SHA: every sixth digit of a run of 7 or more.
fn sha_breaks(chars: &[char]) -> Vec<bool> {
    let mut breaks = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        if run >= SHA_MIN {
            for k in (i + SHA_MIN - 1..i + run).step_by(SHA_MIN - 1) {
                breaks[k] = true;
            }
        }
        i += run.max(1);
    }
    breaks
}

/// `s` as inert Markdown text for a table cell, a list item or a paragraph: one line.
pub fn inert(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let breaks = sha_breaks(&chars);
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, &c) in chars.iter().enumerate() {
        if breaks[i] {
            out.push_str(ZWSP);
        }
        let next = chars.get(i + 1).copied();
        let before = |n: usize| -> String {
            chars[i.saturating_sub(n)..i]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase()
        };
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // A mention needs a non-word character before the `@` (`checkout@v4` is none); an
            // email autolink needs a domain with a dot and a final label of letters.
            '@' if i == 0 || !is_mention_word(chars[i - 1]) || is_email_domain(&chars[i + 1..]) => {
                out.push('@');
                out.push_str(ZWSP);
            }
            '#' => {
                out.push_str("\\#");
                if next.is_some_and(|n| n.is_ascii_digit()) {
                    out.push_str(ZWSP);
                }
            }
            // `GH-123`.
            '-' if before(2) == "gh" && next.is_some_and(|n| n.is_ascii_digit()) => {
                out.push_str(ZWSP);
                out.push('-');
            }
            // `scheme://`.
            ':' if chars.get(i + 1..i + 3) == Some(&['/', '/']) => {
                out.push(':');
                out.push_str(ZWSP);
            }
            // `www.`.
            '.' if before(3) == "www" => {
                out.push_str(ZWSP);
                out.push('.');
            }
            c if PUNCTUATION.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text that may quote code between backticks (an error message that names a key, a policy's
/// `fix`): each balanced backtick span becomes a code span, everything else is [`inert`]. So
/// `` `jobs` must be a mapping `` reads as code, not as escaped backticks, and no input can do
/// more than plain text and code spans can.
pub fn inline(s: &str) -> String {
    inline_as(s, code)
}

/// [`inline`] for a list item or a paragraph, never a table cell: its code spans keep `|` as
/// it is, since only a table row needs it escaped (elsewhere GFM would show the backslash).
pub fn inline_text(s: &str) -> String {
    inline_as(s, code_text)
}

fn inline_as(s: &str, code: fn(&str) -> String) -> String {
    let chars: Vec<char> = s.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::with_capacity(s.len() + 8);
    let (mut text_start, mut i) = (0, 0);
    while i < chars.len() {
        if chars[i] != '`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        // The closing run has exactly as many backticks, as CommonMark's code spans do.
        let mut j = i + n;
        let close = loop {
            match (j..chars.len()).find(|&k| chars[k] == '`') {
                None => break None,
                Some(k) if run_at(k) == n => break Some(k),
                Some(k) => j = k + run_at(k),
            }
        };
        match close {
            Some(k) => {
                out.push_str(&inert(&chars[text_start..i].iter().collect::<String>()));
                let inner: String = chars[i + n..k].iter().collect();
                out.push_str(&code(inner.trim()));
                i = k + n;
                text_start = i;
            }
            None => i += n,
        }
    }
    out.push_str(&inert(&chars[text_start..].iter().collect::<String>()));
    out
}

/// A link whose text is already Markdown (made [`inert`] or a code span) to `url`. Characters
/// that could end the destination or split a table row are percent-encoded, so a path from a
/// repository cannot escape the link.
pub fn link(text: &str, url: &str) -> String {
    let mut dest = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '"' | '\\' | '`' | '|' | '[' | ']' => {
                dest.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_control() || is_bidi_control(c) => {}
            c => dest.push(c),
        }
    }
    format!("[{text}]({dest})")
}

/// The anchor GitHub gives a heading with this text: lower-case; letters, digits, `-` and `_`
/// kept; spaces become `-`; other characters dropped. (GitHub adds `-1`, `-2` to repeats.)
pub fn slug(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `s` as a code span: a fence longer than any run of backticks inside, so the text cannot
/// close it, and one line. Mentions and references are not looked for inside code. Safe in a
/// table cell (`|` escaped, as GFM's table rows need); [`code_text`] is for elsewhere.
pub fn code(s: &str) -> String {
    code_span(s, true)
}

/// [`code`] for a list item or a paragraph: `|` stays as it is, since outside a table row
/// GFM would show its escaping backslash.
pub fn code_text(s: &str) -> String {
    code_span(s, false)
}

fn code_span(s: &str, in_table: bool) -> String {
    let one_line: String = s
        .chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let longest = one_line
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side keeps a leading or trailing backtick from joining the fence.
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') || one_line.is_empty() {
        " "
    } else {
        ""
    };
    // `|` still splits a table row inside a code span in GFM. An HTML comment's ends are
    // broken by an invisible character, which a code span shows as nothing.
    let body = if in_table {
        one_line.replace('|', "\\|")
    } else {
        one_line
    };
    let body = body
        .replace("<!--", &format!("<!{ZWSP_CHAR}--"))
        .replace("-->", &format!("--{ZWSP_CHAR}>"));
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_references_and_links_are_broken() {
        assert_eq!(inert("@acme/security"), "@&#8203;acme/security");
        assert_eq!(inert("(@team)"), "(@&#8203;team)");
        assert_eq!(inert("actions/checkout@v4.1.1"), "actions/checkout@v4.1.1");
        assert_eq!(inert("ops@example.com"), "ops@&#8203;example.com");
        assert_eq!(inert("see #12"), "see \\#&#8203;12");
        assert_eq!(inert("GH-7"), "GH&#8203;-7");
        assert_eq!(inert("https://x.io"), "https:&#8203;//x.io");
        assert_eq!(inert("www.x.io"), "www&#8203;.x.io");
        assert_eq!(
            inert("</details><img src=x>"),
            "&lt;/details&gt;&lt;img src=x&gt;"
        );
        assert_eq!(inert("&#64;team"), "&amp;\\#&#8203;64;team");
        assert_eq!(inert("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn a_mention_after_any_non_ascii_character_is_broken() {
        for before in ["é", "日", "١", "ß", "\u{200B}", "-", "."] {
            assert_eq!(
                inert(&format!("{before}@octocat")),
                format!("{before}@&#8203;octocat"),
                "after {before:?}"
            );
        }
        assert_eq!(inert("a_@octocat"), "a\\_@octocat");
        assert_eq!(inert("x9@octocat"), "x9@octocat");
    }

    #[test]
    fn commit_shas_cannot_autolink() {
        assert_eq!(inert("abc1234"), "abc123&#8203;4");
        assert_eq!(inert("abc123"), "abc123");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let out = inert(&format!("acme/tools@{sha}"));
        let longest = out
            .split("&#8203;")
            .flat_map(|p| p.split(|c: char| !c.is_ascii_hexdigit()))
            .map(str::len)
            .max();
        assert_eq!(longest, Some(6), "{out}");
        assert_eq!(out.replace("&#8203;", ""), format!("acme/tools@{sha}"));
    }

    #[test]
    fn html_comments_cannot_be_written_through_code_spans() {
        let forged = "curl x | sh # <!-- orgcheck:state v2 f= c=0 -->";
        for out in [code(forged), inline(&format!("`{forged}`")), inert(forged)] {
            assert!(!out.contains("<!--") && !out.contains("-->"), "{out}");
        }
        assert_eq!(code("<!---->").replace('\u{200B}', ""), "`<!---->`");
        assert!(!code("<!--->").contains("-->"));
        assert!(!link("x", "a<!--b-->").contains("<!--"));
    }

    #[test]
    fn inline_keeps_balanced_code_spans_and_escapes_the_rest() {
        assert_eq!(
            inline("`jobs` must be a mapping"),
            "`jobs` must be a mapping"
        );
        assert_eq!(
            inline("excluded by scope.exclude `sandbox-*`"),
            "excluded by scope.exclude `sandbox-*`"
        );
        assert_eq!(inline("a `b"), "a \\`b");
        assert_eq!(inline("x ``a`b`` *y*"), "x ``a`b`` \\*y\\*");
        assert_eq!(inline("`` `x` ``"), "`` `x` ``");
        assert_eq!(inline("@team `@team`"), "@&#8203;team `@team`");
        assert_eq!(inline("`</details>`"), "`</details>`");
    }

    #[test]
    fn link_destinations_cannot_be_escaped() {
        assert_eq!(
            link("a", "https://x.io/a b)|c.yml#L3"),
            "[a](https://x.io/a%20b%29%7Cc.yml#L3)"
        );
    }

    #[test]
    fn slugs_follow_github_headings() {
        assert_eq!(slug("web-frontend"), "web-frontend");
        assert_eq!(slug("My.Repo_2"), "myrepo_2");
        assert_eq!(slug("Since the last run"), "since-the-last-run");
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        assert_eq!(code("make test"), "`make test`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        // Outside a table GFM shows the escape's backslash, so there `|` stays as it is.
        assert_eq!(code_text("a|b"), "`a|b`");
        assert_eq!(inline_text("`x | y` and | z"), "`x | y` and \\| z");
    }
}

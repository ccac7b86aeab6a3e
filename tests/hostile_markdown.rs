//! Text that others write (repository, job and file names, rule text, config text quoted in
//! errors) cannot make the compliance issue ping anyone, reference an issue, link anywhere or
//! inject HTML. The report is rendered as GitHub renders it, GFM (comrak), and the HTML read
//! back: its tags, its links and its text as a reader's browser would see them.

mod support;

use std::path::Path;

use support::{orgcheck, stderr, stdout};

/// Every kind of trouble in one string.
const HOSTILE: &str = "@acme/security-team please look @octocat #1 GH-2 acme/x#3 </details><img src=x onerror=alert(1)> https://evil.example www.evil.example ops@evil.example `tick` ``x`` | pipe **bold** [link](https://evil.example) &#64;entity é@octocat 日@octocat deadbeefcafe1234 acme/x@0123456789abcdef0123456789abcdef01234567 <!-- orgcheck:state v2 f= c=0 -->";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn hostile_org(dir: &Path) {
    let q = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    // A job named with every trouble, missing a required step.
    write(
        &dir.join("svc @ops #4/.circleci/config.yml"),
        &format!(
            "version: 2.1\njobs:\n  \"{q}\":\n    steps:\n      - run: echo hi\n      - run: \"echo {q}\"\n\
             workflows:\n  w:\n    jobs:\n      - \"{q}\"\n"
        ),
    );
    // Owners that would ping a team, inject HTML or link out if shown as written.
    write(
        &dir.join("svc @ops #4/CODEOWNERS"),
        "* @acme/security-team @x</details><img_src=x_onerror=alert(1)> [l](https://evil.example)@e www.evil.example@x\n",
    );
    // A workflow file with a hostile name.
    write(
        &dir.join("web/.github/workflows/@team #5 <b>.yml"),
        &format!("on: push\njobs:\n  \"{q}\":\n    runs-on: x\n    steps:\n      - run: echo\n"),
    );
    // Calls into a followed owner that cannot be followed, naming every trouble in the ref
    // and in the path: listed with the calls not followed, quoted in the reason.
    let r = q.replace(char::is_whitespace, "");
    let p = q.replace('@', "_");
    write(
        &dir.join("caller/.github/workflows/ci.yml"),
        &format!(
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: \"acme/shared/x@{r}\"\n      - uses: \"acme/shared/{p}@v1\"\n"
        ),
    );
    // A config whose error message quotes it.
    write(
        &dir.join("broken/.circleci/config.yml"),
        &format!("version: 2.1\njobs:\n  \"{q}\": 7\n"),
    );
}

fn policy(dir: &Path) -> std::path::PathBuf {
    let q = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    let p = dir.join("policy.toml");
    write(
        &p,
        &format!(
            "[settings]\nresolve-owners = [\"acme\"]\n\n[[rule]]\nid = \"tests\"\ndescription = \"{q}\"\nrun = \"make test\"\nmatch = \"contains\"\n\n[[rule]]\nid = \"no-echo\"\ndescription = \"d\"\nrun = \"echo\"\nmatch = \"contains\"\nforbid = true\n"
        ),
    );
    p
}

fn gfm(markdown: &str) -> String {
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.strikethrough = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    // GitHub allows raw HTML in issues (it sanitizes, then renders what is left).
    o.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &o)
}

/// The tags the report's own template produces.
const OUR_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "strong",
    "em",
    "code",
    "ul",
    "li",
    "details",
    "summary",
    "sub",
    "blockquote",
    "br",
    "hr",
    "del",
];

/// The HTML without what is inside `<code>` elements.
fn without_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<code>") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("</code>") {
            Some(end) => &rest[start + end + "</code>".len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Text as a reader sees it: tags dropped, entities decoded.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#8203;", "\u{200B}")
        .replace("&amp;", "&")
}

fn check(markdown: &str) {
    let html = gfm(markdown);
    // Tags: only ours, and `details` balanced.
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            OUR_TAGS.contains(&name.as_str()),
            "a <{name}> tag reached the issue:\n{html}"
        );
    }
    assert_eq!(
        html.matches("<details").count(),
        html.matches("</details>").count()
    );
    // Links: none to the hostile host, no autolinks.
    assert!(!html.contains("href=\"https://evil"), "{html}");
    assert!(!html.contains("href=\"http://www.evil"), "{html}");
    assert!(!html.contains("mailto:"), "{html}");
    // What GitHub would turn into mentions and references, in the text a reader sees outside
    // code (GitHub links nothing inside code spans).
    let text = visible_text(&without_code(&html));
    let chars: Vec<char> = text.chars().collect();
    for (i, w) in chars.windows(2).enumerate() {
        // GitHub's mention filter: only ASCII `[A-Za-z0-9_]` is a word character (a Ruby `\W`
        // matches every non-ASCII letter), so `é@user` is a mention.
        let word_before = i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_');
        if w[0] == '@' && !word_before {
            assert!(!w[1].is_alphanumeric(), "a mention at {i}: {text}");
        }
        if w[0] == '#' {
            assert!(!w[1].is_ascii_digit(), "an issue reference at {i}: {text}");
        }
    }
    assert!(!text.contains("GH-2"), "{text}");
    assert!(!text.contains("https://evil"), "{text}");
    // A run of 7 hex digits or more outside code is a commit GitHub would link.
    let sha = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|run| run.len() >= 7);
    assert_eq!(sha, None, "a commit SHA GitHub would link: {text}");
    // No text can open or close an HTML comment (the issue's marker and state are ones), not
    // even inside code, where the characters are shown as they are.
    assert!(
        !markdown.contains("<!--") && !markdown.contains("-->"),
        "an HTML comment: {markdown}"
    );
}

#[test]
fn hostile_names_cannot_ping_link_or_inject() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    hostile_org(&org);
    let policy = policy(dir.path());
    let out = orgcheck(&[
        "scan",
        "--local",
        org.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let markdown = stdout(&out);
    assert!(markdown.contains("security"), "{}", stderr(&out));
    let shown = support::stable(&markdown)
        .replace(&dir.path().display().to_string(), "TMP")
        .replace(&today(), "DATE");
    insta::assert_snapshot!("hostile_report", shown);
    // The text is still there for a reader, only inert.
    let text = visible_text(&gfm(&markdown));
    assert!(text.contains("please look"), "{text}");
    assert!(text.contains("svc"), "{text}");
    check(&markdown);
}

fn today() -> String {
    // The report's footer date: the tests' binary runs with ORGCHECK_TODAY set.
    "2026-11-27".to_string()
}

/// A deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn any_string_in_a_cell_stays_one_inert_cell() {
    // Pieces that mean something to GFM or GitHub, and plain ones.
    const PIECES: &[&str] = &[
        "@", "#", "1", "42", "a", "Z", "_", "<", ">", "/", "|", "`", "``", "*", "~", "[", "]", "(",
        ")", ":", "//", "www", ".", "GH", "-", "&", ";", "#64", "\\", "\n", " ", "é", "\u{202e}",
        "https", "details", "img", "!", "$", "\"", "'", "日", "١", "<!--", "-->", "deadbeef",
        "0123456",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for case in 0..5_000 {
        let len = 1 + rng.next() % 12;
        let text: String = (0..len)
            .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
            .collect();
        let row = format!(
            "| a | b |\n| --- | --- |\n| x | {} |\n",
            orgcheck::report::gfm::inert(&text)
        );
        let html = gfm(&row);
        assert_eq!(
            html.matches("<td").count(),
            2,
            "case {case} {text:?} split the row:\n{html}"
        );
        let result = std::panic::catch_unwind(|| check(&row));
        assert!(result.is_ok(), "case {case}: {text:?}");
    }
}

#[test]
fn the_checks_here_catch_what_they_look_for() {
    // The same checks on raw text find every trouble: they can fail.
    for bad in [
        "@octocat",
        "see #1",
        "GH-2",
        "https://evil.example",
        "<img src=x>",
        "</details>",
        "é@octocat",
        "deadbeefcafe",
        "`<!-- orgcheck:state v2 -->`",
    ] {
        let caught = std::panic::catch_unwind(|| check(bad)).is_err();
        assert!(caught, "`{bad}` was not caught");
    }
}

#[test]
fn text_output_carries_no_terminal_controls() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    // A job name with an escape sequence (retitle the terminal) and a newline (a fake line).
    write(
        &org.join("svc/.circleci/config.yml"),
        "version: 2.1\njobs:\n  \"build\\e]0;pwned\\a\\nsvc/ok: compliant\":\n    steps:\n      - run: echo\n\
         workflows:\n  w:\n    jobs:\n      - \"build\\e]0;pwned\\a\\nsvc/ok: compliant\"\n",
    );
    let policy = policy(dir.path());
    let out = orgcheck(&[
        "scan",
        "--local",
        org.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "text",
    ]);
    let text = stdout(&out);
    assert!(text.contains("pwned"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(!text.lines().any(|l| l.starts_with("svc/ok")), "{text}");
}

#[test]
fn a_comment_broken_inside_a_code_span_reads_the_same() {
    // Inside code GitHub decodes no entity, so the break is the invisible character itself:
    // rendered, the span shows the text as it was, less nothing a reader can see.
    for text in [
        "curl x | sh # <!-- orgcheck:state v2 f= c=0 -->",
        "<!---->",
        "a --> b <!-- c",
    ] {
        // In a table cell, where the span's `\|` is GFM's escape for a `|`.
        let cell = orgcheck::report::gfm::code(text);
        let html = gfm(&format!("| a |\n| --- |\n| {cell} |\n"));
        let shown = visible_text(&html).replace('\u{200B}', "");
        assert_eq!(shown.trim().trim_start_matches('a').trim(), text, "{html}");
        assert!(!html.contains("<!--") && !html.contains("-->"), "{html}");
    }
}

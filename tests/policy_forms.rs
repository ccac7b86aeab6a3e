//! The policy editor keeps a file's bytes: a byte-order mark stays, and every line it adds or
//! changes ends as the file's lines do (CRLF or LF), for every `orgcheck policy` subcommand.

mod support;

use support::{code, orgcheck_in, stderr, stdout};

const FIXTURE: &str = include_str!("fixtures/commented-policy.toml");

/// The fixture in one form: with or without a byte-order mark, CRLF or LF.
fn form(bom: bool, crlf: bool) -> String {
    let body = if crlf {
        FIXTURE.replace('\n', "\r\n")
    } else {
        FIXTURE.to_string()
    };
    if bom { format!("\u{feff}{body}") } else { body }
}

/// Every subcommand that writes, with the arguments of one edit each.
const EDITS: &[&[&str]] = &[
    &[
        "add",
        "--id",
        "lint",
        "--description",
        "Run the linter",
        "--run",
        "make lint",
    ],
    &["edit", "tests", "--description", "Run every test"],
    &["edit", "tests", "--id", "unit-tests"],
    &["remove", "checkout", "--prune-exemptions"],
    &["unexempt", "--repositories", "web-old"],
    &[
        "exempt",
        "--repositories",
        "legacy-*",
        "--rules",
        "tests",
        "--reason",
        "being replaced",
    ],
];

#[test]
fn every_edit_keeps_the_mark_and_the_line_ending() {
    for (bom, crlf) in [(false, true), (true, false), (true, true), (false, false)] {
        for edit in EDITS {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("orgcheck.toml");
            let before = form(bom, crlf);
            std::fs::write(&path, &before).unwrap();
            let mut args = vec!["policy", "--policy", "orgcheck.toml"];
            args.extend_from_slice(edit);
            let out = orgcheck_in(dir.path(), &args);
            assert_eq!(code(&out), 0, "{edit:?}: {}", stderr(&out));
            let after = std::fs::read_to_string(&path).unwrap();
            let what = format!("bom={bom} crlf={crlf} {edit:?}");
            assert_eq!(after.starts_with('\u{feff}'), bom, "{what}: the mark");
            let crlf_ends = after.matches("\r\n").count();
            let all_ends = after.matches('\n').count();
            if crlf {
                assert_eq!(crlf_ends, all_ends, "{what}: a line ends in LF alone");
            } else {
                assert_eq!(crlf_ends, 0, "{what}: a line ends in CRLF");
            }
            assert!(
                !after.replace("\r\n", "").contains('\r'),
                "{what}: a stray CR"
            );
            // The lines it did not touch are still there, byte for byte.
            let end = if crlf { "\r\n" } else { "\n" };
            for line in [
                "# Platform team policy.   Owner: @platform   (trailing spaces kept)   ",
                "[settings]",
            ] {
                assert!(
                    after.contains(&format!("{line}{end}")),
                    "{what}: `{line}` changed"
                );
            }
        }
    }
}

#[test]
fn the_readers_read_every_form() {
    for (bom, crlf) in [(false, true), (true, false), (true, true)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orgcheck.toml"), form(bom, crlf)).unwrap();
        for args in [
            &["validate"][..],
            &["list"],
            &["show", "tests"],
            &["unexempt", "--repositories", "nothing-*"],
        ] {
            let mut all = vec!["policy", "--policy", "orgcheck.toml"];
            all.extend_from_slice(args);
            let out = orgcheck_in(dir.path(), &all);
            let expected = if args[0] == "unexempt" { 2 } else { 0 };
            assert_eq!(
                code(&out),
                expected,
                "bom={bom} crlf={crlf} {args:?}: {}{}",
                stdout(&out),
                stderr(&out)
            );
        }
        let out = orgcheck_in(dir.path(), &["policy", "--policy", "orgcheck.toml", "list"]);
        assert!(stdout(&out).contains("tests"), "{}", stdout(&out));
    }
}

//! The policy editor: a random sequence of add/edit/remove/exempt/unexempt on a commented
//! policy, written with or without a byte-order mark, with CRLF or LF. Each edit is refused,
//! or gives a valid policy that keeps every comment and every line it did not touch, its mark,
//! and one line ending throughout.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use orgcheck::policy::edit::{Change, Edit, RuleFields, apply};

const POLICY: &str = include_str!("../../tests/fixtures/commented-policy.toml");
const IDS: [&str; 4] = ["checkout", "tests", "scan", "new-rule"];

#[derive(Debug, Arbitrary)]
enum Op {
    Add {
        id: u8,
        description: String,
        run: String,
    },
    Edit {
        id: u8,
        description: Option<String>,
        jobs: Option<Vec<String>>,
    },
    Rename {
        id: u8,
        to: u8,
    },
    Remove {
        id: u8,
        prune: bool,
    },
    Exempt {
        repository: String,
        rule: Option<u8>,
        reason: String,
    },
    Unexempt {
        repository: String,
    },
}

fn id(n: u8) -> String {
    IDS[n as usize % IDS.len()].to_string()
}

fn edit(op: &Op) -> Edit {
    match op {
        Op::Add {
            id: n,
            description,
            run,
        } => Edit::AddRule(RuleFields {
            id: Some(id(*n)),
            description: Some(description.clone()),
            run: Some(run.clone()),
            ..RuleFields::default()
        }),
        Op::Edit {
            id: n,
            description,
            jobs,
        } => Edit::EditRule(
            id(*n),
            RuleFields {
                description: description.clone(),
                // An empty list removes the key, as `--jobs '*'` does.
                jobs: jobs.clone().map(|j| match j.is_empty() {
                    true => Change::Remove,
                    false => Change::Set(j),
                }),
                ..RuleFields::default()
            },
        ),
        Op::Rename { id: n, to } => Edit::EditRule(
            id(*n),
            RuleFields {
                id: Some(id(*to)),
                ..RuleFields::default()
            },
        ),
        Op::Remove { id: n, prune } => Edit::RemoveRule {
            id: id(*n),
            prune: *prune,
        },
        Op::Exempt {
            repository,
            rule,
            reason,
        } => Edit::Exempt {
            repositories: vec![repository.clone()],
            rules: rule.map(id).into_iter().collect(),
            reason: reason.clone(),
            expires: None,
        },
        Op::Unexempt { repository } => Edit::Unexempt {
            repositories: vec![repository.clone()],
            rules: None,
        },
    }
}

fuzz_target!(|input: (bool, bool, Vec<Op>)| {
    let (bom, crlf, ops) = input;
    let comments: Vec<&str> = POLICY
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .collect();
    let body = if crlf {
        POLICY.replace('\n', "\r\n")
    } else {
        POLICY.to_string()
    };
    let mut text = if bom { format!("\u{feff}{body}") } else { body };
    for op in ops.iter().take(8) {
        let Ok(next) = apply("fuzz.toml", &text, &edit(op)) else {
            continue;
        };
        assert_eq!(next.starts_with('\u{feff}'), bom, "the mark after {op:?}");
        let crlf_ends = next.matches("\r\n").count();
        let ends = next.matches('\n').count();
        assert_eq!(crlf_ends, if crlf { ends } else { 0 }, "mixed endings after {op:?}");
        let plain = next.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        orgcheck::policy::parse("fuzz.toml", &plain).expect("an accepted edit is valid");
        // Comments of rules that still exist stay; the file's leading comments always do.
        for c in comments.iter().take(2) {
            assert!(plain.contains(c), "lost {c:?} after {op:?}");
        }
        text = next;
    }
});

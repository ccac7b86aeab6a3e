//! A GitHub App's private key, as secret stores keep it: accepted with its line breaks, on one
//! line, or with literal `\n`; and when it is malformed, refused with words that name the input
//! and the problem, never with any of its bytes, in any encoding, through the CLI flag, the
//! environment variable or the Action's input.

mod support;

use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use support::publish_env::Env;
use support::{code, root, stderr, stdout};

const KEY: &str = include_str!("fixtures/app-key.pem");

/// The publishing world, with the fake knowing only the App.
fn app_env() -> Env {
    Env::with_app("ghs_installation_KEYS")
}

/// The ways a key reaches orgcheck.
#[derive(Debug, Clone, Copy)]
enum Via {
    Flag,
    Environment,
    ActionInput,
}

/// `scan` (or `action`) of the demo organization, publishing as the App with `key`.
fn run(env: &Env, via: Via, key: &str) -> Output {
    let mut cmd = match via {
        Via::Flag => {
            let mut c = env.command(&["--app-id", "4242"]);
            c.arg(format!("--app-private-key={key}"));
            c
        }
        Via::Environment => {
            let mut c = env.command(&["--app-id", "4242"]);
            c.env("ORGCHECK_APP_PRIVATE_KEY", key);
            c
        }
        Via::ActionInput => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_orgcheck"));
            c.arg("action")
                .current_dir(root())
                .env("ORGCHECK_TODAY", "2026-11-27")
                .env("INPUT_LOCAL", env.org())
                .env("INPUT_POLICY", "policy.example.toml")
                .env("INPUT_APP-ID", "4242")
                .env("INPUT_APP-PRIVATE-KEY", key)
                .env("INPUT_API-URL", env.fake.api_url())
                .env("INPUT_ISSUE-REPO", "acme/compliance")
                .env("INPUT_OUTPUT", env.path("action-report.md"))
                .env_remove("GITHUB_TOKEN")
                .env_remove("GITHUB_STEP_SUMMARY")
                .env_remove("GITHUB_OUTPUT")
                .env_remove("GITHUB_API_URL")
                .env_remove("GITHUB_GRAPHQL_URL");
            c
        }
    };
    cmd.env_remove("GITHUB_TOKEN");
    env.finish(&mut cmd)
}

#[test]
fn a_key_kept_on_one_line_or_with_literal_newlines_works_everywhere() {
    let forms = [
        ("as generated", KEY.to_string()),
        ("on one line", KEY.trim().replace('\n', " ")),
        ("with literal \\n", KEY.trim().replace('\n', "\\n")),
    ];
    for via in [Via::Flag, Via::Environment, Via::ActionInput] {
        for (form, key) in &forms {
            let env = app_env();
            let out = run(&env, via, key);
            assert!(
                matches!(code(&out), 0 | 1),
                "{via:?}, {form}: {}",
                stderr(&out)
            );
            let issues = env.fake.issues();
            assert_eq!(issues.len(), 1, "{via:?}, {form}: {}", stderr(&out));
            assert_eq!(issues[0].author, "orgcheck-acme[bot]");
        }
    }
}

/// A key-shaped canary: real PEM framing around bytes that are no key, so each malformed form
/// is refused at a different step.
fn canary_der() -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..1190)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn pem(label: &str, body: &str, end: bool) -> String {
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let end = if end {
        format!("-----END {label}-----\n")
    } else {
        String::new()
    };
    format!("-----BEGIN {label}-----\n{}\n{end}", lines.join("\n"))
}

/// Every 16-byte window of the secret part (the base64 text, and the bytes it stands for) in
/// every encoding an error could print: as it is, decimal lists, hex, base64 at any alignment.
/// The BEGIN and END lines are the format's public boilerplate and are not counted.
fn leaked_window(outputs: &str, body: &str, der: &[u8]) -> Option<String> {
    let compact: String = outputs.chars().filter(|c| !c.is_whitespace()).collect();
    let text = body.as_bytes();
    for w in text.windows(16) {
        let w = std::str::from_utf8(w).unwrap();
        if outputs.contains(w) || compact.contains(w) {
            return Some(format!("text {w}"));
        }
    }
    for w in der.windows(16) {
        let decimal: Vec<String> = w.iter().map(u8::to_string).collect();
        let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = STANDARD.encode(w);
        let forms = [
            decimal.join(", "),
            decimal.join(","),
            decimal.join(" "),
            hex.clone(),
            hex.to_uppercase(),
            b64[..20].to_string(),
        ];
        for form in forms {
            if outputs.contains(&form) || compact.contains(&form.replace(' ', "")) {
                return Some(form);
            }
        }
    }
    None
}

#[test]
fn a_malformed_key_is_refused_without_a_byte_of_it() {
    let der = canary_der();
    let body = STANDARD.encode(&der);
    let label = "RSA PRIVATE KEY";
    let cases = [
        (
            "not a key inside",
            pem(label, &body, true),
            "not an RSA private key",
        ),
        (
            "one line",
            pem(label, &body, true).replace('\n', " "),
            "not an RSA private key",
        ),
        (
            "literal \\n",
            pem(label, &body, true).replace('\n', "\\n"),
            "not an RSA private key",
        ),
        ("cut short", pem(label, &body, false), "no -----END line"),
        (
            "not base64",
            pem(label, &body.replacen('A', "!", 3), true),
            "not base64",
        ),
        ("no BEGIN line", body.clone(), "neither a PEM key"),
        (
            "a private key of another kind",
            pem("EC PRIVATE KEY", &body, true),
            "EC PRIVATE KEY block",
        ),
    ];
    for via in [Via::Flag, Via::Environment, Via::ActionInput] {
        for (what, key, why) in &cases {
            let env = app_env();
            let out = run(&env, via, key);
            let all = format!(
                "{}{}{}{}",
                stdout(&out),
                stderr(&out),
                env.read("summary.md"),
                env.read("report.json")
            );
            assert_eq!(code(&out), 2, "{via:?}, {what}: {all}");
            assert!(
                all.contains("app-private-key") && all.contains(why),
                "{via:?}, {what}: the message names the input and the problem: {all}"
            );
            if let Some(form) = leaked_window(&all, &body, &der) {
                panic!("{via:?}, {what}: the key leaked ({form}):\n{all}");
            }
            assert!(env.fake.log().is_empty(), "nothing was sent");
        }
    }
}

#[test]
fn the_leak_check_finds_each_encoding() {
    let der = canary_der();
    let body = STANDARD.encode(&der);
    let decimal = format!("{:?}", &der[100..140]);
    let hex: String = der[7..40].iter().map(|b| format!("{b:02X}")).collect();
    for leak in [
        body[300..330].to_string(),
        decimal,
        hex,
        STANDARD.encode(&der[5..40]),
    ] {
        assert!(
            leaked_window(&format!("error: {leak}"), &body, &der).is_some(),
            "{leak}"
        );
    }
    assert_eq!(leaked_window("error: nothing", &body, &der), None);
}

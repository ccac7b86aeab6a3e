//! GitHub Enterprise Server behind a private CA: the built-in roots refuse its certificate,
//! and `--ca-cert`, `SSL_CERT_FILE` or `SSL_CERT_DIR` make orgcheck trust it. The server is the
//! fake GitHub behind a TLS front on 127.0.0.1 whose certificate a test CA signed.

mod support;

use std::process::{Command, Output};

use support::fake_github::{FakeGitHub, FakeRepo, State};
use support::tls::TlsFront;
use support::{code, root, stderr};

const TOKEN: &str = "ghp_TLS_CANARY_0123456789";
const CIRCLE_OK: &str =
    "version: 2.1\njobs:\n  build:\n    steps:\n      - checkout\n      - run: make test\n";

struct Ghes {
    fake: FakeGitHub,
    front: TlsFront,
}

impl Ghes {
    fn start() -> Self {
        let repos = vec![
            FakeRepo::new("a").circleci(CIRCLE_OK),
            FakeRepo::new("b").circleci(CIRCLE_OK),
        ];
        let mut state = State::new("acme", repos).ghes();
        state.token = Some(TOKEN.into());
        let fake = FakeGitHub::start(state);
        let front = TlsFront::start(fake.addr);
        Ghes { fake, front }
    }

    fn scan(&self, extra: &[&str], envs: &[(&str, &str)]) -> Output {
        let api = self.front.api_url("/api/v3");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orgcheck"));
        cmd.args(["scan", "--org", "acme", "--api-url", &api])
            .args([
                "--policy",
                "policy.example.toml",
                "--format",
                "json",
                "--no-fail",
            ])
            .args(extra)
            .current_dir(root())
            .env("ORGCHECK_TODAY", "2026-11-27")
            .env("GITHUB_TOKEN", TOKEN)
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .env_remove("GITHUB_GRAPHQL_URL")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_OUTPUT");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
        assert!(!stderr(&out).contains(TOKEN));
        out
    }
}

fn ca() -> String {
    root()
        .join("tests/fixtures/tls-ca.pem")
        .display()
        .to_string()
}

fn scanned(out: &Output) -> u64 {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    report["summary"]["repositories"].as_u64().unwrap()
}

#[test]
fn a_private_ca_is_refused_by_default_with_a_hint() {
    let ghes = Ghes::start();
    let out = ghes.scan(&[], &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("certificate"), "{err}");
    assert!(err.contains("--ca-cert"), "says what to do: {err}");
    // Nothing was sent in clear: the handshake failed before any request reached the fake.
    assert!(ghes.fake.log().is_empty());
}

#[test]
fn ca_cert_as_a_file_or_as_pem_text_is_trusted() {
    let ghes = Ghes::start();
    let out = ghes.scan(&["--ca-cert", &ca()], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(scanned(&out), 2);
    assert!(ghes.fake.log().iter().any(|l| l.path == "/api/graphql"));

    let pem = std::fs::read_to_string(ca()).unwrap();
    let out = ghes.scan(&["--ca-cert", &pem], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("BEGIN CERTIFICATE"));
}

#[test]
fn ssl_cert_file_and_ssl_cert_dir_are_honoured() {
    let ghes = Ghes::start();
    let out = ghes.scan(&[], &[("SSL_CERT_FILE", &ca())]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(scanned(&out), 2);

    // A folder of certificates, as OpenSSL keeps them, with files that are not certificates.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(ca(), dir.path().join("company-ca.pem")).unwrap();
    std::fs::write(dir.path().join("README"), "not a certificate\n").unwrap();
    let out = ghes.scan(&[], &[("SSL_CERT_DIR", dir.path().to_str().unwrap())]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(scanned(&out), 2);
}

#[test]
fn an_unusable_ca_cert_is_a_clear_usage_error() {
    let ghes = Ghes::start();
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("ca.pem");
    std::fs::write(&junk, "this is not PEM\n").unwrap();
    let out = ghes.scan(&["--ca-cert", junk.to_str().unwrap()], &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains("ca.pem") && err.contains("BEGIN CERTIFICATE"),
        "{err}"
    );

    let missing = dir.path().join("missing.pem");
    let out = ghes.scan(&[], &[("SSL_CERT_FILE", missing.to_str().unwrap())]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("SSL_CERT_FILE"), "{}", stderr(&out));
    assert!(
        ghes.fake.log().is_empty(),
        "nothing is sent before the trust is settled"
    );
}

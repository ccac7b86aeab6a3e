//! GitHub App JWTs (RS256), signed with ring, which rustls already brings. octocrab's JWT
//! support pulls in the `rsa` crate (RUSTSEC-2023-0071, the Marvin timing attack, with no fixed
//! version); ring's RSA signing is constant-time and blinded.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use super::GitHubError;

/// An App's signing key.
pub struct AppKey(RsaKeyPair);

/// PEM blocks orgcheck can name when it refuses one: the label is the only part of a key ever
/// shown, and only when it is one of these.
const KNOWN_LABELS: &[&str] = &[
    "EC PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "DSA PRIVATE KEY",
    "CERTIFICATE",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
];

/// The DER inside a PEM private key, however a secret store kept the text: with real line
/// breaks, on one line (breaks turned into spaces), or with literal `\n` sequences. Errors say
/// what is wrong in fixed words and never quote the text.
fn pem_der(text: &str) -> Result<(String, Vec<u8>), String> {
    let text = text.replace("\\r", "").replace("\\n", "\n");
    let begin = text
        .find("-----BEGIN ")
        .ok_or("it has no -----BEGIN … PRIVATE KEY----- line")?;
    let after = &text[begin + "-----BEGIN ".len()..];
    let label_end = after
        .find("-----")
        .ok_or("its -----BEGIN line is not closed by -----")?;
    let label = after[..label_end].trim().to_string();
    let body_and_end = &after[label_end + "-----".len()..];
    let end = body_and_end
        .find(&format!("-----END {label}-----"))
        .ok_or("it has no -----END line matching its -----BEGIN line (is it cut short?)")?;
    let body = &body_and_end[..end];
    if body.contains(':') {
        return Err("it is encrypted (it has PEM headers); export it without a passphrase".into());
    }
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(compact)
        .map_err(|_| "the text between its BEGIN and END lines is not base64")?;
    Ok((label, der))
}

impl AppKey {
    /// Read a PEM private key as GitHub hands it out (PKCS#1 `RSA PRIVATE KEY`), or PKCS#8,
    /// with line breaks as they are, turned into spaces, or written as `\n`.
    pub fn from_pem(pem: &str) -> Result<Self, GitHubError> {
        let bad = |why: &str| {
            GitHubError::Config(format!(
                "--app-private-key (or $ORGCHECK_APP_PRIVATE_KEY, or the app-private-key input) is \
                 not usable: {why}. Give the .pem file GitHub generated for the App, or its text"
            ))
        };
        let (label, der) = pem_der(pem).map_err(|why| bad(&why))?;
        // ring's rejections are fixed words ("InvalidEncoding"), never key bytes.
        let pair = match label.as_str() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(bad("it is encrypted; export it without a passphrase"));
            }
            known if KNOWN_LABELS.contains(&known) => {
                return Err(bad(&format!(
                    "it is a {known} block, not an RSA private key (GitHub Apps' keys are RSA)"
                )));
            }
            _ => return Err(bad("its -----BEGIN line names no private key")),
        }
        .map_err(|e| bad(&format!("its content is not an RSA private key ({e})")))?;
        Ok(AppKey(pair))
    }

    /// A JWT for App `app_id`, as GitHub documents it: issued a minute in the past (clock
    /// drift), valid for nine minutes (GitHub allows at most ten).
    pub fn jwt(&self, app_id: u64, now: u64) -> Result<String, GitHubError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iat": now.saturating_sub(60),
            "exp": now.saturating_add(540),
            "iss": app_id.to_string(),
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let message = format!("{header}.{claims}");
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .map_err(|_| GitHubError::Config("signing the App JWT failed".into()))?;
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../../tests/fixtures/app-key.pem");

    #[test]
    fn a_key_on_one_line_or_with_literal_newlines_is_read() {
        for text in [
            KEY.to_string(),
            KEY.replace('\n', " "),
            KEY.replace('\n', "\\n"),
            KEY.replace('\n', "\r\n"),
            format!("  {}  ", KEY.replace('\n', "\\r\\n")),
        ] {
            assert!(AppKey::from_pem(&text).is_ok(), "{:?}", &text[..40]);
        }
    }

    #[test]
    fn a_refusal_says_what_is_wrong_and_quotes_nothing() {
        let body: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
        let cases = [
            (body.clone(), "no -----BEGIN"),
            (
                KEY.replace("-----END RSA PRIVATE KEY-----", ""),
                "no -----END line",
            ),
            (KEY.replacen("MII", "MI!", 1), "not base64"),
            (KEY.replacen("MII", "AAA", 1), "not an RSA private key"),
            (
                KEY.replace("RSA PRIVATE", "EC PRIVATE"),
                "EC PRIVATE KEY block",
            ),
            (
                KEY.replace("RSA PRIVATE", "WEIRD PRIVATE"),
                "names no private key",
            ),
        ];
        for (text, why) in cases {
            let Err(e) = AppKey::from_pem(&text) else {
                panic!("accepted: {why}")
            };
            let e = e.to_string();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("MII") && !e.contains(&body[40..56]), "{e}");
            assert!(!e.contains("45, 45"), "{e}");
        }
    }
}

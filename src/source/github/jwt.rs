//! GitHub App JWTs (RS256), signed with ring, which rustls already brings. octocrab's JWT
//! support pulls in the `rsa` crate (RUSTSEC-2023-0071, the Marvin timing attack, with no fixed
//! version); ring's RSA signing is constant-time and blinded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;

use super::GitHubError;

/// An App's signing key.
pub struct AppKey(RsaKeyPair);

impl AppKey {
    /// Read a PEM private key as GitHub hands it out (PKCS#1 `RSA PRIVATE KEY`), or PKCS#8.
    pub fn from_pem(pem: &str) -> Result<Self, GitHubError> {
        let bad = |why: String| {
            GitHubError::Config(format!(
                "--app-private-key is not an RSA private key in PEM form: {why}"
            ))
        };
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            _ => return Err(bad("not an RSA key".into())),
        }
        .map_err(|e| bad(e.to_string()))?;
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

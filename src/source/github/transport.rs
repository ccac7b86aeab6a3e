//! The HTTP stack under octocrab: rustls with the Mozilla roots built into the binary (so the
//! container image needs no CA bundle) plus any private CAs the caller trusts (GitHub
//! Enterprise Server behind a company CA), and octocrab's own auth and base-URI layers.

use std::sync::Arc;
use std::time::Duration;

use http::header::USER_AGENT;
use http::{HeaderValue, Uri};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::base_uri::BaseUriLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::{AuthState, OctoBody, Octocrab, OctocrabBuilder};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::GitHubError;

/// How long to wait for a TCP connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Certificates to trust besides the built-in roots, in DER.
#[derive(Debug, Clone, Default)]
pub struct ExtraRoots(Vec<CertificateDer<'static>>);

impl ExtraRoots {
    /// Add every certificate in a PEM text; `origin` names it in errors. Other PEM sections
    /// (keys, CRLs) are skipped, as OpenSSL does for `SSL_CERT_FILE`.
    pub fn add_pem(&mut self, pem: &[u8], origin: &str) -> Result<usize, GitHubError> {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                GitHubError::Config(format!(
                    "{origin}: not a PEM certificate file ({}); give a file of \
                     -----BEGIN CERTIFICATE----- blocks",
                    pem_problem(&e)
                ))
            })?;
            self.0.push(cert);
            added += 1;
        }
        Ok(added)
    }

    /// How many certificates were added.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none were added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn tls_config(extra: &ExtraRoots) -> Result<rustls::ClientConfig, GitHubError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // A system bundle named by SSL_CERT_FILE may hold a certificate webpki cannot use; skip it,
    // as rustls-native-certs does, rather than refuse every connection.
    roots.add_parsable_certificates(extra.0.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| GitHubError::Config(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// An octocrab client over orgcheck's HTTP stack, sending `Authorization: Bearer TOKEN` (a
/// token, or an App's JWT) when given one. `base` is the URI relative paths resolve against.
/// octocrab's own retry is not in the stack: orgcheck decides retries itself.
pub fn build(base: &str, token: Option<&str>, extra: &ExtraRoots) -> Result<Octocrab, GitHubError> {
    let base: Uri = base
        .parse()
        .map_err(|e| GitHubError::Config(format!("invalid API URL {base}: {e}")))?;
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.enforce_http(false);
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(extra)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: HyperClient<_, OctoBody> = HyperClient::builder(TokioExecutor::new()).build(https);
    let auth_header = match token {
        None => None,
        Some(t) => {
            let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                GitHubError::Config("the token contains characters a header cannot carry".into())
            })?;
            v.set_sensitive(true);
            Some(v)
        }
    };
    let agent = HeaderValue::from_static(concat!("orgcheck/", env!("CARGO_PKG_VERSION")));
    OctocrabBuilder::new_empty()
        .with_service(client)
        .with_layer(&ExtraHeadersLayer::new(Arc::new(vec![(USER_AGENT, agent)])))
        .with_layer(&BaseUriLayer::new(base.clone()))
        .with_layer(&AuthHeaderLayer::new(auth_header, base.clone(), base))
        .with_auth(AuthState::None)
        .build()
        .map_err(|e| GitHubError::Config(format!("cannot set up the HTTP client: {e}")))
}

/// What is wrong with a PEM file, in fixed words: rustls's own messages quote the offending
/// line as decimal bytes, and a private key passed here by mistake must not reach a log.
fn pem_problem(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error;
    match e {
        Error::MissingSectionEnd { .. } => "a -----BEGIN block has no -----END line",
        Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed",
        Error::Base64Decode(_) => "a block is not base64",
        Error::SectionTooLarge => "a block is too large",
        _ => "it cannot be read as PEM",
    }
}

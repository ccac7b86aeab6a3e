//! A TLS front for the fake GitHub: terminates TLS with a certificate signed by a private test
//! CA (`tests/fixtures/tls-ca.pem`), as a GitHub Enterprise Server behind a company CA would,
//! and passes the bytes on to the plain-HTTP fake.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use super::root;

/// A running TLS front. The thread ends with the test process.
pub struct TlsFront {
    pub addr: SocketAddr,
}

impl TlsFront {
    /// Accept TLS on a free port of 127.0.0.1 and forward each connection to `backend`.
    pub fn start(backend: SocketAddr) -> Self {
        let fixtures = root().join("tests/fixtures");
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(fixtures.join("tls-server.pem"))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(fixtures.join("tls-server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        // A client that refuses our certificate ends the handshake: not an error here.
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                            return;
                        };
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    });
                }
            });
        });
        TlsFront { addr }
    }

    /// The REST base to pass as `--api-url`: `https://127.0.0.1:PORT` plus the fake's prefix.
    pub fn api_url(&self, prefix: &str) -> String {
        format!("https://{}{prefix}", self.addr)
    }
}

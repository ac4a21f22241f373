//! TLS settings for `ssl:` remotes, from the PEM files `ovs-pki` makes, verified the way Open
//! vSwitch verifies them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::{verify_server_cert_signed_by_trust_anchor, Resumption};
use tokio_rustls::rustls::crypto::{
    ring, verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms,
};
use tokio_rustls::rustls::server::ParsedCertificate;
use tokio_rustls::rustls::{
    self, ClientConfig, DigitallySignedStruct, Error as RustlsError, InconsistentKeys,
    RootCertStore, SignatureScheme,
};
use tokio_rustls::TlsConnector;

/// Why [`TlsSettings`] could not be built. Every message names the file and what is wrong
/// with it.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read the {what} file {}: {source}", path.display())]
    Read {
        /// Which file: "private key", "certificate" or "CA certificate".
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not valid PEM.
    #[error("the {what} file {} is not valid PEM: {detail}", path.display())]
    Pem {
        /// Which file: "private key", "certificate" or "CA certificate".
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What the PEM parser found wrong.
        detail: String,
    },
    /// A certificate or CA certificate file holds no certificate.
    #[error(
        "the {what} file {} holds no certificate: expected a \"-----BEGIN CERTIFICATE-----\" \
         block (ovs-pki writes them to NAME-cert.pem and to the CA's cacert.pem)",
        path.display()
    )]
    NoCertificate {
        /// Which file: "certificate" or "CA certificate".
        what: &'static str,
        /// Its path.
        path: PathBuf,
    },
    /// The private key file holds no private key.
    #[error(
        "the private key file {} holds no private key: expected a \"-----BEGIN PRIVATE \
         KEY-----\" (or RSA / EC PRIVATE KEY) block (ovs-pki writes it to NAME-privkey.pem)",
        path.display()
    )]
    NoPrivateKey {
        /// Its path.
        path: PathBuf,
    },
    /// The private key is of a type rustls cannot sign with (for instance DSA, which
    /// `ovs-pki -k dsa` makes).
    #[error(
        "the private key in {} has an unsupported type ({detail}): use an RSA, ECDSA (P-256, \
         P-384) or Ed25519 key; ovs-pki makes RSA keys unless run with -k dsa",
        path.display()
    )]
    UnsupportedKey {
        /// The private key file.
        path: PathBuf,
        /// What rustls said (or the key type found).
        detail: String,
    },
    /// The private key is not the one the certificate was issued for.
    #[error(
        "the private key {} does not belong to the certificate {}: give the NAME-privkey.pem \
         and NAME-cert.pem of the same NAME",
        key.display(),
        certificate.display()
    )]
    KeyMismatch {
        /// The private key file.
        key: PathBuf,
        /// The certificate file.
        certificate: PathBuf,
    },
    /// A certificate in the CA file cannot serve as a trust anchor.
    #[error("the CA certificate file {} holds an unusable certificate: {detail}", path.display())]
    BadCaCertificate {
        /// The CA certificate file.
        path: PathBuf,
        /// What webpki found wrong.
        detail: String,
    },
    /// rustls refused the configuration for another reason.
    #[error("cannot build the TLS client configuration: {0}")]
    Config(#[source] RustlsError),
}

/// TLS settings for `ssl:` remotes: our private key and certificate (Open vSwitch's SSL is
/// always mutually authenticated: `ovsdb-server` asks every client for a certificate) and the
/// CA certificate that must have signed the server's certificate.
///
/// These are the three files the C tools take as `-p`/`--private-key`, `-c`/`--certificate` and
/// `-C`/`--ca-cert`, in the form `ovs-pki` writes them (PEM; `NAME-privkey.pem`,
/// `NAME-cert.pem` and the CA's `cacert.pem`).
///
/// Like Open vSwitch, the server's certificate is checked against the CA only by default: its
/// chain, signatures and validity dates are verified (by webpki), but **not its host name**,
/// because `ovs-pki` certificates name a switch or controller, not a host. Where the servers'
/// certificates do name them (a subjectAltName with the DNS name or IP address the client
/// connects to), [`TlsSettings::with_server_name_check`] makes a certificate for another name
/// a refused handshake. The TLS code is rustls with
/// the *ring* crypto provider, chosen here explicitly (no process-wide default is needed).
///
/// ```no_run
/// use ovsdb::transport::{connect, Remote, TlsSettings};
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = TlsSettings::from_files(
///     "/etc/ovn/ovnnb-privkey.pem",
///     "/etc/ovn/ovnnb-cert.pem",
///     "/etc/ovn/cacert.pem",
/// )?;
/// let stream = connect(&Remote::parse("ssl:10.0.0.1:6641")?, Some(&tls)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TlsSettings {
    connector: TlsConnector,
    config: Arc<ClientConfig>,
    private_key: PathBuf,
    certificate: PathBuf,
    ca_cert: PathBuf,
    check_names: bool,
}

impl TlsSettings {
    /// Reads our private key, our certificate (optionally followed by its chain) and the CA
    /// certificate(s) to trust, all PEM.
    pub fn from_files(
        private_key: impl AsRef<Path>,
        certificate: impl AsRef<Path>,
        ca_cert: impl AsRef<Path>,
    ) -> Result<TlsSettings, TlsError> {
        Self::build(
            private_key.as_ref(),
            certificate.as_ref(),
            ca_cert.as_ref(),
            false,
        )
    }

    /// The same settings (the files are read again), also requiring the server's certificate
    /// to be valid for the host name or IP address of the remote (webpki's subjectAltName
    /// check). Open vSwitch does not check names; turn this on only where the servers'
    /// certificates carry their names.
    pub fn with_server_name_check(&self) -> Result<TlsSettings, TlsError> {
        Self::build(&self.private_key, &self.certificate, &self.ca_cert, true)
    }

    /// True if [`TlsSettings::with_server_name_check`] made these settings.
    pub fn checks_server_name(&self) -> bool {
        self.check_names
    }

    fn build(
        private_key: &Path,
        certificate: &Path,
        ca_cert: &Path,
        check_names: bool,
    ) -> Result<TlsSettings, TlsError> {
        let provider = Arc::new(ring::default_provider());

        let key = read_private_key(private_key)?;
        provider
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| TlsError::UnsupportedKey {
                path: private_key.into(),
                detail: e.to_string(),
            })?;
        let chain = read_certificates("certificate", certificate)?;

        let mut roots = RootCertStore::empty();
        for ca in read_certificates("CA certificate", ca_cert)? {
            roots.add(ca).map_err(|e| TlsError::BadCaCertificate {
                path: ca_cert.into(),
                detail: e.to_string(),
            })?;
        }
        let verifier = Arc::new(CaOnlyVerifier {
            roots: Arc::new(roots),
            algorithms: provider.signature_verification_algorithms,
            check_names,
        });

        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(chain, key)
            .map_err(|e| match e {
                RustlsError::InconsistentKeys(InconsistentKeys::KeyMismatch) => {
                    TlsError::KeyMismatch {
                        key: private_key.into(),
                        certificate: certificate.into(),
                    }
                }
                e => TlsError::Config(e),
            })?;
        // OpenSSL, as ovsdb-server configures it (client certificates required, no session id
        // context), fails every resumption attempt with an "internal error" alert. Open
        // vSwitch's own clients never resume, so neither do we.
        config.resumption = Resumption::disabled();
        let config = Arc::new(config);
        Ok(TlsSettings {
            connector: TlsConnector::from(config.clone()),
            config,
            private_key: private_key.into(),
            certificate: certificate.into(),
            ca_cert: ca_cert.into(),
            check_names,
        })
    }

    /// The connector that runs the TLS handshake over a connected socket.
    pub fn connector(&self) -> &TlsConnector {
        &self.connector
    }

    /// The rustls client configuration behind [`connector`](Self::connector).
    pub fn client_config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// The private key file these settings were read from.
    pub fn private_key(&self) -> &Path {
        &self.private_key
    }

    /// The certificate file these settings were read from.
    pub fn certificate(&self) -> &Path {
        &self.certificate
    }

    /// The CA certificate file these settings were read from.
    pub fn ca_cert(&self) -> &Path {
        &self.ca_cert
    }
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("private_key", &self.private_key)
            .field("certificate", &self.certificate)
            .field("ca_cert", &self.ca_cert)
            .field("check_names", &self.check_names)
            .finish_non_exhaustive()
    }
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.into(),
        source,
    })
}

fn read_certificates(
    what: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let text = read_file(what, path)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what,
            path: path.into(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            what,
            path: path.into(),
        });
    }
    Ok(certs)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = read_file("private key", path)?;
    match PrivateKeyDer::from_pem_slice(&text) {
        Ok(key) => Ok(key),
        // Legacy "DSA PRIVATE KEY" blocks are not even a recognized PEM section.
        Err(pem::Error::NoItemsFound) if contains(&text, b"-----BEGIN DSA PRIVATE KEY-----") => {
            Err(TlsError::UnsupportedKey {
                path: path.into(),
                detail: "a DSA key".into(),
            })
        }
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoPrivateKey { path: path.into() }),
        Err(e) => Err(TlsError::Pem {
            what: "private key",
            path: path.into(),
            detail: e.to_string(),
        }),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Verifies the server's certificate the way Open vSwitch's stream-ssl does: the chain must lead
/// to one of our CA certificates, with valid signatures and dates (webpki's checks, the same
/// ones rustls's `WebPkiServerVerifier` runs), but the certificate need not name the host we
/// connected to, unless `check_names` (then it must, as with `WebPkiServerVerifier`).
#[derive(Debug)]
struct CaOnlyVerifier {
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
    check_names: bool,
}

impl ServerCertVerifier for CaOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.algorithms.all,
        )?;
        if self.check_names {
            tokio_rustls::rustls::client::verify_server_name(&cert, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS error from rustls, if `error` wraps one (as tokio-rustls's I/O errors do).
pub(crate) fn rustls_error(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Pki;
    use std::net::{IpAddr, Ipv4Addr};
    use tokio_rustls::rustls::client::WebPkiServerVerifier;
    use tokio_rustls::rustls::CertificateError;

    fn verifier(ca: &Path) -> CaOnlyVerifier {
        let mut roots = RootCertStore::empty();
        for ca in read_certificates("CA certificate", ca).unwrap() {
            roots.add(ca).unwrap();
        }
        CaOnlyVerifier {
            roots: Arc::new(roots),
            algorithms: ring::default_provider().signature_verification_algorithms,
            check_names: false,
        }
    }

    /// Why the verifier skips the name check: an ovs-pki server certificate chains to its CA
    /// (X.509 v3, RSA 2048, sha512WithRSAEncryption: webpki verifies it), but names no host,
    /// so rustls's stock verifier refuses it for any address or name.
    #[test]
    fn ovs_pki_server_certificates_verify_by_chain_but_not_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::generate(dir.path()).unwrap();
        let server = read_certificates("certificate", &pki.server_cert).unwrap();
        let ip = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
        let dns = ServerName::try_from("localhost").unwrap();

        let ours = verifier(&pki.ca_cert);
        for name in [&ip, &dns] {
            ours.verify_server_cert(&server[0], &[], name, &[], UnixTime::now())
                .unwrap();
        }

        let mut roots = RootCertStore::empty();
        roots
            .add(
                read_certificates("CA certificate", &pki.ca_cert)
                    .unwrap()
                    .remove(0),
            )
            .unwrap();
        let stock = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(ring::default_provider()),
        )
        .build()
        .unwrap();
        for name in [&ip, &dns] {
            let err = stock
                .verify_server_cert(&server[0], &[], name, &[], UnixTime::now())
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    RustlsError::InvalidCertificate(
                        CertificateError::NotValidForName
                            | CertificateError::NotValidForNameContext { .. }
                    )
                ),
                "{err:?}"
            );
        }

        // The chain check itself is real: another CA's certificate does not verify.
        let err = verifier(&pki.other_ca_cert)
            .verify_server_cert(&server[0], &[], &ip, &[], UnixTime::now())
            .unwrap_err();
        assert_eq!(
            err,
            RustlsError::InvalidCertificate(CertificateError::UnknownIssuer)
        );
        // And a client certificate from the other CA does not pass as a server's either.
        let other = read_certificates("certificate", &pki.other_client_cert).unwrap();
        let err = ours
            .verify_server_cert(&other[0], &[], &ip, &[], UnixTime::now())
            .unwrap_err();
        assert_eq!(
            err,
            RustlsError::InvalidCertificate(CertificateError::UnknownIssuer)
        );
    }
}

//! TLS settings for `ssl:` remotes, from the PEM files `ovs-pki` makes, verified the way Open
//! vSwitch verifies them.

use std::fmt;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    self, CertificateError, ClientConfig, DigitallySignedStruct, Error as RustlsError,
    InconsistentKeys, OtherError, RootCertStore, SignatureScheme,
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
    /// Set when the CA file is to be bootstrapped (shared by clones).
    bootstrapper: Option<Arc<BootstrapVerifier>>,
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
            false,
        )
    }

    /// Settings for the C tools' `--bootstrap-ca-cert=FILE` (Open vSwitch's
    /// `stream_ssl_set_ca_cert_file(FILE, true)`): trust on first use of the server's CA.
    ///
    /// If `ca_cert` exists, these are exactly the settings of
    /// [`from_files`](Self::from_files). If it does not, the first TLS handshake takes the
    /// **last** certificate of the chain the server presents, which must be self-signed (its
    /// issuer is its subject and its signature verifies with its own key; ovsdb-server sends
    /// its CA certificate when run with `--peer-ca-cert`, or when it can build the chain from
    /// the CA it trusts for clients), writes it to `ca_cert` as PEM (created exclusively, mode
    /// 0444; if another process created the file meanwhile, that file is read instead), and
    /// from then on verifies servers against it as [`from_files`](Self::from_files) does,
    /// starting with that very handshake. A server whose last certificate is not self-signed is
    /// refused ([`CaBootstrapError`]) and nothing is written.
    ///
    /// The settings and their clones share what was bootstrapped: later connections (and
    /// reconnects) use the saved CA.
    pub fn bootstrap(
        private_key: impl AsRef<Path>,
        certificate: impl AsRef<Path>,
        ca_cert: impl AsRef<Path>,
    ) -> Result<TlsSettings, TlsError> {
        let ca_cert = ca_cert.as_ref();
        // As Open vSwitch: bootstrap only if the file does not exist; any other state of the
        // file (unreadable, not PEM) is reported by the normal reading.
        let missing = matches!(
            std::fs::metadata(ca_cert),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound
        );
        Self::build(
            private_key.as_ref(),
            certificate.as_ref(),
            ca_cert,
            missing,
            false,
        )
    }

    /// The same settings (the files are read again), also requiring the server's certificate
    /// to be valid for the host name or IP address of the remote (webpki's subjectAltName
    /// check). Open vSwitch does not check names; turn this on only where the servers'
    /// certificates carry their names.
    pub fn with_server_name_check(&self) -> Result<TlsSettings, TlsError> {
        let bootstrap = self.bootstraps_ca_cert();
        Self::build(
            &self.private_key,
            &self.certificate,
            &self.ca_cert,
            bootstrap,
            true,
        )
    }

    /// True if these settings will bootstrap the CA certificate on the first handshake
    /// ([`TlsSettings::bootstrap`] found no CA file); false once it has been bootstrapped, and
    /// for settings that read the CA file.
    pub fn bootstraps_ca_cert(&self) -> bool {
        self.bootstrapper
            .as_ref()
            .is_some_and(|b| !b.is_bootstrapped())
    }

    /// True if [`TlsSettings::with_server_name_check`] made these settings.
    pub fn checks_server_name(&self) -> bool {
        self.check_names
    }

    fn build(
        private_key: &Path,
        certificate: &Path,
        ca_cert: &Path,
        bootstrap: bool,
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

        let algorithms = provider.signature_verification_algorithms;
        let (verifier, bootstrapper): (Arc<dyn ServerCertVerifier>, _) = if bootstrap {
            let b = Arc::new(BootstrapVerifier {
                path: ca_cert.into(),
                algorithms,
                check_names,
                trusted: Mutex::new(None),
            });
            (b.clone(), Some(b))
        } else {
            let verifier = CaOnlyVerifier {
                roots: Arc::new(read_roots(ca_cert)?),
                algorithms,
                check_names,
            };
            (Arc::new(verifier), None)
        };

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
            bootstrapper,
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

    /// The CA certificate file these settings were read from (or bootstrap into).
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
            .field("bootstraps_ca_cert", &self.bootstraps_ca_cert())
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

fn read_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    roots_of(path, read_certificates("CA certificate", path)?)
}

/// The trust store of the CA certificates `cas`, read from (or written to) `path`.
fn roots_of(
    path: &Path,
    cas: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots.add(ca).map_err(|e| TlsError::BadCaCertificate {
            path: path.into(),
            detail: e.to_string(),
        })?;
    }
    Ok(roots)
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

/// The handshake signature checks of a `ServerCertVerifier` whose `algorithms` field holds
/// the provider's algorithms: rustls's webpki checks, the same for every verifier here.
macro_rules! webpki_signature_checks {
    () => {
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
    };
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

    webpki_signature_checks!();
}

/// Why the CA certificate could not be bootstrapped ([`TlsSettings::bootstrap`]). It reaches
/// the caller as the reason of a failed handshake
/// ([`TransportError::Tls`](super::TransportError::Tls)), wrapped in a rustls
/// `CertificateError::Other`.
#[derive(Debug, thiserror::Error)]
pub enum CaBootstrapError {
    /// The last certificate of the server's chain is not a self-signed (CA) certificate.
    #[error(
        "could not bootstrap the CA certificate into {}: the last certificate the server sent \
         is not self-signed ({reason}), so it is not a CA certificate{hint}",
        path.display(),
        hint = if *received == 1 {
            "; only one certificate was received, so probably the server is not configured to \
             send its CA certificate (ovsdb-server --peer-ca-cert=CA-CERT)"
        } else {
            ""
        }
    )]
    NotSelfSigned {
        /// The CA file that was to be written.
        path: PathBuf,
        /// OpenSSL's words for what is wrong: `subject issuer mismatch` or `certificate
        /// signature failure`.
        reason: &'static str,
        /// How many certificates the server sent.
        received: usize,
    },
    /// The server's certificate could not be parsed.
    #[error(
        "could not bootstrap the CA certificate into {}: cannot parse the certificate the \
         server sent: {detail}",
        path.display()
    )]
    Unparsable {
        /// The CA file that was to be written.
        path: PathBuf,
        /// What the X.509 parser said.
        detail: String,
    },
    /// The CA file could not be created or written.
    #[error("could not bootstrap the CA certificate: creating {} failed: {source}", path.display())]
    Create {
        /// The CA file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The CA file (written by us, or meanwhile by another process) cannot serve as a CA.
    #[error("could not bootstrap the CA certificate: {source}")]
    Unusable {
        /// What is wrong with the file.
        source: TlsError,
    },
}

/// The verifier of [`TlsSettings::bootstrap`] settings whose CA file did not exist: bootstraps
/// it on the first handshake (Open vSwitch's `do_ca_cert_bootstrap`), then verifies as
/// [`CaOnlyVerifier`].
#[derive(Debug)]
struct BootstrapVerifier {
    path: PathBuf,
    algorithms: WebPkiSupportedAlgorithms,
    check_names: bool,
    trusted: Mutex<Option<Arc<CaOnlyVerifier>>>,
}

impl BootstrapVerifier {
    fn trusted(&self) -> Option<Arc<CaOnlyVerifier>> {
        self.trusted.lock().ok().and_then(|t| t.clone())
    }

    fn is_bootstrapped(&self) -> bool {
        self.trusted().is_some()
    }

    /// Checks that `ca` (the last certificate the server sent, of `received`) is self-signed,
    /// saves it, and returns the verifier that trusts it.
    fn bootstrap(
        &self,
        ca: &CertificateDer<'_>,
        received: usize,
    ) -> Result<Arc<CaOnlyVerifier>, CaBootstrapError> {
        let subject = check_self_signed(&self.path, ca, received)?;
        let roots = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&self.path)
        {
            Ok(mut file) => {
                let written = file
                    .write_all(pem_certificate(ca).as_bytes())
                    .and_then(|()| file.sync_all());
                if let Err(source) = written {
                    drop(file);
                    let _ = std::fs::remove_file(&self.path);
                    return Err(CaBootstrapError::Create {
                        path: self.path.clone(),
                        source,
                    });
                }
                tracing::info!(
                    "successfully bootstrapped CA cert to {} (trusting {subject})",
                    self.path.display()
                );
                roots_of(&self.path, [ca.clone().into_owned()])
                    .map_err(|source| CaBootstrapError::Unusable { source })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                tracing::info!(
                    "reading CA cert {} created by another process",
                    self.path.display()
                );
                read_roots(&self.path).map_err(|source| CaBootstrapError::Unusable { source })?
            }
            Err(source) => {
                return Err(CaBootstrapError::Create {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        Ok(Arc::new(CaOnlyVerifier {
            roots: Arc::new(roots),
            algorithms: self.algorithms,
            check_names: self.check_names,
        }))
    }
}

/// Checks that `der` is a self-signed certificate (issuer == subject, and its signature
/// verifies with its own public key); returns its subject, for the log.
fn check_self_signed(
    path: &Path,
    der: &CertificateDer<'_>,
    received: usize,
) -> Result<String, CaBootstrapError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| CaBootstrapError::Unparsable {
            path: path.into(),
            detail: e.to_string(),
        })?;
    let not_self_signed = |reason| CaBootstrapError::NotSelfSigned {
        path: path.into(),
        reason,
        received,
    };
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return Err(not_self_signed("subject issuer mismatch"));
    }
    cert.verify_signature(None)
        .map_err(|_| not_self_signed("certificate signature failure"))?;
    Ok(cert.subject().to_string())
}

/// `der` as a PEM `CERTIFICATE` block, as OpenSSL's `PEM_write_X509` writes it.
fn pem_certificate(der: &[u8]) -> String {
    let base64 = data_encoding::BASE64.encode(der);
    let mut pem = String::with_capacity(base64.len() + base64.len() / 64 + 64);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    let mut rest = base64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

impl ServerCertVerifier for BootstrapVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        let verifier = {
            let mut trusted = self
                .trusted
                .lock()
                .map_err(|_| RustlsError::General("CA bootstrap state poisoned".into()))?;
            match &*trusted {
                Some(v) => v.clone(),
                None => {
                    let ca = intermediates.last().unwrap_or(end_entity);
                    let v = self.bootstrap(ca, intermediates.len() + 1).map_err(|e| {
                        RustlsError::InvalidCertificate(CertificateError::Other(OtherError(
                            Arc::new(e),
                        )))
                    })?;
                    *trusted = Some(v.clone());
                    v
                }
            }
        };
        // The handshake that bootstrapped goes on with the saved CA, which is where Open
        // vSwitch's reconnect would arrive.
        verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    webpki_signature_checks!();
}

/// The [`CaBootstrapError`] behind a rustls error, if there is one.
pub(crate) fn ca_bootstrap_error(error: &RustlsError) -> Option<&CaBootstrapError> {
    match error {
        RustlsError::InvalidCertificate(CertificateError::Other(other)) => {
            other.0.downcast_ref::<CaBootstrapError>()
        }
        _ => None,
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

    fn first_cert(path: &Path) -> CertificateDer<'static> {
        read_certificates("certificate", path).unwrap().remove(0)
    }

    fn openssl(dir: &Path, args: &[&str]) {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    }

    /// Only a self-signed certificate is taken as a CA: ovs-pki's CA is; a server certificate
    /// is not (another issuer); a certificate naming itself as issuer but signed with another
    /// key is not either (a name check alone would take it).
    #[test]
    fn bootstrap_takes_only_self_signed_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::generate(&dir.path().join("pki")).unwrap();
        let path = dir.path().join("out.pem");
        let subject = check_self_signed(&path, &first_cert(&pki.ca_cert), 2).unwrap();
        assert!(subject.contains("switchca"), "{subject}");

        let err = check_self_signed(&path, &first_cert(&pki.server_cert), 1).unwrap_err();
        assert!(
            matches!(
                err,
                CaBootstrapError::NotSelfSigned {
                    reason: "subject issuer mismatch",
                    received: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("only one certificate was received"), "{text}");
        let err = check_self_signed(&path, &first_cert(&pki.server_cert), 2).unwrap_err();
        assert!(!err.to_string().contains("only one"), "{err}");

        // CN=x issued by a CA also named CN=x, but with the CA's key, not its own.
        let d = dir.path();
        openssl(
            d,
            &[
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "a.key", "-out",
                "a.pem", "-subj", "/CN=x", "-days", "1",
            ],
        );
        openssl(
            d,
            &[
                "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "c.key", "-out",
                "c.csr", "-subj", "/CN=x",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "c.csr",
                "-CA",
                "a.pem",
                "-CAkey",
                "a.key",
                "-out",
                "c.pem",
                "-days",
                "1",
                "-set_serial",
                "2",
            ],
        );
        check_self_signed(&path, &first_cert(&d.join("a.pem")), 1).unwrap();
        let err = check_self_signed(&path, &first_cert(&d.join("c.pem")), 1).unwrap_err();
        assert!(
            matches!(
                err,
                CaBootstrapError::NotSelfSigned {
                    reason: "certificate signature failure",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = check_self_signed(&path, &CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]), 1)
            .unwrap_err();
        assert!(
            matches!(err, CaBootstrapError::Unparsable { .. }),
            "{err:?}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn pem_certificate_reads_back() {
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pem = pem_certificate(&der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(pem.lines().nth(1).map(str::len), Some(64));
        let back = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(back.as_ref(), der.as_slice());
    }

    /// When another process created the CA file meanwhile, that file is what is trusted (and
    /// it is left as it is), as in Open vSwitch.
    #[test]
    fn bootstrap_reads_a_file_created_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::generate(&dir.path().join("pki")).unwrap();
        let path = dir.path().join("cacert.pem");
        let theirs = std::fs::read(&pki.other_ca_cert).unwrap();
        std::fs::write(&path, &theirs).unwrap();
        let b = BootstrapVerifier {
            path: path.clone(),
            algorithms: ring::default_provider().signature_verification_algorithms,
            check_names: false,
            trusted: Mutex::new(None),
        };
        let verifier = b.bootstrap(&first_cert(&pki.ca_cert), 2).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), theirs);
        let ip = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
        let err = verifier
            .verify_server_cert(
                &first_cert(&pki.server_cert),
                &[],
                &ip,
                &[],
                UnixTime::now(),
            )
            .unwrap_err();
        assert_eq!(
            err,
            RustlsError::InvalidCertificate(CertificateError::UnknownIssuer)
        );
        let other = first_cert(&pki.other_client_cert);
        verifier
            .verify_server_cert(&other, &[], &ip, &[], UnixTime::now())
            .unwrap();

        // A directory that does not exist: the error names the file.
        let b = BootstrapVerifier {
            path: dir.path().join("no/such/dir/cacert.pem"),
            ..b
        };
        let err = b.bootstrap(&first_cert(&pki.ca_cert), 2).unwrap_err();
        assert!(matches!(err, CaBootstrapError::Create { .. }), "{err:?}");
        assert!(err.to_string().contains("no/such/dir/cacert.pem"), "{err}");
    }
}

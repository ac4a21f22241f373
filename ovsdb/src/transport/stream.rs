//! The connected byte stream ([`Transport`]) and [`connect`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use rustls_pki_types::{DnsName, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{AlertDescription, CertificateError, Error as RustlsError};

use super::remote::{Host, Remote};
use super::tls::{ca_bootstrap_error, rustls_error, TlsSettings};

/// A connected stream to an OVSDB server: TCP, unix socket or TLS over TCP.
///
/// It implements [`AsyncRead`] and [`AsyncWrite`] (and is `Unpin + Send`) by dispatching on the
/// variant, without boxing, so it goes straight into a
/// [`tokio_util::codec::Framed`] with [`MessageCodec`](crate::wire::MessageCodec). Made by
/// [`connect`].
///
/// A TLS server that refuses our client certificate may only say so after the handshake (with
/// TLS 1.3, which ovsdb-server negotiates, the client finishes first): [`connect`] succeeds, and
/// the first read fails, or a write if the server has already closed the connection. Either
/// way the [`io::Error`]'s message names the server's fatal alert and what it means (for a
/// refused certificate: "the server ... refused our client certificate ..."), with the
/// original error as its [`source`](std::error::Error::source).
// One value per connection, moved a couple of times while connecting: keeping the TLS state
// inline (instead of boxing the large variant) costs nothing that matters.
#[allow(clippy::large_enum_variant)]
pub enum Transport {
    /// A `tcp:` connection (TCP_NODELAY set).
    Tcp(TcpStream),
    /// A `unix:` connection.
    Unix(UnixStream),
    /// An `ssl:` connection after a completed handshake (TCP_NODELAY set on the socket).
    Tls(TlsStream<TcpStream>),
}

impl Transport {
    /// Whether this is a TLS connection.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Tcp(s) => f.debug_tuple("Tcp").field(s).finish(),
            Transport::Unix(s) => f.debug_tuple("Unix").field(s).finish(),
            Transport::Tls(s) => f.debug_tuple("Tls").field(s.get_ref().0).finish(),
        }
    }
}

impl From<TcpStream> for Transport {
    fn from(stream: TcpStream) -> Transport {
        Transport::Tcp(stream)
    }
}

impl From<UnixStream> for Transport {
    fn from(stream: UnixStream) -> Transport {
        Transport::Unix(stream)
    }
}

impl From<TlsStream<TcpStream>> for Transport {
    fn from(stream: TlsStream<TcpStream>) -> Transport {
        Transport::Tls(stream)
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => match Pin::new(s).poll_read(cx, buf) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(explain_tls_io_error(e))),
                other => other,
            },
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => match Pin::new(&mut *s).poll_write(cx, buf) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(explain_tls_write_error(s, e))),
                other => other,
            },
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Tls(s) => match Pin::new(&mut *s).poll_write_vectored(cx, bufs) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(explain_tls_write_error(s, e))),
                other => other,
            },
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Tcp(s) => s.is_write_vectored(),
            Transport::Unix(s) => s.is_write_vectored(),
            Transport::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
            Transport::Unix(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => match Pin::new(&mut *s).poll_flush(cx) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(explain_tls_write_error(s, e))),
                other => other,
            },
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Why [`connect`] failed. Every message names the remote.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The host name of a `tcp:` or `ssl:` remote did not resolve.
    #[error("cannot resolve the host of {remote}: {source}")]
    Resolve {
        /// The remote.
        remote: Remote,
        /// The resolver's error.
        source: io::Error,
    },
    /// The socket could not connect (nothing listening, no such socket file, ...).
    #[error("cannot connect to {remote}: {source}{hint}", hint = connect_hint(remote, source))]
    Connect {
        /// The remote.
        remote: Remote,
        /// The OS error (for several addresses, the last one's).
        source: io::Error,
    },
    /// An `ssl:` remote was given without [`TlsSettings`].
    #[error(
        "{remote} is an ssl: remote, which needs TLS settings: a private key, a certificate and a \
         CA certificate (the C tools' -p/--private-key, -c/--certificate and -C/--ca-cert; see \
         TlsSettings::from_files)"
    )]
    TlsRequired {
        /// The remote.
        remote: Remote,
    },
    /// The TLS handshake failed: the server's certificate did not verify, the server refused
    /// ours, or the peer does not speak TLS.
    #[error("TLS handshake with {remote} failed: {reason}")]
    Tls {
        /// The remote.
        remote: Remote,
        /// What happened, in words, with what to check.
        reason: String,
        /// The error from the TLS stack (usually wrapping a [`rustls::Error`](RustlsError)).
        source: io::Error,
    },
}

impl TransportError {
    /// The remote the failed connection was for.
    pub fn remote(&self) -> &Remote {
        match self {
            TransportError::Resolve { remote, .. }
            | TransportError::Connect { remote, .. }
            | TransportError::TlsRequired { remote }
            | TransportError::Tls { remote, .. } => remote,
        }
    }
}

fn connect_hint(remote: &Remote, error: &io::Error) -> &'static str {
    match (remote, error.kind()) {
        (Remote::Unix { .. }, io::ErrorKind::NotFound) => {
            " (no socket file there: is ovsdb-server running with --remote=punix:PATH?)"
        }
        (Remote::Unix { .. }, io::ErrorKind::ConnectionRefused) => {
            " (the socket file exists but no server accepts on it: ovsdb-server may have exited)"
        }
        (_, io::ErrorKind::PermissionDenied) => " (permission denied: check the socket's owner)",
        (_, io::ErrorKind::ConnectionRefused) => {
            " (nothing listens on that port: is ovsdb-server running with a matching \
             --remote=ptcp:/pssl:?)"
        }
        _ => "",
    }
}

/// Opens a connection to `remote`: a unix socket, a TCP connection (with TCP_NODELAY), or a TCP
/// connection and a TLS handshake with `tls` for `ssl:` remotes (which fail with
/// [`TransportError::TlsRequired`] without settings). A host name is resolved and its addresses
/// tried in order.
///
/// There is no timeout here: wrap the call in [`tokio::time::timeout`] to bound it.
///
/// ```no_run
/// use futures::{SinkExt, StreamExt};
/// use ovsdb::transport::{connect, Remote};
/// use ovsdb::wire::{Message, MessageCodec};
/// use serde_json::json;
/// use tokio_util::codec::Framed;
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let remote = Remote::parse("unix:/var/run/ovn/ovnnb_db.sock")?;
/// let stream = connect(&remote, None).await?;
/// let mut framed = Framed::new(stream, MessageCodec::new());
/// framed.send(Message::request(json!(1), "list_dbs", vec![])).await?;
/// let reply = framed.next().await.ok_or("connection closed")??;
/// # Ok(())
/// # }
/// ```
pub async fn connect(
    remote: &Remote,
    tls: Option<&TlsSettings>,
) -> Result<Transport, TransportError> {
    match remote {
        Remote::Unix { path } => UnixStream::connect(path)
            .await
            .map(Transport::Unix)
            .map_err(|source| TransportError::Connect {
                remote: remote.clone(),
                source,
            }),
        Remote::Tcp { host, port } => {
            let (stream, _) = connect_tcp(remote, host, *port).await?;
            Ok(Transport::Tcp(stream))
        }
        Remote::Ssl { host, port } => {
            let Some(tls) = tls else {
                return Err(TransportError::TlsRequired {
                    remote: remote.clone(),
                });
            };
            let (stream, addr) = connect_tcp(remote, host, *port).await?;
            // The name only goes into SNI: like Open vSwitch, the verifier ignores it.
            let name = match host {
                Host::Name(name) => DnsName::try_from(name.clone())
                    .map(ServerName::DnsName)
                    .unwrap_or_else(|_| ServerName::IpAddress(addr.ip().into())),
                Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
            };
            match tls.connector().connect(name, stream).await {
                Ok(stream) => Ok(Transport::Tls(stream)),
                Err(source) => Err(TransportError::Tls {
                    remote: remote.clone(),
                    reason: explain_handshake_error(&source, tls),
                    source,
                }),
            }
        }
    }
}

/// Connects to the first address of `host` that accepts, with TCP_NODELAY.
async fn connect_tcp(
    remote: &Remote,
    host: &Host,
    port: u16,
) -> Result<(TcpStream, SocketAddr), TransportError> {
    let addrs: Vec<SocketAddr> = match host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, port)],
        Host::Name(name) => tokio::net::lookup_host((name.as_str(), port))
            .await
            .map_err(|source| TransportError::Resolve {
                remote: remote.clone(),
                source,
            })?
            .collect(),
    };
    let mut last_error = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|source| TransportError::Connect {
                        remote: remote.clone(),
                        source,
                    })?;
                return Ok((stream, addr));
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(source) => TransportError::Connect {
            remote: remote.clone(),
            source,
        },
        None => TransportError::Resolve {
            remote: remote.clone(),
            source: io::Error::new(io::ErrorKind::NotFound, "the name has no addresses"),
        },
    })
}

/// Whether a TLS alert from the server means it did not accept our certificate.
fn is_certificate_alert(alert: &AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRequired
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied
    )
}

/// Says in words why a handshake failed and what to check.
fn explain_handshake_error(error: &io::Error, tls: &TlsSettings) -> String {
    if let Some(e) = rustls_error(error).and_then(ca_bootstrap_error) {
        return e.to_string();
    }
    match rustls_error(error) {
        // A bad signature from a trusted name is the same case: ovs-pki names its CAs after
        // the second they were made, so two CAs made in the same second share a name, and
        // the certificate of one then finds the other as its issuer.
        Some(RustlsError::InvalidCertificate(
            e @ (CertificateError::UnknownIssuer | CertificateError::BadSignature),
        )) => format!(
            "the server's certificate is not signed by the CA in {} (certificate verification \
             failed: {}); give the CA certificate that signed the server's certificate \
             (-C/--ca-cert)",
            tls.ca_cert().display(),
            match e {
                CertificateError::BadSignature => "signed by another CA of the same name",
                _ => "unknown issuer",
            }
        ),
        Some(RustlsError::InvalidCertificate(
            e @ (CertificateError::NotValidForName
            | CertificateError::NotValidForNameContext { .. }),
        )) => format!(
            "the server's certificate is not valid for the address we connected to (name \
             check on: {e:?}); connect by a name the certificate lists in its subjectAltName, \
             or leave the name check off as Open vSwitch does"
        ),
        Some(RustlsError::InvalidCertificate(
            e @ (CertificateError::Expired | CertificateError::ExpiredContext { .. }),
        )) => format!(
            "the server's certificate has expired ({e:?}); renew it (ovs-pki sign) and restart \
             the server"
        ),
        Some(RustlsError::InvalidCertificate(e)) => format!(
            "the server's certificate failed verification against the CA in {}: {e:?}",
            tls.ca_cert().display()
        ),
        Some(RustlsError::AlertReceived(alert)) if is_certificate_alert(alert) => format!(
            "the server refused our client certificate {} (TLS alert {alert:?}): it must be \
             signed by a CA that the server trusts (ovsdb-server --ca-cert)",
            tls.certificate().display()
        ),
        Some(RustlsError::AlertReceived(alert)) => {
            format!("the server aborted the handshake with the TLS alert {alert:?}")
        }
        Some(e) => e.to_string(),
        None if error.kind() == io::ErrorKind::UnexpectedEof => format!(
            "the server closed the connection during the handshake ({error}): is that port \
             really a TLS (pssl:) port?"
        ),
        None => error.to_string(),
    }
}

/// Rewrites a fatal TLS alert received after the handshake into an error that says what it
/// means; other errors pass through.
fn explain_tls_io_error(error: io::Error) -> io::Error {
    let alert = match rustls_error(&error) {
        Some(RustlsError::AlertReceived(alert)) => *alert,
        _ => return error,
    };
    let kind = error.kind();
    let source = match error.into_inner() {
        Some(inner) => inner,
        None => return io::Error::new(kind, format!("TLS alert {alert:?}")),
    };
    io::Error::new(kind, TlsAlertError { alert, source })
}

/// Explains a failed write: when the server has closed the connection after a fatal alert
/// (typically: it refused our certificate right after the handshake), the write fails with a
/// broken pipe or a reset, while the alert that says why still sits unread in the socket. Feed
/// what is there to rustls (which keeps any application data for later reads) and report the
/// alert if one came.
fn explain_tls_write_error(stream: &mut TlsStream<TcpStream>, error: io::Error) -> io::Error {
    let error = explain_tls_io_error(error);
    if !matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    ) {
        return error;
    }
    match pending_alert(stream) {
        Some(alert) => io::Error::new(
            error.kind(),
            TlsAlertError {
                alert,
                source: Box::new(error),
            },
        ),
        None => error,
    }
}

/// Reads what the socket holds without waiting and returns the fatal alert it contains, if any.
fn pending_alert(stream: &mut TlsStream<TcpStream>) -> Option<AlertDescription> {
    use std::io::Read as _;
    use std::os::fd::AsFd as _;

    let (tcp, session) = stream.get_mut();
    // A duplicate of the (non-blocking) socket, to read from it outside tokio's readiness
    // tracking; dropping it closes only the duplicate.
    let mut socket = std::net::TcpStream::from(tcp.as_fd().try_clone_to_owned().ok()?);
    let mut buf = [0u8; 4096];
    for _ in 0..16 {
        let n = match socket.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        let mut data = &buf[..n];
        while !data.is_empty() {
            match session.read_tls(&mut data) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            match session.process_new_packets() {
                Err(RustlsError::AlertReceived(alert)) => return Some(alert),
                Err(_) => return None,
                Ok(_) => {}
            }
        }
    }
    None
}

/// A fatal TLS alert from the server, explained.
#[derive(Debug)]
struct TlsAlertError {
    alert: AlertDescription,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for TlsAlertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_certificate_alert(&self.alert) {
            write!(
                f,
                "the server ended the TLS session with the alert {:?}: it refused our client \
                 certificate, which must be signed by a CA that the server trusts (ovsdb-server \
                 --ca-cert)",
                self.alert
            )
        } else {
            write!(
                f,
                "the server ended the TLS session with the alert {:?}",
                self.alert
            )
        }
    }
}

impl std::error::Error for TlsAlertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_stream<T: AsyncRead + AsyncWrite + Unpin + Send + 'static>() {}
    fn is_shareable<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn transport_is_an_unboxed_async_stream() {
        is_stream::<Transport>();
        is_shareable::<TlsSettings>();
        is_shareable::<Remote>();
    }

    /// A server certificate from another CA reads the same whether that CA's name is
    /// unknown or the same as the trusted one's (two ovs-pki CAs made in the same second).
    #[test]
    fn a_certificate_from_another_ca_is_explained_alike_whatever_its_issuer_name() {
        let dir = tempfile::tempdir().unwrap();
        let pki = crate::testing::Pki::generate(dir.path()).unwrap();
        let tls = TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.ca_cert).unwrap();
        for cause in [
            CertificateError::UnknownIssuer,
            CertificateError::BadSignature,
        ] {
            let error = io::Error::other(RustlsError::InvalidCertificate(cause.clone()));
            let message = explain_handshake_error(&error, &tls);
            assert!(
                message.contains("is not signed by the CA in")
                    && message.contains("certificate verification failed"),
                "{cause:?}: {message}"
            );
        }
    }

    #[test]
    fn errors_name_the_remote() {
        let remote = Remote::parse("ssl:192.0.2.1:6641").unwrap();
        let err = TransportError::TlsRequired {
            remote: remote.clone(),
        };
        assert_eq!(err.remote(), &remote);
        assert!(err
            .to_string()
            .starts_with("ssl:192.0.2.1:6641 is an ssl: remote"));
        let err = TransportError::Connect {
            remote: Remote::parse("unix:/nonexistent").unwrap(),
            source: io::ErrorKind::PermissionDenied.into(),
        };
        assert!(err
            .to_string()
            .starts_with("cannot connect to unix:/nonexistent: "));
        assert!(err
            .to_string()
            .ends_with("(permission denied: check the socket's owner)"));
    }
}

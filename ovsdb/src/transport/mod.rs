//! Transports: how bytes reach an OVSDB server.
//!
//! - [`Remote`] parses the active remotes the C tools take (`tcp:HOST[:PORT]`,
//!   `ssl:HOST[:PORT]`, `unix:PATH`, and comma-separated lists of them, as `ovn-nbctl --db`
//!   takes), refusing passive ones (`ptcp:`, `pssl:`, `punix:`) with an error that says why.
//! - [`connect`] opens a [`Transport`]: an enum over a TCP stream, a unix stream and a TLS
//!   stream that implements tokio's `AsyncRead + AsyncWrite`, ready for
//!   [`MessageCodec`](crate::wire::MessageCodec).
//! - [`TlsSettings`] reads the three PEM files `ovs-pki` makes (private key, certificate, CA
//!   certificate) and verifies servers as Open vSwitch does: against the CA, without a host
//!   name check; [`TlsSettings::bootstrap`] saves the server's CA certificate on the first
//!   handshake when the CA file does not exist yet (`--bootstrap-ca-cert`).
//!
//! ```no_run
//! use ovsdb::transport::{connect, Remote, TlsSettings};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let tls = TlsSettings::from_files("sc-privkey.pem", "sc-cert.pem", "cacert.pem")?;
//! for remote in Remote::parse_list("ssl:10.0.0.1:6641,ssl:10.0.0.2:6641")? {
//!     match connect(&remote, Some(&tls)).await {
//!         Ok(stream) => { /* speak JSON-RPC over `stream` */ }
//!         Err(e) => eprintln!("{e}"), // names the remote and what to check
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod remote;
mod stream;
mod tls;

pub use self::remote::{Host, Remote, RemoteError, DEFAULT_PORT};
pub use self::stream::{connect, Transport, TransportError};
pub use self::tls::{CaBootstrapError, TlsError, TlsSettings};

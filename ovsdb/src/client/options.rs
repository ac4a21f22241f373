//! How a client connects: remotes, TLS, cluster behaviour, liveness and reconnect pacing.

use std::time::Duration;

use crate::transport::{Remote, RemoteError, TlsSettings};

/// Settings for [`Client::connect`](super::Client::connect).
///
/// ```
/// use std::time::Duration;
/// use ovsdb::client::ClientOptions;
///
/// let opts = ClientOptions::new("tcp:127.0.0.1:6641,tcp:127.0.0.1:6643")?
///     .database("OVN_Northbound")
///     .inactivity_probe(Some(Duration::from_secs(5)));
/// assert_eq!(opts.remotes.len(), 2);
/// # Ok::<(), ovsdb::transport::RemoteError>(())
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    /// Where to connect, tried in turn (comma-separated in the C tools' `--db`).
    pub remotes: Vec<Remote>,
    /// Private key, certificate and CA for `ssl:` remotes.
    pub tls: Option<TlsSettings>,
    /// Databases whose `_Server.Database` row decides whether a server is usable (cluster
    /// membership, leadership, staleness). Empty: no checks (any server is fine).
    pub databases: Vec<String>,
    /// Stay only on the cluster leader (the C tools' default for writers). Followers are
    /// fine for monitors; relays are always accepted.
    pub leader_only: bool,
    /// Try the remotes in a random order (like `--shuffle-remotes`, the C tools' default).
    pub shuffle_remotes: bool,
    /// Send an echo after this long without hearing from the server, and give up on the
    /// connection after as long again without an answer. `None` disables the probe.
    pub inactivity_probe: Option<Duration>,
    /// Reconnect after the connection drops (otherwise the client closes).
    pub reconnect: bool,
    /// Shortest wait between connection attempts.
    pub backoff_min: Duration,
    /// Longest wait between connection attempts.
    pub backoff_max: Duration,
    /// Give up on one connection attempt (including the cluster checks) after this long.
    pub connect_timeout: Duration,
    /// Refuse a single message larger than this (bounds memory against a hostile server). A
    /// reply to a `monitor_cond` / `monitor_cond_since` request (a replica's initial
    /// contents) is decoded in parts as it arrives, so for it this bounds what is buffered
    /// (one part of whole rows; a single row must fit), not the whole reply: a database of any
    /// size syncs.
    pub max_message_size: usize,
    /// How many undelivered monitor updates may queue per monitor before the connection stops
    /// reading from the server (backpressure: nothing is ever dropped).
    pub monitor_buffer: usize,
    /// Ask for the schema of each of [`ClientOptions::databases`] in the connection
    /// handshake, pipelined with the `_Server` monitor (no extra round trip), and keep it
    /// for [`crate::client::Client::handshake_schema`]. For short-lived clients (the
    /// command-line tools) that need the schema before their first request.
    pub schema_in_handshake: bool,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("remotes", &self.remotes)
            .field("tls", &self.tls.is_some())
            .field("databases", &self.databases)
            .field("leader_only", &self.leader_only)
            .field("shuffle_remotes", &self.shuffle_remotes)
            .field("inactivity_probe", &self.inactivity_probe)
            .field("reconnect", &self.reconnect)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Options for a comma-separated list of remotes, with the C tools' defaults.
    pub fn new(remotes: &str) -> Result<Self, RemoteError> {
        Ok(Self::with_remotes(Remote::parse_list(remotes)?))
    }

    /// Options for parsed remotes, with the C tools' defaults.
    pub fn with_remotes(remotes: Vec<Remote>) -> Self {
        ClientOptions {
            remotes,
            tls: None,
            databases: Vec::new(),
            leader_only: true,
            shuffle_remotes: true,
            inactivity_probe: Some(Duration::from_secs(5)),
            reconnect: true,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(8),
            connect_timeout: Duration::from_secs(10),
            max_message_size: crate::wire::DEFAULT_MAX_MESSAGE_SIZE,
            monitor_buffer: 64,
            schema_in_handshake: false,
        }
    }

    /// Adds a database to follow in `_Server` (see [`ClientOptions::databases`]).
    pub fn database(mut self, name: impl Into<String>) -> Self {
        self.databases.push(name.into());
        self
    }

    /// Sets [`ClientOptions::schema_in_handshake`].
    pub fn schema_in_handshake(mut self, yes: bool) -> Self {
        self.schema_in_handshake = yes;
        self
    }

    /// Sets [`ClientOptions::leader_only`].
    pub fn leader_only(mut self, yes: bool) -> Self {
        self.leader_only = yes;
        self
    }

    /// Sets [`ClientOptions::shuffle_remotes`].
    pub fn shuffle_remotes(mut self, yes: bool) -> Self {
        self.shuffle_remotes = yes;
        self
    }

    /// Sets [`ClientOptions::inactivity_probe`].
    pub fn inactivity_probe(mut self, probe: Option<Duration>) -> Self {
        self.inactivity_probe = probe;
        self
    }

    /// Sets [`ClientOptions::tls`].
    pub fn tls(mut self, tls: TlsSettings) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets [`ClientOptions::reconnect`].
    pub fn reconnect(mut self, yes: bool) -> Self {
        self.reconnect = yes;
        self
    }

    /// Sets the reconnect backoff bounds.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max;
        self
    }

    /// Sets [`ClientOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`ClientOptions::max_message_size`].
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }
}

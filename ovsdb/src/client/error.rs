//! Errors of the client.

use crate::ops::TransactError;
use crate::transport::TransportError;
use crate::wire::WireError;

/// What went wrong with a client call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client is not connected right now (it may be reconnecting); nothing was sent.
    #[error("not connected to the database server ({0})")]
    NotConnected(String),
    /// The connection dropped after the request was sent and before its reply arrived. For a
    /// `transact`, whether it was committed is unknown: check the database before retrying.
    #[error(
        "connection lost while waiting for the reply to \"{method}\" ({reason}); its outcome \
         is unknown"
    )]
    OutcomeUnknown {
        /// The method whose reply never came.
        method: String,
        /// Why the connection ended (the remote and what went wrong).
        reason: String,
    },
    /// The server answered with a JSON-RPC error.
    #[error("\"{method}\" failed: {error}")]
    Rpc {
        /// The method.
        method: String,
        /// The error member of the reply, as JSON text (e.g. `"unknown database"`).
        error: String,
    },
    /// A transaction was answered, and failed.
    #[error(transparent)]
    Transact(#[from] TransactError),
    /// The reply could not be decoded into what the method returns.
    #[error("cannot decode the reply to \"{method}\": {source}")]
    Decode {
        /// The method.
        method: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A request could not be encoded.
    #[error("cannot encode the request \"{method}\": {source}")]
    Encode {
        /// The method.
        method: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// Connecting failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The byte stream was corrupt.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A monitor with this id is already registered.
    #[error("a monitor with id {0} already exists on this client")]
    DuplicateMonitor(String),
    /// No monitor with this id is registered.
    #[error("no monitor with id {0} on this client")]
    NoSuchMonitor(String),
    /// The replica refused a request (unknown table or column, bad index).
    #[error("replica: {0}")]
    Replica(String),
    /// The call did not finish in time.
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The client was shut down (every handle dropped, or `shutdown` called).
    #[error("the client has been shut down")]
    Closed,
}

impl Error {
    /// True if the server's JSON-RPC error is `tag` (e.g. `"unknown method"`).
    pub fn is_rpc_error(&self, tag: &str) -> bool {
        match self {
            Error::Rpc { error, .. } => serde_json::from_str::<serde_json::Value>(error)
                .ok()
                .is_some_and(|v| v == tag || v.get("error").is_some_and(|e| e == tag)),
            _ => false,
        }
    }
}

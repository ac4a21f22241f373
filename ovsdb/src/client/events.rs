//! What the connection task hands to monitor and lock subscribers.

use crate::data::Uuid;
use crate::monitor::{TableUpdates, TableUpdates2};

/// Updates in whichever form the server's monitor method produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Updates {
    /// RFC 7047 `<table-updates>` (plain `monitor`): old and new row contents.
    V1(TableUpdates),
    /// `<table-updates2>` (`monitor_cond`, `monitor_cond_since`): column differences.
    V2(TableUpdates2),
}

impl Updates {
    /// Number of row updates.
    pub fn row_count(&self) -> usize {
        match self {
            Updates::V1(u) => u.row_count(),
            Updates::V2(u) => u.row_count(),
        }
    }
}

/// One event of a monitor, delivered in the order the server sent them. Nothing is ever
/// dropped: when the subscriber falls behind, the connection stops reading from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    /// The complete contents of the monitored tables: the initial contents, or after a
    /// reconnect that could not resume from the last transaction seen. The subscriber replaces
    /// its view of these tables with this (a replica computes the real differences).
    Reset(Updates),
    /// Changes after the previous event: live updates, or after a reconnect, the transactions
    /// missed while disconnected (`monitor_cond_since` found the history).
    Update(Updates),
    /// The server canceled the monitor (`monitor_canceled`: the database was removed or its
    /// schema converted). The client re-establishes it on a fresh connection, and a `Reset`
    /// follows.
    Canceled,
}

/// Where a named lock stands for this client (RFC 7047 4.1.8-4.1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStatus {
    /// Requested; another client holds it.
    Waiting,
    /// This client holds it.
    Held,
    /// Another client stole it with `steal`; this client must ask again to get it back.
    Stolen,
    /// Not connected (the server releases every lock of a dropped connection). The client asks
    /// again after it reconnects.
    Disconnected,
    /// Released with `unlock`.
    Released,
}

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Trying to connect (or reconnect).
    Connecting,
    /// Connected and past the cluster checks; `generation` counts sessions since the start.
    Connected {
        /// The remote in use.
        remote: String,
        /// 1 for the first session, then one more per reconnect.
        generation: u64,
    },
    /// The client stopped (shut down, or disconnected with reconnect disabled).
    Closed,
}

/// The last transaction id a `monitor_cond_since` monitor has seen (exposed for tests and
/// diagnostics: it is what a resume asks for).
pub type TxnId = Uuid;

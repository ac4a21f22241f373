//! A replica kept by the connection task: the handle callers read through.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use super::connection::Command;
use super::{Client, Error};
use crate::replica::{Event, IndexSpec, Replica};

/// Options for [`Client::replicate`].
#[derive(Debug, Clone, Default)]
pub struct ReplicaOptions {
    /// Deliver change events (one batch per server update, in order) through
    /// [`ReplicaHandle::next_events`]. Events are never dropped: a subscriber that stops
    /// reading stalls the connection, so leave this off unless something consumes them.
    pub events: bool,
    /// Indexes to build from the start (more can be added with [`ReplicaHandle::add_index`]).
    pub indexes: Vec<IndexSpec>,
}

impl ReplicaOptions {
    /// With change events.
    pub fn with_events(mut self) -> Self {
        self.events = true;
        self
    }

    /// With an index, e.g. `IndexSpec::parse("Logical_Switch_Port", "external_ids:iface-id")`.
    pub fn with_index(mut self, spec: IndexSpec) -> Self {
        self.indexes.push(spec);
        self
    }
}

/// A live replica (see [`Client::replicate`]). Reads take a short read lock; the connection
/// task takes the write lock only to apply one server update at a time. Dropping every handle
/// cancels the monitor.
pub struct ReplicaHandle {
    id: String,
    data: Arc<RwLock<Replica>>,
    synced: watch::Receiver<bool>,
    events: Option<mpsc::Receiver<Vec<Event>>>,
    client: Client,
}

impl ReplicaHandle {
    pub(crate) fn new(
        id: String,
        data: Arc<RwLock<Replica>>,
        synced: watch::Receiver<bool>,
        events: Option<mpsc::Receiver<Vec<Event>>>,
        client: Client,
    ) -> Self {
        ReplicaHandle {
            id,
            data,
            synced,
            events,
            client,
        }
    }

    /// The monitor id used on the server.
    pub fn monitor_id(&self) -> &str {
        &self.id
    }

    /// Waits until the initial contents are in (at most `limit`).
    pub async fn synced(&self, limit: Duration) -> Result<(), Error> {
        let mut rx = self.synced.clone();
        let outcome = tokio::time::timeout(limit, rx.wait_for(|s| *s))
            .await
            .map(|r| r.map(|_| ()));
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout(limit)),
        }
    }

    /// True once the initial contents are in.
    pub fn is_synced(&self) -> bool {
        *self.synced.borrow()
    }

    /// Reads the replica. Keep `f` short: the connection waits for it to apply updates.
    pub fn read<R>(&self, f: impl FnOnce(&Replica) -> R) -> R {
        let guard = self.data.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Adds an index, built at once from the rows present and kept up to date afterwards.
    pub fn add_index(&self, spec: IndexSpec) -> Result<crate::replica::IndexId, Error> {
        let mut guard = self.data.write().unwrap_or_else(|e| e.into_inner());
        guard
            .add_index(spec)
            .map_err(|e| Error::Replica(e.to_string()))
    }

    /// The next batch of change events (one per server update), if events were requested;
    /// `None` when the client is closed or events were not requested.
    pub async fn next_events(&mut self) -> Option<Vec<Event>> {
        match &mut self.events {
            Some(rx) => rx.recv().await,
            None => None,
        }
    }

    /// A batch of events if one is queued already.
    pub fn try_next_events(&mut self) -> Option<Vec<Event>> {
        self.events.as_mut().and_then(|rx| rx.try_recv().ok())
    }

    /// The last transaction id the replica reflects (what a reconnect resumes from).
    pub async fn last_txn_id(&self) -> Result<Option<crate::data::Uuid>, Error> {
        let (tx, rx) = oneshot::channel();
        self.client
            .send(Command::LastTxnId {
                id: self.id.clone(),
                reply: tx,
            })
            .await?;
        rx.await.map_err(|_| Error::Closed)
    }
}

//! The async OVSDB client (RFC 7047 4.1 methods and the ovsdb-server(7) extensions).
//!
//! A [`Client`] is a cheap `Clone + Send + Sync` handle. One tokio task owns the connection:
//! requests go to it over a channel and come back through oneshots, so many may be in flight
//! at once. The task answers the server's echoes, probes a silent server, reconnects with
//! backoff across the remotes, follows `_Server.Database` to stay on a usable cluster member
//! (the leader, by default, as the C tools do), and after a reconnect re-takes its locks and
//! resumes its monitors (`monitor_cond_since` from the last transaction seen).
//!
//! Many transactions may be in flight on one `Client` (pipelined; see
//! `examples/bulk_insert.rs`). For bulk writes that need no order between them, several
//! `Client`s to the same server commit more per second: ovsdb-server reads one request per
//! session per turn of its main loop, so over one session each transaction pays a whole turn,
//! and over several the turns are shared (16 sessions took the server's CPU per insert from
//! about 29 to 18 microseconds here). Each session keeps its own requests in order; across
//! sessions there is none.
//!
//! Nothing is retried behind the caller's back: a request whose connection dropped fails with
//! [`Error::OutcomeUnknown`], and a request made while disconnected fails with
//! [`Error::NotConnected`].
//!
//! ```no_run
//! use ovsdb::client::{Client, ClientOptions};
//! use ovsdb::data::Row;
//! use ovsdb::ops::Operation;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(ClientOptions::new("unix:/var/run/ovn/ovnnb_db.sock")?
//!     .database("OVN_Northbound")).await?;
//! let results = client
//!     .transact("OVN_Northbound", &[Operation::insert("Logical_Switch", Row::new().with("name", "sw0")).into()])
//!     .await?;
//! println!("created {:?}", results[0].uuid());
//! # Ok(()) }
//! ```

mod backoff;
pub mod cluster;
mod connection;
mod error;
mod events;
mod in_parts;
mod options;
mod replicate;
mod reply;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};

pub use self::backoff::Backoff;
pub use self::connection::MonitorMethod;
pub use self::error::Error;
pub use self::events::{ConnectionState, LockStatus, MonitorEvent, TxnId, Updates};
pub use self::options::ClientOptions;
pub use self::replicate::{ReplicaHandle, ReplicaOptions};

use self::connection::{Command, ReplicaSink, Sink, Task};
use self::reply::Reply;
use crate::data::Uuid;
use crate::monitor::MonitorRequest;
use crate::ops::{decode_transact_reply_slice, Operation, OperationResult};
use crate::schema::DatabaseSchema;

/// A handle on one OVSDB connection (see the [module documentation](self)).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    cmds: mpsc::Sender<Command>,
    state: watch::Receiver<ConnectionState>,
    last_error: watch::Receiver<Option<String>>,
    monitor_buffer: usize,
    schemas: connection::HandshakeSchemas,
}

impl Client {
    /// Starts the connection task and waits until the first connection is usable (past the
    /// cluster checks). Fails with the last connection error if no remote could be used within
    /// the connect timeout times the number of remotes (at least once each).
    pub async fn connect(opts: ClientOptions) -> Result<Client, Error> {
        let budget = opts.connect_timeout * (opts.remotes.len().max(1) as u32) + opts.backoff_max;
        let client = Client::start(opts);
        match tokio::time::timeout(budget, client.wait_connected()).await {
            Ok(Ok(())) => Ok(client),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                Err(Error::NotConnected(client.last_error().unwrap_or_else(
                    || format!("no usable server within {budget:?}"),
                )))
            }
        }
    }

    /// Starts the connection task without waiting for it to connect.
    pub fn start(opts: ClientOptions) -> Client {
        let (cmd_tx, cmd_rx) = mpsc::channel(1024);
        let (state_tx, state_rx) = watch::channel(ConnectionState::Connecting);
        let (err_tx, err_rx) = watch::channel(None);
        let monitor_buffer = opts.monitor_buffer.max(1);
        let schemas = connection::HandshakeSchemas::default();
        tokio::spawn(Task::new(opts, cmd_rx, state_tx, err_tx, schemas.clone()).run());
        Client {
            inner: Arc::new(Inner {
                cmds: cmd_tx,
                state: state_rx,
                last_error: err_rx,
                monitor_buffer,
                schemas,
            }),
        }
    }

    /// The schema of `db` as the current connection's handshake fetched it, with
    /// [`ClientOptions::schema_in_handshake`] set and `db` among
    /// [`ClientOptions::databases`]; `None` otherwise (or if the server could not give it).
    /// It is the schema as of connecting: a long-lived client that must follow schema
    /// changes asks [`Client::get_schema`] instead.
    pub fn handshake_schema(&self, db: &str) -> Option<Arc<DatabaseSchema>> {
        self.inner
            .schemas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(db)
            .cloned()
    }

    /// The connection state, as a watch channel (await `changed()` to follow it).
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.inner.state.clone()
    }

    /// The most recent connection error, if the client is not connected because of one.
    pub fn last_error(&self) -> Option<String> {
        self.inner.last_error.borrow().clone()
    }

    /// Waits until the client is connected (immediately if it is).
    pub async fn wait_connected(&self) -> Result<(), Error> {
        let mut state = self.state();
        loop {
            match &*state.borrow_and_update() {
                ConnectionState::Connected { .. } => return Ok(()),
                ConnectionState::Closed => {
                    return Err(self
                        .last_error()
                        .map(Error::NotConnected)
                        .unwrap_or(Error::Closed))
                }
                ConnectionState::Connecting => {}
            }
            if state.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    async fn send(&self, cmd: Command) -> Result<(), Error> {
        self.inner.cmds.send(cmd).await.map_err(|_| Error::Closed)
    }

    /// Sends any method with already-serialized params and returns its reply.
    async fn call_raw(&self, method: &str, params: Box<RawValue>) -> Result<Reply, Error> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Call {
            method: method.to_owned(),
            params,
            id_out: None,
            reply: tx,
        })
        .await?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Calls `method` with `params` (a JSON array) and decodes its `result` as `T`. A JSON-RPC
    /// error reply becomes [`Error::Rpc`].
    pub async fn call<P: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<T, Error> {
        let params = serde_json::value::to_raw_value(params).map_err(|e| Error::Encode {
            method: method.to_owned(),
            source: e,
        })?;
        let reply = self.call_raw(method, params).await?;
        decode_result(method, &reply)
    }

    /// `list_dbs`: the databases the server has.
    pub async fn list_dbs(&self) -> Result<Vec<String>, Error> {
        self.call("list_dbs", &json!([])).await
    }

    /// `get_schema`: a database's schema.
    pub async fn get_schema(&self, db: &str) -> Result<DatabaseSchema, Error> {
        let reply = self.call_raw("get_schema", raw(&json!([db]))?).await?;
        DatabaseSchema::from_slice(result_of("get_schema", &reply)?).map_err(|e| Error::Decode {
            method: "get_schema".into(),
            source: serde::de::Error::custom(e),
        })
    }

    /// `transact`: runs `ops` atomically, returning one result per operation, or the
    /// [`TransactError`](crate::ops::TransactError) that says which operation (or the commit)
    /// failed. Rows of select results are decoded straight from the reply bytes.
    pub async fn transact(
        &self,
        db: &str,
        ops: &[Operation],
    ) -> Result<Vec<OperationResult>, Error> {
        let pending = self.start_transact(db, ops).await?;
        pending.wait().await
    }

    /// Sends a transaction and returns at once with a handle that knows its request id (for
    /// [`Client::cancel`]) and waits for its results.
    pub async fn start_transact(
        &self,
        db: &str,
        ops: &[Operation],
    ) -> Result<PendingTransact, Error> {
        let params = raw(&TransactParams { db, ops })?;
        let (tx, rx) = oneshot::channel();
        let (id_tx, id_rx) = oneshot::channel();
        self.send(Command::Call {
            method: "transact".into(),
            params,
            id_out: Some(id_tx),
            reply: tx,
        })
        .await?;
        Ok(PendingTransact {
            id: id_rx.await.ok(),
            reply: rx,
            ops: ops.to_vec(),
        })
    }

    /// `cancel`: asks the server to abandon an outstanding `transact` (only a transaction
    /// blocked in a `wait` operation can still be canceled); its reply becomes an error.
    pub async fn cancel(&self, request_id: u64) -> Result<(), Error> {
        self.send(Command::Notify {
            method: "cancel".into(),
            params: json!([request_id]),
        })
        .await
    }

    /// `echo`: the server sends `params` back.
    pub async fn echo(&self, params: Vec<Value>) -> Result<Vec<Value>, Error> {
        self.call("echo", &params).await
    }

    /// `set_db_change_aware`: with `true`, the server cancels monitors of a database that is
    /// removed or converted (instead of closing the connection). The client enables it by
    /// itself when it follows `_Server`.
    pub async fn set_db_change_aware(&self, aware: bool) -> Result<(), Error> {
        let _: Value = self.call("set_db_change_aware", &json!([aware])).await?;
        Ok(())
    }

    /// `get_server_id`: the server's unique id (stable across restarts of a cluster member).
    pub async fn get_server_id(&self) -> Result<Uuid, Error> {
        let id: String = self.call("get_server_id", &json!([])).await?;
        Uuid::parse(&id).map_err(|e| Error::Decode {
            method: "get_server_id".into(),
            source: serde::de::Error::custom(e),
        })
    }

    /// Starts a monitor of `db` with the best method the server supports
    /// (`monitor_cond_since`, else `monitor_cond`, else `monitor`). The first event is the
    /// initial contents ([`MonitorEvent::Reset`]); the monitor survives reconnects.
    pub async fn monitor(
        &self,
        db: &str,
        requests: Vec<(String, MonitorRequest)>,
    ) -> Result<Monitor, Error> {
        self.monitor_with(db, requests, MonitorMethod::MonitorCondSince)
            .await
    }

    /// Like [`Client::monitor`], starting from `method` (falling back from there on
    /// "unknown method").
    pub async fn monitor_with(
        &self,
        db: &str,
        requests: Vec<(String, MonitorRequest)>,
        method: MonitorMethod,
    ) -> Result<Monitor, Error> {
        let (sink, events) = mpsc::channel(self.inner.monitor_buffer);
        let (tx, rx) = oneshot::channel();
        self.send(Command::AddMonitor {
            db: db.to_owned(),
            requests,
            method,
            sink: Sink::Events(sink),
            reply: tx,
        })
        .await?;
        let id = rx.await.map_err(|_| Error::Closed)??;
        Ok(Monitor {
            id,
            events,
            client: self.clone(),
        })
    }

    /// Mirrors tables of `db` in an in-memory [`Replica`](crate::replica::Replica), kept up to
    /// date on the connection task: when a `transact` on this client returns, the replica
    /// already shows its effects. The monitor resumes after reconnects; when the server cannot
    /// resume it, only these tables are replaced, and subscribers see the real differences.
    ///
    /// The server's own schema is used (fetched with `get_schema`), so a newer server's extra
    /// columns are simply there, and a column the server lacks is refused up front. When the
    /// database's schema changes (an online `ovsdb-client convert`, which cancels the
    /// monitor, or a server that comes back from an upgrade), the replica moves to the new
    /// schema ([`Replica::convert`](crate::replica::Replica::convert)): added columns appear,
    /// dropped tables and columns leave the monitor with a warning, and the contents are
    /// replaced by the server's, with events for what really changed.
    pub async fn replicate(
        &self,
        db: &str,
        tables: Vec<(String, MonitorRequest)>,
        options: ReplicaOptions,
    ) -> Result<ReplicaHandle, Error> {
        let schema = Arc::new(self.get_schema(db).await?);
        let mut replica = crate::replica::Replica::new(schema);
        for (table, req) in &tables {
            replica
                .set_monitored_columns(table, &req.columns)
                .map_err(|e| Error::Replica(e.to_string()))?;
        }
        for spec in options.indexes {
            replica
                .add_index(spec)
                .map_err(|e| Error::Replica(e.to_string()))?;
        }
        let data = Arc::new(std::sync::RwLock::new(replica));
        let (synced_tx, synced_rx) = watch::channel(false);
        let (events_tx, events_rx) = if options.events {
            let (tx, rx) = mpsc::channel(self.inner.monitor_buffer);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let sink = Sink::Replica(ReplicaSink {
            data: Arc::clone(&data),
            tables: tables.iter().map(|(t, _)| t.clone()).collect(),
            events: events_tx,
            synced: synced_tx,
        });
        let (tx, rx) = oneshot::channel();
        self.send(Command::AddMonitor {
            db: db.to_owned(),
            requests: tables,
            method: MonitorMethod::MonitorCondSince,
            sink,
            reply: tx,
        })
        .await?;
        let id = rx.await.map_err(|_| Error::Closed)??;
        Ok(ReplicaHandle::new(
            id,
            data,
            synced_rx,
            events_rx,
            self.clone(),
        ))
    }

    /// Requests the lock `name` (`lock`); the returned handle follows its status, which
    /// becomes [`LockStatus::Held`] when the server grants it. Locks are requested again
    /// after a reconnect.
    pub async fn lock(&self, name: &str) -> Result<Lock, Error> {
        self.lock_with(name, false).await
    }

    /// Takes the lock `name` from whoever holds it (`steal`).
    pub async fn steal(&self, name: &str) -> Result<Lock, Error> {
        self.lock_with(name, true).await
    }

    async fn lock_with(&self, name: &str, steal: bool) -> Result<Lock, Error> {
        let (status_tx, status_rx) = watch::channel(LockStatus::Waiting);
        let (tx, rx) = oneshot::channel();
        self.send(Command::Lock {
            name: name.to_owned(),
            steal,
            status: status_tx,
            reply: tx,
        })
        .await?;
        rx.await.map_err(|_| Error::Closed)??;
        Ok(Lock {
            name: name.to_owned(),
            status: status_rx,
            client: self.clone(),
        })
    }
}

/// `[db, op, op, ...]`, serialized without an intermediate `Value`.
struct TransactParams<'a> {
    db: &'a str,
    ops: &'a [Operation],
}

impl Serialize for TransactParams<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.ops.len() + 1))?;
        seq.serialize_element(self.db)?;
        for op in self.ops {
            seq.serialize_element(op)?;
        }
        seq.end()
    }
}

fn raw<T: Serialize + ?Sized>(v: &T) -> Result<Box<RawValue>, Error> {
    serde_json::value::to_raw_value(v).map_err(|e| Error::Encode {
        method: "request".into(),
        source: e,
    })
}

/// The reply's `result` bytes, or its `error` as [`Error::Rpc`].
fn result_of<'a>(method: &str, reply: &'a Reply) -> Result<&'a [u8], Error> {
    reply.result().map_err(|error| Error::Rpc {
        method: method.to_owned(),
        error,
    })
}

fn decode_result<T: DeserializeOwned>(method: &str, reply: &Reply) -> Result<T, Error> {
    crate::wire::from_json_slice(result_of(method, reply)?).map_err(|e| Error::Decode {
        method: method.to_owned(),
        source: e,
    })
}

/// A transaction sent and not yet answered (see [`Client::start_transact`]).
pub struct PendingTransact {
    id: Option<u64>,
    reply: oneshot::Receiver<Result<Reply, Error>>,
    ops: Vec<Operation>,
}

impl PendingTransact {
    /// The JSON-RPC request id, for [`Client::cancel`] (`None` if it was never sent).
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// Waits for the results.
    pub async fn wait(self) -> Result<Vec<OperationResult>, Error> {
        let reply = self.reply.await.map_err(|_| Error::Closed)??;
        Ok(decode_transact_reply_slice(
            &self.ops,
            result_of("transact", &reply)?,
        )?)
    }
}

/// A live monitor: its events, in order (see [`MonitorEvent`]). Dropping it cancels the
/// monitor on the server.
pub struct Monitor {
    id: String,
    events: mpsc::Receiver<MonitorEvent>,
    client: Client,
}

impl Monitor {
    /// The monitor id sent to the server.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The next event; `None` once the client is closed.
    pub async fn next(&mut self) -> Option<MonitorEvent> {
        self.events.recv().await
    }

    /// The next event if one is already queued.
    pub fn try_next(&mut self) -> Option<MonitorEvent> {
        self.events.try_recv().ok()
    }

    /// `monitor_cond_change`: replaces the tables' columns and conditions. Rows that start or
    /// stop matching arrive as updates. Kept across reconnects.
    pub async fn change(&self, requests: Vec<(String, MonitorRequest)>) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.client
            .send(Command::ChangeMonitor {
                id: self.id.clone(),
                requests,
                reply: tx,
            })
            .await?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// The last transaction id seen (monitors using `monitor_cond_since`): a reconnect resumes
    /// from it.
    pub async fn last_txn_id(&self) -> Result<Option<TxnId>, Error> {
        let (tx, rx) = oneshot::channel();
        self.client
            .send(Command::LastTxnId {
                id: self.id.clone(),
                reply: tx,
            })
            .await?;
        rx.await.map_err(|_| Error::Closed)
    }

    /// `monitor_cancel`: stops the monitor.
    pub async fn cancel(self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.client
            .send(Command::CancelMonitor {
                id: self.id.clone(),
                reply: tx,
            })
            .await?;
        rx.await.map_err(|_| Error::Closed)?
    }
}

/// A lock requested by this client (see [`Client::lock`]).
pub struct Lock {
    name: String,
    status: watch::Receiver<LockStatus>,
    client: Client,
}

impl Lock {
    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current status.
    pub fn status(&self) -> LockStatus {
        *self.status.borrow()
    }

    /// Waits until the status satisfies `pred` (e.g. `|s| s == LockStatus::Held`), at most
    /// `limit`.
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        pred: impl Fn(LockStatus) -> bool,
    ) -> Result<LockStatus, Error> {
        let fut = self.status.wait_for(|s| pred(*s));
        match tokio::time::timeout(limit, fut).await {
            Ok(Ok(s)) => Ok(*s),
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout(limit)),
        }
    }

    /// `unlock`: releases the lock (or stops waiting for it).
    pub async fn unlock(self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.client
            .send(Command::Unlock {
                name: self.name.clone(),
                reply: tx,
            })
            .await?;
        rx.await.map_err(|_| Error::Closed)?
    }
}

//! The connection task: owns the socket, routes replies and notifications, answers echoes,
//! probes an idle server, re-establishes monitors and locks after a reconnect, and follows
//! `_Server.Database` to stay on a usable cluster member.
//!
//! Everything that touches the connection happens here, one message at a time, in the order
//! the server sent them. Monitor events are handed to their subscribers before the next
//! message is read, so a reply that follows an update (ovsdb-server sends a transaction's
//! updates before its reply) always reaches the caller after the update was delivered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use rand::seq::SliceRandom;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::ReadHalf;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::codec::FramedRead;

use super::backoff::Backoff;
use super::cluster::{ClusterTracker, Rejection, ServerDatabase};
use super::events::{ConnectionState, LockStatus, MonitorEvent, Updates};
use super::in_parts::{Decoded, InParts};
use super::options::ClientOptions;
use super::reply::{Incoming, Reply};
use super::writer::Writer;
use super::Error;
use crate::data::Uuid;
use crate::monitor::{
    MonitorCondSinceReply, MonitorRequest, PartsReply, TableUpdates, TableUpdates2,
};
use crate::replica::{Event as ReplicaEvent, Replica, ReplicaError, Staging};
use crate::transport::{connect, Remote, Transport};
use crate::wire::{Chunk, JsonFramer, Part, RawMessage, ReplyFramer, WireError};

/// Which monitor method a registration uses; a server that answers "unknown method" moves it
/// down the list (ovsdb-server added `monitor_cond` in 2.6 and `monitor_cond_since` in 2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MonitorMethod {
    /// RFC 7047 `monitor` (no conditions, `update` notifications).
    Monitor,
    /// `monitor_cond` (conditions, `update2`).
    MonitorCond,
    /// `monitor_cond_since` (conditions, `update3`, resumable from a transaction id).
    MonitorCondSince,
}

impl MonitorMethod {
    fn name(self) -> &'static str {
        match self {
            MonitorMethod::Monitor => "monitor",
            MonitorMethod::MonitorCond => "monitor_cond",
            MonitorMethod::MonitorCondSince => "monitor_cond_since",
        }
    }

    fn fallback(self) -> Option<Self> {
        match self {
            MonitorMethod::MonitorCondSince => Some(MonitorMethod::MonitorCond),
            MonitorMethod::MonitorCond => Some(MonitorMethod::Monitor),
            MonitorMethod::Monitor => None,
        }
    }
}

/// A request from a [`Client`](super::Client) handle to the task.
pub(crate) enum Command {
    Call {
        method: String,
        params: Box<RawValue>,
        id_out: Option<oneshot::Sender<u64>>,
        reply: oneshot::Sender<Result<Reply, Error>>,
    },
    Notify {
        method: String,
        params: Value,
    },
    AddMonitor {
        db: String,
        requests: Vec<(String, MonitorRequest)>,
        method: MonitorMethod,
        sink: Sink,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    ChangeMonitor {
        id: String,
        requests: Vec<(String, MonitorRequest)>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    CancelMonitor {
        id: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    Lock {
        name: String,
        steal: bool,
        status: watch::Sender<LockStatus>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    Unlock {
        name: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    LastTxnId {
        id: String,
        reply: oneshot::Sender<Option<Uuid>>,
    },
}

/// Where a monitor's events go.
pub(crate) enum Sink {
    /// Raw events to a subscriber.
    Events(mpsc::Sender<MonitorEvent>),
    /// Applied to a replica on this task (read-your-writes), with optional event batches.
    Replica(ReplicaSink),
}

/// A replica fed by a monitor (see [`super::ReplicaHandle`]).
pub(crate) struct ReplicaSink {
    pub(crate) data: Arc<RwLock<Replica>>,
    pub(crate) tables: Vec<String>,
    pub(crate) events: Option<mpsc::Sender<Vec<ReplicaEvent>>>,
    pub(crate) synced: watch::Sender<bool>,
}

/// A monitor the task keeps alive across reconnects.
struct MonitorReg {
    id: String,
    db: String,
    requests: Vec<(String, MonitorRequest)>,
    method: MonitorMethod,
    last_txn_id: Option<Uuid>,
    sink: Sink,
    /// Established on the current connection.
    live: bool,
    /// The last start attempt failed with "unknown method".
    last_unknown_method: bool,
}

struct LockReg {
    name: String,
    steal: bool,
    status: watch::Sender<LockStatus>,
}

/// What an outstanding request id is waiting for.
enum Pending {
    User {
        method: String,
        reply: oneshot::Sender<Result<Reply, Error>>,
    },
    Unlock {
        reply: oneshot::Sender<Result<(), Error>>,
    },
    Echo,
    StartMonitor {
        id: String,
        resume: bool,
        reply: Option<oneshot::Sender<Result<String, Error>>>,
    },
    ChangeMonitor {
        id: String,
        requests: Vec<(String, MonitorRequest)>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    Lock {
        name: String,
        reply: Option<oneshot::Sender<Result<(), Error>>>,
    },
    /// `get_schema` for a replica's database after `monitor_canceled`; the monitor starts
    /// again once the replica has the current schema.
    RefreshSchema {
        id: String,
    },
    /// `get_schema` sent in the handshake ([`ClientOptions::schema_in_handshake`]).
    HandshakeSchema {
        db: String,
    },
    Ignore,
    /// A monitor being resumed in the handshake (its reply goes to the handshake, which
    /// waits for it).
    ResumeMonitor {
        id: String,
    },
}

/// Why a session ended.
enum SessionEnd {
    /// Every client handle is gone.
    Shutdown,
    /// The server is not usable (follower, stale, not in cluster, no such database).
    Rejected(Rejection),
    /// The connection failed or was corrupt.
    Lost(String),
}

/// A monitor reply's rows are decoded in parts of about this many bytes as they arrive
/// (capped at half of [`ClientOptions::max_message_size`]).
const PART_SIZE: usize = 256 * 1024;

/// A large reply whose parts are arriving.
enum Partial {
    /// A monitor's initial contents (or resumed changes), decoded part by part.
    Decoding {
        id: u64,
        method: MonitorMethod,
        parts: Box<InParts>,
    },
    /// Any other reply, put back together for the general path.
    Joining(BytesMut),
}

/// What a chunk from the framer completed.
enum Arrived {
    /// A whole message.
    Frame(Bytes),
    /// A monitor reply decoded from its parts, answering request `id`.
    Decoded { id: u64, reply: Decoded },
}

struct Session {
    reader: FramedRead<ReadHalf<Transport>, ReplyFramer>,
    /// The large reply arriving in parts, if one is.
    partial: Option<Partial>,
    writer: Writer,
    pending: HashMap<u64, Pending>,
    last_rx: Instant,
    /// How many bytes of an unfinished message were buffered when the probe last looked.
    rx_buffered: usize,
    echo_sent: Option<Instant>,
    server_rows: HashMap<Uuid, ServerDatabase>,
}

const SERVER_MONITOR_ID: &str = "_Server";

/// The schemas a connection's handshake fetched ([`ClientOptions::schema_in_handshake`]),
/// shared between the connection task and the client handles.
pub(crate) type HandshakeSchemas = Arc<Mutex<HashMap<String, Arc<crate::schema::DatabaseSchema>>>>;

pub(crate) struct Task {
    opts: ClientOptions,
    /// The schemas fetched in the current connection's handshake, by database.
    schemas: HandshakeSchemas,
    cmds: mpsc::Receiver<Command>,
    state: watch::Sender<ConnectionState>,
    last_error: watch::Sender<Option<String>>,
    monitors: Vec<MonitorReg>,
    locks: Vec<LockReg>,
    tracker: ClusterTracker,
    next_id: u64,
    next_monitor: u64,
    generation: u64,
}

impl Task {
    pub(crate) fn new(
        opts: ClientOptions,
        cmds: mpsc::Receiver<Command>,
        state: watch::Sender<ConnectionState>,
        last_error: watch::Sender<Option<String>>,
        schemas: HandshakeSchemas,
    ) -> Self {
        Task {
            opts,
            schemas,
            cmds,
            state,
            last_error,
            monitors: Vec::new(),
            locks: Vec::new(),
            tracker: ClusterTracker::new(),
            next_id: 1,
            next_monitor: 1,
            generation: 0,
        }
    }

    pub(crate) async fn run(mut self) {
        let mut backoff = Backoff::new(self.opts.backoff_min, self.opts.backoff_max);
        let mut order: Vec<Remote> = self.opts.remotes.clone();
        if self.opts.shuffle_remotes {
            order.shuffle(&mut rand::rng());
        }
        let mut next = 0usize;
        let mut tried_in_cycle = 0usize;
        'outer: loop {
            if order.is_empty() {
                self.note_error("no remote to connect to".into());
                break;
            }
            let remote = order[next % order.len()].clone();
            next += 1;
            tried_in_cycle += 1;
            let _ = self.state.send(ConnectionState::Connecting);
            let attempt = timeout(
                self.opts.connect_timeout,
                connect(&remote, self.opts.tls.as_ref()),
            )
            .await;
            let mut had_session = false;
            match attempt {
                Ok(Ok(transport)) => match self.session(&remote, transport).await {
                    (SessionEnd::Shutdown, _) => break 'outer,
                    (SessionEnd::Rejected(why), _) => {
                        tracing::info!(%remote, "{why}; trying another remote");
                        self.note_error(format!("{remote}: {why}"));
                    }
                    (SessionEnd::Lost(why), connected) => {
                        tracing::info!(%remote, "connection lost: {why}");
                        self.note_error(format!("{remote}: {why}"));
                        had_session = connected;
                    }
                },
                Ok(Err(e)) => {
                    tracing::debug!(%remote, "connect failed: {e}");
                    self.note_error(e.to_string());
                }
                Err(_) => {
                    self.note_error(format!(
                        "{remote}: connection attempt timed out after {:?}",
                        self.opts.connect_timeout
                    ));
                }
            }
            if had_session {
                backoff.reset();
                tried_in_cycle = 0;
                if !self.opts.reconnect {
                    break;
                }
            }
            // Cycle through every remote quickly (finding the leader), then back off.
            if tried_in_cycle >= order.len() {
                tried_in_cycle = 0;
                if !self.opts.reconnect && self.generation > 0 {
                    break;
                }
                let delay = backoff.next_delay();
                if !self.idle(delay).await {
                    break;
                }
            } else if !self.idle(Duration::ZERO).await {
                break;
            }
        }
        let _ = self.state.send(ConnectionState::Closed);
        for lock in &self.locks {
            let _ = lock.status.send(LockStatus::Disconnected);
        }
    }

    fn note_error(&self, e: String) {
        let _ = self.last_error.send(Some(e));
    }

    /// Between connections: waits `delay`, answering commands (calls fail at once with
    /// `NotConnected`; monitors and locks are registered for the next session). Returns false
    /// when every handle is gone.
    async fn idle(&mut self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = sleep_until(until) => return true,
                cmd = self.cmds.recv() => match cmd {
                    None => return false,
                    Some(cmd) => self.command_offline(cmd),
                },
            }
            if delay.is_zero() {
                // Drain what is queued without waiting.
                while let Ok(cmd) = self.cmds.try_recv() {
                    self.command_offline(cmd);
                }
                return true;
            }
        }
    }

    fn not_connected(&self) -> Error {
        Error::NotConnected(
            self.last_error
                .borrow()
                .clone()
                .unwrap_or_else(|| "connecting".into()),
        )
    }

    fn command_offline(&mut self, cmd: Command) {
        match cmd {
            Command::Call { reply, .. } => {
                let _ = reply.send(Err(self.not_connected()));
            }
            Command::Notify { .. } => {}
            Command::AddMonitor {
                db,
                requests,
                method,
                sink,
                reply,
            } => {
                let id = self.register_monitor(db, requests, method, sink);
                let _ = reply.send(Ok(id));
            }
            Command::ChangeMonitor {
                id,
                requests,
                reply,
            } => {
                let result = match self.monitors.iter_mut().find(|m| m.id == id) {
                    Some(m) => {
                        m.requests = requests;
                        Ok(())
                    }
                    None => Err(Error::NoSuchMonitor(id)),
                };
                let _ = reply.send(result);
            }
            Command::CancelMonitor { id, reply } => {
                let before = self.monitors.len();
                self.monitors.retain(|m| m.id != id);
                let _ = reply.send(if self.monitors.len() < before {
                    Ok(())
                } else {
                    Err(Error::NoSuchMonitor(id))
                });
            }
            Command::Lock {
                name,
                steal,
                status,
                reply,
            } => {
                let _ = status.send(LockStatus::Disconnected);
                self.locks.retain(|l| l.name != name);
                self.locks.push(LockReg {
                    name,
                    steal,
                    status,
                });
                let _ = reply.send(Ok(()));
            }
            Command::Unlock { name, reply } => {
                if let Some(l) = self.locks.iter().find(|l| l.name == name) {
                    let _ = l.status.send(LockStatus::Released);
                }
                self.locks.retain(|l| l.name != name);
                let _ = reply.send(Ok(()));
            }
            Command::LastTxnId { id, reply } => {
                let _ = reply.send(self.last_txn_id(&id));
            }
        }
    }

    fn last_txn_id(&self, id: &str) -> Option<Uuid> {
        self.monitors
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.last_txn_id)
    }

    fn register_monitor(
        &mut self,
        db: String,
        requests: Vec<(String, MonitorRequest)>,
        method: MonitorMethod,
        sink: Sink,
    ) -> String {
        let id = format!("m{}", self.next_monitor);
        self.next_monitor += 1;
        self.monitors.push(MonitorReg {
            id: id.clone(),
            db,
            requests,
            method,
            last_txn_id: None,
            sink,
            live: false,
            last_unknown_method: false,
        });
        id
    }

    /// One connection, from handshake to loss. The flag says whether it got past the
    /// handshake.
    async fn session(&mut self, remote: &Remote, transport: Transport) -> (SessionEnd, bool) {
        let (rd, wr) = tokio::io::split(transport);
        let mut s = Session {
            reader: FramedRead::new(
                rd,
                ReplyFramer::new(
                    JsonFramer::new().with_max_message_size(self.opts.max_message_size),
                    PART_SIZE.min(self.opts.max_message_size / 2),
                ),
            ),
            partial: None,
            writer: Writer::start(wr),
            pending: HashMap::new(),
            last_rx: Instant::now(),
            rx_buffered: 0,
            echo_sent: None,
            server_rows: HashMap::new(),
        };
        for m in &mut self.monitors {
            m.live = false;
        }
        let handshake = timeout(self.opts.connect_timeout, self.handshake(&mut s)).await;
        let end = match handshake {
            Err(_) => Some(SessionEnd::Lost(format!(
                "no answer to the session set-up within {:?}",
                self.opts.connect_timeout
            ))),
            Ok(Err(end)) => Some(end),
            Ok(Ok(())) => None,
        };
        let (end, connected) = match end {
            Some(end) => (end, false),
            None => {
                self.generation += 1;
                let _ = self.state.send(ConnectionState::Connected {
                    remote: remote.to_string(),
                    generation: self.generation,
                });
                let _ = self.last_error.send(None);
                (self.serve(&mut s).await, true)
            }
        };
        if matches!(end, SessionEnd::Shutdown) {
            // What the last commands queued (a notification, say) still goes out.
            s.writer.finish(Duration::from_secs(1)).await;
        }
        // Whatever was in flight has an unknown outcome now; say why the connection ended.
        let reason = match &end {
            SessionEnd::Shutdown => "the client shut down".to_owned(),
            SessionEnd::Rejected(why) => format!("{remote}: {why}"),
            SessionEnd::Lost(why) => format!("{remote}: {why}"),
        };
        for (_, p) in s.pending.drain() {
            match p {
                Pending::User { method, reply } => {
                    let _ = reply.send(Err(Error::OutcomeUnknown {
                        method,
                        reason: reason.clone(),
                    }));
                }
                Pending::Unlock { reply } => {
                    let _ = reply.send(Err(Error::OutcomeUnknown {
                        method: "unlock".into(),
                        reason: reason.clone(),
                    }));
                }
                Pending::StartMonitor {
                    reply: Some(reply), ..
                } => {
                    // Registered: it will be established on the next connection.
                    let _ = reply.send(Err(Error::OutcomeUnknown {
                        method: "monitor".into(),
                        reason: reason.clone(),
                    }));
                }
                Pending::ChangeMonitor { reply, .. } => {
                    let _ = reply.send(Err(Error::OutcomeUnknown {
                        method: "monitor_cond_change".into(),
                        reason: reason.clone(),
                    }));
                }
                Pending::Lock {
                    reply: Some(reply), ..
                } => {
                    let _ = reply.send(Ok(()));
                }
                _ => {}
            }
        }
        for lock in &self.locks {
            let _ = lock.status.send(LockStatus::Disconnected);
        }
        if !matches!(end, SessionEnd::Shutdown) {
            let _ = self.state.send(ConnectionState::Connecting);
        }
        (end, connected)
    }

    /// Cluster checks, then locks and monitors again, before any user request is served.
    async fn handshake(&mut self, s: &mut Session) -> Result<(), SessionEnd> {
        if !self.opts.databases.is_empty() {
            // Ask to be told about schema changes and removal (monitor_canceled). Sent ahead
            // of the `_Server` monitor and not waited for, it costs no round trip; its reply
            // (an older server's "unknown method" too) is ignored.
            self.send_request(s, "set_db_change_aware", &json!([true]), Pending::Ignore)
                .await?;
            self.schemas
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            if self.opts.schema_in_handshake {
                // Answered before the `_Server` monitor below, so in place before the
                // connection is reported up.
                for db in self.opts.databases.clone() {
                    let params = json!([db]);
                    let pending = Pending::HandshakeSchema { db };
                    self.send_request(s, "get_schema", &params, pending).await?;
                }
            }
            let params = json!([
                "_Server",
                SERVER_MONITOR_ID,
                {"Database": {"columns": ["name", "model", "connected", "leader", "index", "cid", "sid"]}}
            ]);
            let reply = self.call_internal(s, "monitor", params).await?;
            match reply.result() {
                Ok(result) => {
                    let updates: TableUpdates = crate::wire::from_json_slice(result)
                        .map_err(|e| SessionEnd::Lost(format!("bad _Server monitor reply: {e}")))?;
                    apply_server_updates(&mut s.server_rows, &updates);
                    self.check_cluster(s)?;
                }
                // A server without _Server (before OVS 2.9) cannot be clustered.
                Err(e) if e.contains("unknown database") => {}
                Err(e) => return Err(SessionEnd::Lost(format!("_Server monitor failed: {e}"))),
            }
        }
        for i in 0..self.locks.len() {
            let (name, steal) = (self.locks[i].name.clone(), self.locks[i].steal);
            let method = if steal { "steal" } else { "lock" };
            let reply = self.call_internal(s, method, json!([name])).await?;
            let status = match reply.result() {
                Ok(r) if is_locked(r) => LockStatus::Held,
                Ok(_) => LockStatus::Waiting,
                Err(e) => return Err(SessionEnd::Lost(format!("{method} {name} failed: {e}"))),
            };
            let _ = self.locks[i].status.send(status);
        }
        let ids: Vec<String> = self.monitors.iter().map(|m| m.id.clone()).collect();
        for id in ids {
            // A replica's database may have been converted while we were away (an upgrade
            // restarts the server on a converted file): check its schema first.
            let replica_db = self
                .monitors
                .iter()
                .find(|m| m.id == id)
                .and_then(|m| matches!(m.sink, Sink::Replica(_)).then(|| m.db.clone()));
            if let Some(db) = replica_db {
                let reply = self.call_internal(s, "get_schema", json!([db])).await?;
                self.adopt_schema(&id, &reply);
            }
            while let Some(m) = self.monitors.iter().find(|m| m.id == id) {
                let method = m.method;
                let params = monitor_params(m, true)?;
                let pending = Pending::ResumeMonitor { id: id.clone() };
                let reply = self
                    .call_internal_as(s, method.name(), params, pending)
                    .await?;
                match self.finish_monitor_start(s, &id, true, reply).await? {
                    Ok(()) => break,
                    Err(Error::Rpc { .. }) if self.fell_back(&id) => continue,
                    Err(e) => {
                        tracing::warn!("monitor {id} could not be re-established: {e}");
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves a replica monitor to the schema in a `get_schema` reply if it differs from the
    /// replica's: the replica is converted ([`Replica::convert`]), the monitor's requests lose
    /// the tables and columns the server no longer has (with a warning), and the monitor
    /// will start over from the full contents. Anything else (an error, another sink, the
    /// same schema) leaves it as it is.
    fn adopt_schema(&mut self, id: &str, reply: &Reply) {
        let Some(m) = self.monitors.iter_mut().find(|m| m.id == id) else {
            return;
        };
        let Sink::Replica(r) = &mut m.sink else {
            return;
        };
        let schema = match reply.result().map_err(|e| e.to_string()).and_then(|bytes| {
            crate::schema::DatabaseSchema::from_slice(bytes).map_err(|e| e.to_string())
        }) {
            Ok(schema) => schema,
            Err(e) => {
                tracing::warn!("monitor {id}: cannot read the schema of {}: {e}", m.db);
                return;
            }
        };
        let mut data = r.data.write().unwrap_or_else(|e| e.into_inner());
        if **data.schema() == schema {
            return;
        }
        tracing::info!(
            "monitor {id}: {} changed schema ({} -> {}); resynchronizing",
            m.db,
            data.schema().version,
            schema.version
        );
        let mut converted = data.convert(Arc::new(schema));
        m.requests.retain_mut(|(table, req)| {
            let Some(ts) = converted.schema().table(table) else {
                tracing::warn!("monitor {id}: table {table} is gone from {}", m.db);
                return false;
            };
            let asked_for_some = !req.columns.is_empty();
            req.columns.retain(|c| {
                let kept = ts.column(c).is_some() || c == "_version";
                if !kept {
                    tracing::warn!("monitor {id}: column {table}.{c} is gone from {}", m.db);
                }
                kept
            });
            // No columns left must not turn into "every column".
            !(asked_for_some && req.columns.is_empty())
        });
        for (table, req) in &m.requests {
            if let Err(e) = converted.set_monitored_columns(table, &req.columns) {
                tracing::warn!("monitor {id}: {e}");
            }
        }
        r.tables = m.requests.iter().map(|(t, _)| t.clone()).collect();
        *data = converted;
        m.last_txn_id = None;
    }

    /// If the monitor's last attempt failed with "unknown method", moves it to the next
    /// method and says so.
    fn fell_back(&mut self, id: &str) -> bool {
        self.monitors
            .iter_mut()
            .find(|m| m.id == id)
            .is_some_and(|m| m.last_error_was_unknown_method())
    }

    fn check_cluster(&mut self, s: &Session) -> Result<(), SessionEnd> {
        for db in &self.opts.databases {
            let row = s.server_rows.values().find(|r| &r.name == db);
            self.tracker
                .check(db, row, self.opts.leader_only)
                .map_err(SessionEnd::Rejected)?;
        }
        Ok(())
    }

    /// Sends a request and waits for its reply, dispatching everything else that arrives
    /// meanwhile.
    async fn call_internal(
        &mut self,
        s: &mut Session,
        method: &str,
        params: Value,
    ) -> Result<Reply, SessionEnd> {
        self.call_internal_as(s, method, params, Pending::Ignore)
            .await
    }

    /// [`Task::call_internal`], the request outstanding as `pending` meanwhile.
    async fn call_internal_as(
        &mut self,
        s: &mut Session,
        method: &str,
        params: Value,
        pending: Pending,
    ) -> Result<Reply, SessionEnd> {
        let id = self.send_request(s, method, &params, pending).await?;
        loop {
            let read = s.reader.next().await;
            let frame = match self.received(s, read).await? {
                None => continue,
                Some(Arrived::Frame(frame)) => frame,
                Some(Arrived::Decoded { id: rid, reply }) if rid == id => {
                    s.pending.remove(&id);
                    return Ok(Reply::decoded(reply));
                }
                Some(Arrived::Decoded { id, reply }) => {
                    self.on_decoded(s, id, reply).await?;
                    continue;
                }
            };
            match Incoming::parse(&frame)? {
                Incoming::Response { id: Ok(rid), reply } if rid == id => {
                    s.pending.remove(&id);
                    return Ok(reply);
                }
                msg => self.dispatch_message(s, msg).await?,
            }
        }
    }

    async fn send_request(
        &mut self,
        s: &mut Session,
        method: &str,
        params: &impl serde::Serialize,
        pending: Pending,
    ) -> Result<u64, SessionEnd> {
        let id = self.next_id;
        self.next_id += 1;
        let bytes = encode_request(id, method, params)
            .map_err(|e| SessionEnd::Lost(format!("cannot encode {method}: {e}")))?;
        s.pending.insert(id, pending);
        write(s, bytes)?;
        Ok(id)
    }

    /// The connected loop.
    async fn serve(&mut self, s: &mut Session) -> SessionEnd {
        loop {
            let probe_at = self.opts.inactivity_probe.map(|p| match s.echo_sent {
                Some(sent) => sent + p,
                None => s.last_rx + p,
            });
            tokio::select! {
                read = s.reader.next() => {
                    let handled = match self.received(s, read).await {
                        Ok(None) => Ok(()),
                        Ok(Some(Arrived::Frame(frame))) => self.dispatch(s, frame).await,
                        Ok(Some(Arrived::Decoded { id, reply })) => {
                            self.on_decoded(s, id, reply).await
                        }
                        Err(end) => Err(end),
                    };
                    if let Err(end) = handled {
                        return end;
                    }
                }
                cmd = self.cmds.recv() => {
                    let Some(cmd) = cmd else { return SessionEnd::Shutdown };
                    if let Err(end) = self.command(s, cmd).await {
                        return end;
                    }
                }
                why = s.writer.failure() => return SessionEnd::Lost(why),
                _ = sleep_until(probe_at.unwrap_or_else(far_future)), if probe_at.is_some() => {
                    // Part of a message counts as activity, as the C IDL counts bytes: a large
                    // reply (an initial sync) can take longer than the probe to arrive whole,
                    // and the server answers our echo only after it.
                    let buffered = s.reader.read_buffer().len();
                    if buffered != s.rx_buffered {
                        s.rx_buffered = buffered;
                        s.last_rx = Instant::now();
                        s.echo_sent = None;
                        continue;
                    }
                    if s.echo_sent.is_some() {
                        return SessionEnd::Lost(format!(
                            "no answer to the inactivity probe within {:?}",
                            self.opts.inactivity_probe.unwrap_or_default()
                        ));
                    }
                    if let Err(end) = self.send_request(s, "echo", &json!([]), Pending::Echo).await {
                        return end;
                    }
                    s.echo_sent = Some(Instant::now());
                }
            }
        }
    }

    async fn command(&mut self, s: &mut Session, cmd: Command) -> Result<(), SessionEnd> {
        match cmd {
            Command::Call {
                method,
                params,
                id_out,
                reply,
            } => {
                let pending = Pending::User {
                    method: method.clone(),
                    reply,
                };
                let id = self.send_request(s, &method, &params, pending).await?;
                if let Some(tx) = id_out {
                    let _ = tx.send(id);
                }
            }
            Command::Notify { method, params } => {
                let bytes =
                    serde_json::to_vec(&json!({"id": null, "method": method, "params": params}))
                        .map_err(|e| SessionEnd::Lost(e.to_string()))?;
                write(s, bytes)?;
            }
            Command::AddMonitor {
                db,
                requests,
                method,
                sink,
                reply,
            } => {
                let id = self.register_monitor(db, requests, method, sink);
                self.start_monitor(s, &id, Some(reply)).await?;
            }
            Command::ChangeMonitor {
                id,
                requests,
                reply,
            } => {
                let Some(m) = self.monitors.iter().find(|m| m.id == id) else {
                    let _ = reply.send(Err(Error::NoSuchMonitor(id)));
                    return Ok(());
                };
                if !m.live || m.method == MonitorMethod::Monitor {
                    // Not established (yet), or a plain monitor that cannot change: the new
                    // requests apply from the next (re)start.
                    if let Some(m) = self.monitors.iter_mut().find(|m| m.id == id) {
                        m.requests = requests;
                    }
                    let _ = reply.send(Ok(()));
                    return Ok(());
                }
                // ovsdb-server can change a live monitor's conditions, not its columns.
                let same_columns = requests.iter().all(|(t, r)| {
                    m.requests
                        .iter()
                        .find(|(t2, _)| t2 == t)
                        .is_some_and(|(_, old)| old.columns == r.columns)
                });
                if !same_columns {
                    let _ = reply.send(Err(Error::Rpc {
                        method: "monitor_cond_change".into(),
                        error: "\"only conditions can change on a live monitor (ovsdb-server \
                                refuses new columns or tables); cancel it and start another\""
                            .into(),
                    }));
                    return Ok(());
                }
                let mut changes = serde_json::Map::new();
                for (t, r) in &requests {
                    // No conditions means every row: the boolean condition `true`.
                    let conditions = match &r.conditions {
                        Some(c) => {
                            serde_json::to_value(c).map_err(|e| SessionEnd::Lost(e.to_string()))?
                        }
                        None => json!([true]),
                    };
                    changes.insert(t.clone(), json!([{ "where": conditions }]));
                }
                let params = json!([id, id, changes]);
                self.send_request(
                    s,
                    "monitor_cond_change",
                    &params,
                    Pending::ChangeMonitor {
                        id,
                        requests,
                        reply,
                    },
                )
                .await?;
            }
            Command::CancelMonitor { id, reply } => {
                let Some(pos) = self.monitors.iter().position(|m| m.id == id) else {
                    let _ = reply.send(Err(Error::NoSuchMonitor(id)));
                    return Ok(());
                };
                let m = self.monitors.remove(pos);
                if m.live {
                    self.send_request(s, "monitor_cancel", &json!([m.id]), Pending::Ignore)
                        .await?;
                }
                let _ = reply.send(Ok(()));
            }
            Command::Lock {
                name,
                steal,
                status,
                reply,
            } => {
                self.locks.retain(|l| l.name != name);
                let _ = status.send(LockStatus::Waiting);
                self.locks.push(LockReg {
                    name: name.clone(),
                    steal,
                    status,
                });
                let method = if steal { "steal" } else { "lock" };
                self.send_request(
                    s,
                    method,
                    &json!([name]),
                    Pending::Lock {
                        name,
                        reply: Some(reply),
                    },
                )
                .await?;
            }
            Command::Unlock { name, reply } => {
                if let Some(l) = self.locks.iter().find(|l| l.name == name) {
                    let _ = l.status.send(LockStatus::Released);
                }
                self.locks.retain(|l| l.name != name);
                let pending = Pending::Unlock { reply };
                self.send_request(s, "unlock", &json!([name]), pending)
                    .await?;
            }
            Command::LastTxnId { id, reply } => {
                let _ = reply.send(self.last_txn_id(&id));
            }
        }
        Ok(())
    }

    async fn start_monitor(
        &mut self,
        s: &mut Session,
        id: &str,
        reply: Option<oneshot::Sender<Result<String, Error>>>,
    ) -> Result<(), SessionEnd> {
        let Some(m) = self.monitors.iter().find(|m| m.id == id) else {
            return Ok(());
        };
        let method = m.method;
        let params = monitor_params(m, false)?;
        let pending = Pending::StartMonitor {
            id: id.to_owned(),
            resume: false,
            reply,
        };
        self.send_request(s, method.name(), &params, pending)
            .await?;
        Ok(())
    }

    /// Handles the reply to a monitor request: delivers the initial contents (or the resumed
    /// changes), or reports the error (after noting "unknown method" for a fallback).
    async fn finish_monitor_start(
        &mut self,
        s: &mut Session,
        id: &str,
        resume: bool,
        mut reply: Reply,
    ) -> Result<Result<(), Error>, SessionEnd> {
        let Some(pos) = self.monitors.iter().position(|m| m.id == id) else {
            return Ok(Ok(()));
        };
        let method = self.monitors[pos].method;
        let decoded = reply.take_decoded();
        let result = match reply.result() {
            Ok(r) => r,
            Err(error) => {
                let m = &mut self.monitors[pos];
                m.note_error(&error);
                return Ok(Err(Error::Rpc {
                    method: method.name().into(),
                    error,
                }));
            }
        };
        let decode = |e: serde_json::Error| Error::Decode {
            method: method.name().into(),
            source: e,
        };
        let since = |m: &mut MonitorReg, r: MonitorCondSinceReply| {
            m.last_txn_id = Some(r.last_txn_id);
            if r.found && resume {
                MonitorEvent::Update(Updates::V2(r.updates))
            } else {
                MonitorEvent::Reset(Updates::V2(r.updates))
            }
        };
        let event = match (decoded, method) {
            (Some(Decoded::Staged { since, rows }), _) => {
                let m = &mut self.monitors[pos];
                if let Some((_, last_txn_id)) = since {
                    m.last_txn_id = Some(last_txn_id);
                }
                m.live = true;
                self.deliver_staged(s, pos, rows).await?;
                return Ok(Ok(()));
            }
            (Some(Decoded::Rows(PartsReply::Cond(u))), _) => {
                Ok(MonitorEvent::Reset(Updates::V2(u)))
            }
            (Some(Decoded::Rows(PartsReply::Since(r))), _) => Ok(since(&mut self.monitors[pos], r)),
            (None, MonitorMethod::Monitor) => crate::wire::from_json_slice::<TableUpdates>(result)
                .map(|u| MonitorEvent::Reset(Updates::V1(u)))
                .map_err(decode),
            (None, MonitorMethod::MonitorCond) => {
                crate::wire::from_json_slice::<TableUpdates2>(result)
                    .map(|u| MonitorEvent::Reset(Updates::V2(u)))
                    .map_err(decode)
            }
            (None, MonitorMethod::MonitorCondSince) => {
                match crate::wire::from_json_slice::<MonitorCondSinceReply>(result) {
                    Ok(r) => Ok(since(&mut self.monitors[pos], r)),
                    Err(e) => Err(decode(e)),
                }
            }
        };
        let event = match event {
            Ok(e) => e,
            Err(e) => return Err(SessionEnd::Lost(e.to_string())),
        };
        self.monitors[pos].live = true;
        self.deliver(s, pos, event).await?;
        Ok(Ok(()))
    }

    /// Hands an event to a monitor's subscriber (or applies it to its replica), waiting while
    /// the subscriber's buffer is full. A subscriber that went away cancels its monitor. An
    /// update a replica cannot apply (the server contradicts what it sent before) ends the
    /// session, and the monitor starts over from the full contents on the next one.
    async fn deliver(
        &mut self,
        s: &mut Session,
        pos: usize,
        event: MonitorEvent,
    ) -> Result<(), SessionEnd> {
        let gone = match &mut self.monitors[pos].sink {
            Sink::Events(tx) => tx.clone().send(event).await.is_err(),
            Sink::Replica(_) => {
                let is_reset = matches!(event, MonitorEvent::Reset(_));
                let apply = |data: &mut Replica, tables: &[String], _: bool| match event {
                    MonitorEvent::Reset(Updates::V2(u)) => data.replace_tables_owned(tables, u),
                    MonitorEvent::Reset(Updates::V1(u)) => {
                        data.replace_tables_from_update(tables, &u)
                    }
                    MonitorEvent::Update(Updates::V2(u)) => data.apply_update2(&u),
                    MonitorEvent::Update(Updates::V1(u)) => data.apply_update(&u),
                    MonitorEvent::Canceled => Ok(Vec::new()),
                };
                self.apply_to_replica(pos, is_reset, apply).await?
            }
        };
        self.cancel_if_gone(s, pos, gone).await
    }

    /// Puts a replica's new contents, staged as the reply's parts arrived, in place (see
    /// [`Task::deliver`]).
    async fn deliver_staged(
        &mut self,
        s: &mut Session,
        pos: usize,
        rows: Result<Staging, ReplicaError>,
    ) -> Result<(), SessionEnd> {
        let apply = |data: &mut Replica, tables: &[String], events: bool| {
            rows.and_then(|rows| data.replace_tables_staged(tables, rows, events))
        };
        let gone = self.apply_to_replica(pos, true, apply).await?;
        self.cancel_if_gone(s, pos, gone).await
    }

    /// Applies a change to the replica of monitor `pos` (`apply` gets the replica, the tables
    /// the monitor fills, and whether anyone listens to its events) and hands the events on;
    /// whether every handle on the replica is gone.
    async fn apply_to_replica(
        &mut self,
        pos: usize,
        is_reset: bool,
        apply: impl FnOnce(&mut Replica, &[String], bool) -> Result<Vec<ReplicaEvent>, ReplicaError>,
    ) -> Result<bool, SessionEnd> {
        let m = &mut self.monitors[pos];
        let Sink::Replica(r) = &mut m.sink else {
            return Ok(false);
        };
        let applied = {
            let mut data = r.data.write().unwrap_or_else(|e| e.into_inner());
            apply(&mut data, &r.tables, r.events.is_some())
        };
        match applied {
            Ok(events) => {
                if is_reset {
                    r.synced.send_replace(true);
                }
                if let (Some(tx), false) = (&r.events, events.is_empty()) {
                    if tx.send(events).await.is_err() {
                        r.events = None;
                    }
                }
                // Only the task holds the data: every handle is gone.
                Ok(Arc::strong_count(&r.data) == 1)
            }
            Err(e) => {
                m.last_txn_id = None;
                Err(SessionEnd::Lost(format!(
                    "monitor {}: the server sent an update that does not fit the \
                     replica ({e}); starting over from the full contents",
                    m.id
                )))
            }
        }
    }

    /// Cancels monitor `pos` if its subscriber is `gone`.
    async fn cancel_if_gone(
        &mut self,
        s: &mut Session,
        pos: usize,
        gone: bool,
    ) -> Result<(), SessionEnd> {
        if gone {
            let m = self.monitors.remove(pos);
            if m.live {
                self.send_request(s, "monitor_cancel", &json!([m.id]), Pending::Ignore)
                    .await?;
            }
        }
        Ok(())
    }

    /// What one read from the framer brought: the connection's end or a corrupt stream end
    /// the session; anything else counts as activity and is taken by [`Task::take_chunk`].
    async fn received(
        &mut self,
        s: &mut Session,
        read: Option<Result<Chunk, WireError>>,
    ) -> Result<Option<Arrived>, SessionEnd> {
        let chunk = match read {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Err(SessionEnd::Lost(e.to_string())),
            None => return Err(SessionEnd::Lost("connection closed by the server".into())),
        };
        s.last_rx = Instant::now();
        s.echo_sent = None;
        self.take_chunk(s, chunk).await
    }

    /// Takes one chunk from the framer: a whole message comes back as it is; the parts of a
    /// large reply are decoded as they arrive (a monitor's contents, so the reply's bytes are
    /// never all held) or put back together (anything else), and the reply comes back once
    /// its last part is in.
    async fn take_chunk(
        &mut self,
        s: &mut Session,
        chunk: Chunk,
    ) -> Result<Option<Arrived>, SessionEnd> {
        let part = match chunk {
            Chunk::Frame(frame) => return Ok(Some(Arrived::Frame(frame))),
            Chunk::Part(part) => part,
        };
        let last = part.last;
        let partial = match s.partial.take() {
            None => self.begin_parts(s, part)?,
            Some(Partial::Decoding {
                id,
                method,
                mut parts,
            }) => {
                let failed = |e| monitor_decode_failed(method, e);
                if parts.full() {
                    parts.settle_oldest().await.map_err(failed)?;
                }
                parts.add(part).map_err(failed)?;
                Partial::Decoding { id, method, parts }
            }
            Some(Partial::Joining(mut joined)) => {
                if joined.len() + part.raw.len() > self.opts.max_message_size {
                    let framer = s.reader.decoder().framer();
                    return Err(SessionEnd::Lost(
                        WireError::TooLarge {
                            limit: framer.max_message_size(),
                            offset: framer.stream_offset() - joined.len() as u64,
                        }
                        .to_string(),
                    ));
                }
                joined.extend_from_slice(&part.raw);
                Partial::Joining(joined)
            }
        };
        if !last {
            s.partial = Some(partial);
            return Ok(None);
        }
        Ok(Some(match partial {
            Partial::Decoding { id, method, parts } => Arrived::Decoded {
                id,
                reply: parts
                    .finish()
                    .await
                    .map_err(|e| monitor_decode_failed(method, e))?,
            },
            Partial::Joining(joined) => Arrived::Frame(joined.freeze()),
        }))
    }

    /// How the first part of a large reply is taken: decoded piecewise if it answers one of
    /// our `monitor_cond` / `monitor_cond_since` requests in that method's shape, else joined.
    /// A reply that resets a replica (a start, or a resume the server could not continue) is
    /// also staged for it as it arrives.
    fn begin_parts(&self, s: &Session, part: Part) -> Result<Partial, SessionEnd> {
        let Some(head) = &part.head else {
            return Err(SessionEnd::Lost(
                "the framer yielded a reply's part without its beginning".into(),
            ));
        };
        let id = head.id;
        let (monitor, resume) = match s.pending.get(&id) {
            Some(Pending::StartMonitor { id, .. }) => (Some(id), false),
            Some(Pending::ResumeMonitor { id }) => (Some(id), true),
            _ => (None, false),
        };
        // A `monitor_cond_since` result opens with `[FOUND,"TXN-ID",`; a `monitor_cond` one
        // with the updates themselves.
        let monitor = monitor
            .and_then(|mid| self.monitors.iter().find(|m| &m.id == mid))
            .filter(|m| {
                matches!(
                    (m.method, head.prefix.is_empty()),
                    (MonitorMethod::MonitorCond, true) | (MonitorMethod::MonitorCondSince, false)
                )
            });
        let Some(monitor) = monitor else {
            return Ok(Partial::Joining(BytesMut::from(&part.raw[..])));
        };
        let method = monitor.method;
        // Resumed changes are an update; anything else replaces the replica's tables.
        let stage_for = |since: Option<(bool, Uuid)>| match &monitor.sink {
            Sink::Replica(r) if !(resume && since.is_some_and(|(found, _)| found)) => {
                Some(Arc::clone(&r.data))
            }
            _ => None,
        };
        Ok(Partial::Decoding {
            id,
            method,
            parts: Box::new(
                InParts::start(part, stage_for).map_err(|e| monitor_decode_failed(method, e))?,
            ),
        })
    }

    /// A monitor reply decoded from its parts: handled as its reply.
    async fn on_decoded(
        &mut self,
        s: &mut Session,
        id: u64,
        reply: Decoded,
    ) -> Result<(), SessionEnd> {
        match s.pending.remove(&id) {
            Some(pending) => self.on_reply(s, pending, Reply::decoded(reply)).await,
            None => Ok(()),
        }
    }

    /// Everything the server sends that is not the reply a `call_internal` waits for.
    async fn dispatch(&mut self, s: &mut Session, frame: Bytes) -> Result<(), SessionEnd> {
        let msg = Incoming::parse(&frame)?;
        self.dispatch_message(s, msg).await
    }

    /// [`Task::dispatch`] for a message already parsed from its frame.
    async fn dispatch_message(
        &mut self,
        s: &mut Session,
        msg: Incoming<'_>,
    ) -> Result<(), SessionEnd> {
        let msg = match msg {
            Incoming::Response { id, reply } => {
                let id = match id {
                    Ok(id) => id,
                    Err(text) => {
                        tracing::warn!("reply with an id this client never used: {text}");
                        return Ok(());
                    }
                };
                let Some(pending) = s.pending.remove(&id) else {
                    tracing::warn!("reply to request {id}, which is not outstanding");
                    return Ok(());
                };
                return self.on_reply(s, pending, reply).await;
            }
            Incoming::Other(msg) => msg,
        };
        match msg {
            // `Incoming::parse` makes every response an `Incoming::Response`.
            RawMessage::Response { .. } => {}
            RawMessage::Request { .. } => {
                if let Some(reply) = msg.echo_reply() {
                    let bytes = reply
                        .to_vec()
                        .map_err(|e| SessionEnd::Lost(e.to_string()))?;
                    write(s, bytes)?;
                } else {
                    // Only echo is defined from server to client; say so instead of hanging it.
                    let id = msg
                        .id()
                        .map(|i| i.get().to_owned())
                        .unwrap_or_else(|| "null".into());
                    let bytes = format!(r#"{{"id":{id},"result":null,"error":"unknown method"}}"#);
                    write(s, bytes.into_bytes())?;
                }
            }
            RawMessage::Notification { method, params } => {
                self.on_notification(s, &method, params.get()).await?;
            }
        }
        Ok(())
    }

    async fn on_reply(
        &mut self,
        s: &mut Session,
        pending: Pending,
        reply: Reply,
    ) -> Result<(), SessionEnd> {
        match pending {
            Pending::User { reply: tx, .. } => {
                let _ = tx.send(Ok(reply));
            }
            Pending::Unlock { reply: tx } => {
                let _ = tx.send(reply.result().map(|_| ()).map_err(|error| Error::Rpc {
                    method: "unlock".into(),
                    error,
                }));
            }
            Pending::Echo | Pending::Ignore | Pending::ResumeMonitor { .. } => {}
            Pending::RefreshSchema { id } => {
                self.adopt_schema(&id, &reply);
                self.start_monitor(s, &id, None).await?;
            }
            Pending::HandshakeSchema { db } => {
                let schema = reply.result().ok().and_then(|bytes| {
                    crate::schema::DatabaseSchema::from_slice(bytes)
                        .map_err(|e| tracing::warn!("cannot read the schema of {db}: {e}"))
                        .ok()
                });
                if let Some(schema) = schema {
                    self.schemas
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(db, Arc::new(schema));
                }
            }
            Pending::StartMonitor {
                id,
                resume,
                reply: tx,
            } => {
                match self.finish_monitor_start(s, &id, resume, reply).await? {
                    Ok(()) => {
                        if let Some(tx) = tx {
                            let _ = tx.send(Ok(id));
                        }
                    }
                    Err(Error::Rpc { .. }) if self.fell_back(&id) => {
                        // Try the next method with the same registration.
                        self.start_monitor(s, &id, tx).await?;
                    }
                    Err(e) => {
                        self.monitors.retain(|m| m.id != id);
                        if let Some(tx) = tx {
                            let _ = tx.send(Err(e));
                        }
                    }
                }
            }
            Pending::ChangeMonitor {
                id,
                requests,
                reply: tx,
            } => {
                let result = match reply.result() {
                    Ok(_) => {
                        if let Some(m) = self.monitors.iter_mut().find(|m| m.id == id) {
                            m.requests = requests;
                        }
                        Ok(())
                    }
                    Err(error) => Err(Error::Rpc {
                        method: "monitor_cond_change".into(),
                        error,
                    }),
                };
                let _ = tx.send(result);
            }
            Pending::Lock { name, reply: tx } => {
                let status = match reply.result() {
                    Ok(r) if is_locked(r) => Ok(LockStatus::Held),
                    Ok(_) => Ok(LockStatus::Waiting),
                    Err(error) => Err(Error::Rpc {
                        method: "lock".into(),
                        error,
                    }),
                };
                match status {
                    Ok(st) => {
                        if let Some(l) = self.locks.iter().find(|l| l.name == name) {
                            let _ = l.status.send(st);
                        }
                        if let Some(tx) = tx {
                            let _ = tx.send(Ok(()));
                        }
                    }
                    Err(e) => {
                        self.locks.retain(|l| l.name != name);
                        if let Some(tx) = tx {
                            let _ = tx.send(Err(e));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn on_notification(
        &mut self,
        s: &mut Session,
        method: &str,
        params: &str,
    ) -> Result<(), SessionEnd> {
        let bad =
            |e: serde_json::Error| SessionEnd::Lost(format!("bad {method} notification: {e}"));
        match method {
            "update" => {
                let (id, updates): (Value, TableUpdates) =
                    serde_json::from_str(params).map_err(bad)?;
                if id == SERVER_MONITOR_ID {
                    apply_server_updates(&mut s.server_rows, &updates);
                    return self.check_cluster(s);
                }
                if let Some(pos) = self.monitor_pos(&id) {
                    self.deliver(s, pos, MonitorEvent::Update(Updates::V1(updates)))
                        .await?;
                }
            }
            "update2" => {
                let (id, updates): (Value, TableUpdates2) =
                    serde_json::from_str(params).map_err(bad)?;
                if let Some(pos) = self.monitor_pos(&id) {
                    self.deliver(s, pos, MonitorEvent::Update(Updates::V2(updates)))
                        .await?;
                }
            }
            "update3" => {
                let p: crate::monitor::Update3Params = serde_json::from_str(params).map_err(bad)?;
                if let Some(pos) = self.monitor_pos(&p.monitor_id) {
                    self.monitors[pos].last_txn_id = Some(p.last_txn_id);
                    self.deliver(s, pos, MonitorEvent::Update(Updates::V2(p.updates)))
                        .await?;
                }
            }
            "locked" | "stolen" => {
                let (name,): (String,) = serde_json::from_str(params).map_err(bad)?;
                let held = method == "locked";
                if let Some(l) = self.locks.iter().find(|l| l.name == name) {
                    let _ = l.status.send(if held {
                        LockStatus::Held
                    } else {
                        LockStatus::Stolen
                    });
                }
                if !held {
                    self.locks.retain(|l| l.name != name);
                }
            }
            "monitor_canceled" => {
                let (id,): (Value,) = serde_json::from_str(params).map_err(bad)?;
                if id == SERVER_MONITOR_ID {
                    return Err(SessionEnd::Lost(
                        "the server canceled the _Server monitor".into(),
                    ));
                }
                if let Some(pos) = self.monitor_pos(&id) {
                    let key = self.monitors[pos].id.clone();
                    self.monitors[pos].live = false;
                    self.monitors[pos].last_txn_id = None;
                    self.deliver(s, pos, MonitorEvent::Canceled).await?;
                    // The database changed under us (converted or removed and re-added):
                    // start over from its full contents, under its new schema for a replica.
                    let db = self
                        .monitors
                        .iter()
                        .find(|m| m.id == key)
                        .and_then(|m| matches!(m.sink, Sink::Replica(_)).then(|| m.db.clone()));
                    match db {
                        Some(db) => {
                            let pending = Pending::RefreshSchema { id: key };
                            self.send_request(s, "get_schema", &json!([db]), pending)
                                .await?;
                        }
                        None => self.start_monitor(s, &key, None).await?,
                    }
                }
            }
            other => tracing::debug!("ignoring notification {other}"),
        }
        Ok(())
    }

    fn monitor_pos(&self, id: &Value) -> Option<usize> {
        let id = id.as_str()?;
        self.monitors.iter().position(|m| m.id == id)
    }
}

impl MonitorReg {
    fn note_error(&mut self, error: &str) {
        if is_unknown_method(error) {
            self.last_unknown_method = true;
        }
    }

    fn last_error_was_unknown_method(&mut self) -> bool {
        if !std::mem::take(&mut self.last_unknown_method) {
            return false;
        }
        match self.method.fallback() {
            Some(next) => {
                tracing::info!(
                    "server does not know {}; falling back to {}",
                    self.method.name(),
                    next.name()
                );
                self.method = next;
                true
            }
            None => false,
        }
    }
}

/// A monitor reply that cannot be decoded ends the session, as when it is decoded whole.
fn monitor_decode_failed(method: MonitorMethod, source: serde_json::Error) -> SessionEnd {
    SessionEnd::Lost(
        Error::Decode {
            method: method.name().into(),
            source,
        }
        .to_string(),
    )
}

fn is_unknown_method(error: &str) -> bool {
    error.contains("unknown method")
}

/// `[db, id, requests]` plus the last transaction id for `monitor_cond_since`.
fn monitor_params(m: &MonitorReg, resume: bool) -> Result<Value, SessionEnd> {
    let mut requests = serde_json::Map::new();
    for (table, req) in &m.requests {
        let mut req = req.clone();
        if m.method == MonitorMethod::Monitor {
            if req.conditions.is_some() {
                return Err(SessionEnd::Lost(format!(
                    "monitor {}: the server supports neither monitor_cond nor monitor_cond_since, \
                     so conditions on {table} cannot be applied",
                    m.id
                )));
            }
            req.conditions = None;
        }
        let v = serde_json::to_value(&req).map_err(|e| SessionEnd::Lost(e.to_string()))?;
        requests.insert(table.clone(), v);
    }
    let mut params = vec![json!(m.db), json!(m.id), Value::Object(requests)];
    if m.method == MonitorMethod::MonitorCondSince {
        let since = if resume { m.last_txn_id } else { None };
        params.push(json!(since.unwrap_or(Uuid::NIL).to_string()));
    }
    Ok(Value::Array(params))
}

fn apply_server_updates(rows: &mut HashMap<Uuid, ServerDatabase>, updates: &TableUpdates) {
    for t in updates.tables.iter().filter(|t| t.table == "Database") {
        for r in &t.rows {
            match &r.new {
                Some(new) => {
                    // `new` holds every monitored column for inserts and modifies alike.
                    if let Some(db) = ServerDatabase::from_row(new) {
                        rows.insert(r.uuid, db);
                    }
                }
                None => {
                    rows.remove(&r.uuid);
                }
            }
        }
    }
}

/// `{"id":N,"method":M,"params":P}` without building a `Value` for `params`.
fn encode_request(
    id: u64,
    method: &str,
    params: &impl serde::Serialize,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.to_string().as_bytes());
    out.extend_from_slice(b",\"method\":");
    serde_json::to_writer(&mut out, method)?;
    out.extend_from_slice(b",\"params\":");
    serde_json::to_writer(&mut out, params)?;
    out.push(b'}');
    Ok(out)
}

/// Queues one message for the session's writer task (see [`Writer`]); never waits.
fn write(s: &mut Session, bytes: Vec<u8>) -> Result<(), SessionEnd> {
    s.writer.send(bytes).map_err(SessionEnd::Lost)
}

/// The reply to `lock` / `steal`: `{"locked": true|false}`.
fn is_locked(result: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Locked {
        locked: bool,
    }
    serde_json::from_slice::<Locked>(result).is_ok_and(|l| l.locked)
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365)
}

impl From<WireError> for SessionEnd {
    fn from(e: WireError) -> Self {
        SessionEnd::Lost(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_encode_like_json_rpc() {
        let bytes = encode_request(
            7,
            "transact",
            &json!(["db", {"op": "comment", "comment": "hi"}]),
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v,
            json!({"id": 7, "method": "transact", "params": ["db", {"op": "comment", "comment": "hi"}]})
        );
    }

    #[test]
    fn reply_results_and_errors() {
        fn reply(text: &'static str) -> Reply {
            let frame = Bytes::from_static(text.as_bytes());
            match RawMessage::from_slice(&frame).unwrap() {
                RawMessage::Response { result, error, .. } => Reply::new(&frame, result, error),
                _ => panic!("not a reply"),
            }
        }
        assert_eq!(
            reply(r#"{"id":1,"result":[1],"error":null}"#)
                .result()
                .unwrap(),
            b"[1]"
        );
        assert_eq!(
            reply(r#"{"id":1,"result":null,"error":"unknown method"}"#)
                .result()
                .unwrap_err(),
            "\"unknown method\""
        );
        assert!(is_locked(br#"{"locked":true}"#));
        assert!(!is_locked(br#"{"locked":false}"#));
    }

    #[test]
    fn monitor_methods_fall_back_in_order() {
        assert_eq!(
            MonitorMethod::MonitorCondSince.fallback(),
            Some(MonitorMethod::MonitorCond)
        );
        assert_eq!(
            MonitorMethod::MonitorCond.fallback(),
            Some(MonitorMethod::Monitor)
        );
        assert_eq!(MonitorMethod::Monitor.fallback(), None);
    }
}

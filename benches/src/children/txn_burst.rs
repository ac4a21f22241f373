//! Ours: many single-row inserts from one process, pipelined with up to `window`
//! transactions in flight, spread round-robin over `sessions` connections (`Client`s).
//!
//! More than one session, because ovsdb-server reads one request per session per turn of
//! its main loop (`ovsdb_jsonrpc_session_run`): with one session every transaction pays a
//! whole turn (a `poll`, timers, the other sessions), with several the turns are shared.
//! Independent inserts need no order between them; each session keeps its own in order.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::data::{Atom, Row};
use ovsdb::ops::Operation;
use serde_json::{json, Value};

const NB: &str = "OVN_Northbound";

/// Inserts `count` Logical_Switch rows named `PREFIX-i`, one transaction each.
pub async fn run(
    remote: &str,
    count: u64,
    window: u64,
    sessions: u64,
    prefix: &str,
) -> Result<Value, String> {
    let opts = ClientOptions::new(remote).map_err(|e| e.to_string())?;
    let mut clients = Vec::new();
    for _ in 0..sessions.max(1) {
        clients.push(
            Client::connect(opts.clone())
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let started = Instant::now();
    let results = stream::iter(0..count)
        .map(|i| {
            let client = clients[i as usize % clients.len()].clone();
            let op = Operation::insert(
                "Logical_Switch",
                Row::new().with("name", Atom::from(format!("{prefix}-{i}"))),
            )
            .into();
            async move { client.transact(NB, &[op]).await }
        })
        .buffer_unordered(window.max(1) as usize)
        .fold((0u64, None::<String>), |(ok, err), r| async move {
            match r {
                Ok(_) => (ok + 1, err),
                Err(e) => (ok, err.or(Some(e.to_string()))),
            }
        })
        .await;
    let secs = started.elapsed().as_secs_f64();
    if let (_, Some(e)) = results {
        return Err(format!("a transaction failed: {e}"));
    }
    Ok(json!({"count": results.0, "secs": secs, "rows_per_sec": results.0 as f64 / secs}))
}

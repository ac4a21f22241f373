//! Ours: many single-row inserts from one process, pipelined on one `Client` with up to
//! `window` transactions in flight.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::data::{Atom, Row};
use ovsdb::ops::Operation;
use serde_json::{json, Value};

const NB: &str = "OVN_Northbound";

/// Inserts `count` Logical_Switch rows named `PREFIX-i`, one transaction each.
pub async fn run(remote: &str, count: u64, window: u64, prefix: &str) -> Result<Value, String> {
    let opts = ClientOptions::new(remote).map_err(|e| e.to_string())?;
    let client = Client::connect(opts).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let results = stream::iter(0..count)
        .map(|i| {
            let client = client.clone();
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

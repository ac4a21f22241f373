//! Ours: a full replica of every table and column of OVN_Northbound with the `ovsdb` crate
//! (`Client::replicate`), reported when the initial contents are in.

use std::time::Instant;

use ovsdb::client::ReplicaOptions;
use serde_json::{json, Value};

use super::{memory_kib, trim_heap};

/// Connects to `remote`, replicates all of OVN_Northbound and reports once the replica holds
/// at least `expected` rows.
pub async fn run(remote: &str, expected: u64) -> Result<Value, String> {
    let started = Instant::now();
    let (client, tables) = super::connect_for_full_replica(remote).await?;
    let (rss_before, _) = memory_kib();
    let connected = started.elapsed().as_secs_f64();
    let replica = super::synced_replica(&client, tables, ReplicaOptions::default()).await?;
    let rows = replica.read(|r| r.row_count()) as u64;
    let ready = started.elapsed().as_secs_f64();
    if rows < expected {
        return Err(format!("replica has {rows} rows, expected {expected}"));
    }
    let (rss_after, hwm) = memory_kib();
    trim_heap();
    let (rss_trimmed, _) = memory_kib();
    // Keep the replica and the client alive until the process exits (see `children::run`).
    std::mem::forget(replica);
    std::mem::forget(client);
    Ok(json!({
        "ready_secs": ready,
        "connected_secs": connected,
        "rows": rows,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_trimmed_kib": rss_trimmed,
        "hwm_kib": hwm,
    }))
}

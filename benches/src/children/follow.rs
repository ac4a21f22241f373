//! Ours under a stream of small transactions: a full replica of OVN_Northbound with change
//! events, measuring how fast the writer's updates are applied and how late each one is.
//!
//! The writer (another process) stamps each change into `Logical_Switch_Port` rows as
//! `external_ids:bench-seq` (0, 1, ...) and `external_ids:bench-ts` (nanoseconds since the
//! Unix epoch when it sent the transaction). After its initial sync this child prints a line
//! `ready`, then runs until it has applied sequence number `last`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ovsdb::client::ReplicaOptions;
use ovsdb::data::{Atom, Datum, Row};
use serde_json::{json, Value};

use crate::stats::percentile;

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn stamp(row: &Row, key: &str) -> Option<u128> {
    row.get("external_ids")
        .and_then(Datum::as_map)
        .and_then(|m| m.get_str(key))
        .and_then(Atom::as_str)
        .and_then(|s| s.parse().ok())
}

/// Follows `remote` until the update with sequence number `last` is applied.
pub async fn run(remote: &str, last: u64) -> Result<Value, String> {
    let (client, tables) = super::connect_for_full_replica(remote).await?;
    let mut replica =
        super::synced_replica(&client, tables, ReplicaOptions::default().with_events()).await?;
    // The initial contents arrive as one batch of inserts: take it before starting.
    while replica.try_next_events().is_some() {}
    let rows = replica.read(|r| r.row_count());
    println!("ready {rows}");

    let mut latencies_ms = Vec::new();
    let mut batches = 0u64;
    let mut first: Option<Instant> = None;
    let mut last_seen = None;
    let limit = Duration::from_secs(120);
    loop {
        let batch = tokio::time::timeout(limit, replica.next_events())
            .await
            .map_err(|_| format!("no update for {limit:?} (last seq seen {last_seen:?})"))?
            .ok_or("client closed")?;
        let now = now_ns();
        first.get_or_insert_with(Instant::now);
        batches += 1;
        let mut done = false;
        for event in batch.iter().filter(|e| e.is_update()) {
            let Some(new) = event.new_row() else { continue };
            let (Some(seq), Some(ts)) = (stamp(new, "bench-seq"), stamp(new, "bench-ts")) else {
                continue;
            };
            latencies_ms.push(now.saturating_sub(ts) as f64 / 1e6);
            last_seen = Some(seq);
            done |= seq >= u128::from(last);
        }
        if done {
            break;
        }
    }
    std::mem::forget(replica);
    std::mem::forget(client);
    let span = first.map_or(0.0, |f| f.elapsed().as_secs_f64());
    let applied = latencies_ms.len();
    Ok(json!({
        "rows": rows,
        "batches": batches,
        "applied": applied,
        "span_secs": span,
        "updates_per_sec": applied as f64 / span.max(1e-9),
        "latency_ms_p50": percentile(&latencies_ms, 50.0),
        "latency_ms_p99": percentile(&latencies_ms, 99.0),
        "latency_ms_max": percentile(&latencies_ms, 100.0),
    }))
}

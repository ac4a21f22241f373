//! The measured clients that are ours, each run as a child process of the comparison (as
//! `compare child NAME ARGS...`) so its CPU time and peak memory are measured exactly like the
//! peers'. Each prints one JSON line as its report and exits at once, without tearing down.

pub mod floor;
pub mod follow;
pub mod replica_sync;
pub mod txn_burst;

use std::io::Write;

use std::time::Duration;

use ovsdb::client::{Client, ClientOptions, ReplicaHandle, ReplicaOptions};
use ovsdb::monitor::MonitorRequest;

/// The database our children replicate.
pub const NB: &str = "OVN_Northbound";

/// A client connected to `remote` for OVN_Northbound, and a request for every column of
/// every table of the server's schema.
pub async fn connect_for_full_replica(
    remote: &str,
) -> Result<(Client, Vec<(String, MonitorRequest)>), String> {
    let opts = ClientOptions::new(remote)
        .map_err(|e| e.to_string())?
        .database(NB);
    let client = Client::connect(opts).await.map_err(|e| e.to_string())?;
    let schema = client.get_schema(NB).await.map_err(|e| e.to_string())?;
    let tables = schema
        .tables
        .keys()
        .map(|t| (t.clone(), MonitorRequest::all()))
        .collect();
    Ok((client, tables))
}

/// Replicates `tables` of OVN_Northbound and waits until the initial contents are in.
pub async fn synced_replica(
    client: &Client,
    tables: Vec<(String, MonitorRequest)>,
    options: ReplicaOptions,
) -> Result<ReplicaHandle, String> {
    let replica = client
        .replicate(NB, tables, options)
        .await
        .map_err(|e| e.to_string())?;
    replica
        .synced(Duration::from_secs(600))
        .await
        .map_err(|e| e.to_string())?;
    Ok(replica)
}

/// The process's resident and peak resident memory, KiB (`VmRSS`, `VmHWM`).
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Gives freed heap back to the kernel, so RSS shows what is really kept.
pub fn trim_heap() {
    // SAFETY: malloc_trim has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Prints `report` as the single JSON line the parent reads, and exits at once (like the
/// peers, which are measured until they have their data, not through their teardown).
pub fn report_and_exit(report: serde_json::Value) -> ! {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{report}");
    let _ = out.flush();
    std::process::exit(0)
}

/// Runs a child by name with its arguments; unknown names are an error.
pub fn run(name: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or_else(|| format!("child {name}: missing argument {}", i + 1))
    };
    let num = |i: usize| -> Result<u64, String> {
        arg(i)?
            .parse()
            .map_err(|e| format!("child {name}: argument {}: {e}", i + 1))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let result = match name {
        "floor" => runtime.block_on(floor::run(&arg(0)?, &arg(1)?)),
        "replica-sync" => runtime.block_on(replica_sync::run(&arg(0)?, num(1)?)),
        "txn-burst" => runtime.block_on(txn_burst::run(
            &arg(0)?,
            num(1)?,
            num(2)?,
            num(3)?,
            &arg(4)?,
        )),
        "follow" => runtime.block_on(follow::run(&arg(0)?, num(1)?)),
        other => Err(format!("unknown child {other:?}")),
    };
    // Never tear down: dropping the runtime would drop the connection task and with it the
    // whole replica, work the peers (which exit at once) are not measured doing either.
    std::mem::forget(runtime);
    result
}

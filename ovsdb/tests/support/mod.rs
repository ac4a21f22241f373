//! Helpers shared by the client tests: dumping a database through a fresh client, comparing
//! a replica with it, writing with careful retries, stopping a server under a client, and
//! reading the process's resident memory.
//!
//! Each test file includes this module and uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use ovsdb::client::{Client, ClientOptions, ConnectionState, Error, ReplicaHandle};
use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Operation, OperationResult};
use ovsdb::testing::Sandbox;
use tokio::sync::watch;
use tokio::time::{timeout, Instant};

/// Rows by (table, uuid), without `_uuid` and `_version`.
pub type Dump = BTreeMap<(String, Uuid), Row>;

/// Client options that reconnect quickly and follow `db` in `_Server` (which makes the client
/// db-change-aware).
pub fn quick_opts(remotes: &str, db: &str) -> ClientOptions {
    ClientOptions::new(remotes)
        .unwrap()
        .database(db)
        .backoff(Duration::from_millis(50), Duration::from_millis(500))
        .connect_timeout(Duration::from_secs(3))
        .inactivity_probe(Some(Duration::from_secs(2)))
}

/// Every row of `tables`, read by `select` through `client`.
pub async fn dump(client: &Client, db: &str, tables: &[&str]) -> Result<Dump, Error> {
    let ops: Vec<Operation> = tables
        .iter()
        .map(|t| Operation::select(*t, vec![]).into())
        .collect();
    let results = client.transact(db, &ops).await?;
    let mut out = Dump::new();
    for (table, result) in tables.iter().zip(&results) {
        for row in result.rows().unwrap_or_default() {
            let mut row = row.clone();
            row.remove("_version");
            let uuid = row
                .remove("_uuid")
                .and_then(|d| d.as_scalar().and_then(Atom::as_uuid))
                .expect("a selected row has its _uuid");
            out.insert((table.to_string(), uuid), row);
        }
    }
    Ok(out)
}

/// A dump through a new client connected to `remotes` (closed afterwards), retried until the
/// server answers (at most `limit`).
pub async fn fresh_dump(remotes: &str, db: &str, tables: &[&str], limit: Duration) -> Dump {
    let deadline = Instant::now() + limit;
    loop {
        let attempt = async {
            let c = Client::connect(quick_opts(remotes, db)).await?;
            dump(&c, db, tables).await
        };
        match timeout(Duration::from_secs(10), attempt).await {
            Ok(Ok(d)) => return d,
            Ok(Err(e)) if Instant::now() < deadline => {
                eprintln!("fresh dump failed, retrying: {e}");
            }
            Ok(Err(e)) => panic!("no fresh dump within {limit:?}: {e}"),
            Err(_) if Instant::now() < deadline => {}
            Err(_) => panic!("no fresh dump within {limit:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The replica's rows of `tables`, like [`dump`].
pub fn replica_dump(replica: &ReplicaHandle, tables: &[&str]) -> Dump {
    replica.read(|r| {
        let mut out = Dump::new();
        for table in tables {
            if let Some(t) = r.table(table) {
                for (uuid, row) in t.iter() {
                    let mut row = (**row).clone();
                    row.remove("_version");
                    row.remove("_uuid");
                    out.insert((table.to_string(), uuid), row);
                }
            }
        }
        out
    })
}

/// Describes the first differences between two dumps.
pub fn diff(a: &Dump, b: &Dump) -> String {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("only in replica: {k:?} {v:?}")),
            Some(w) if w != v => {
                out.push(format!("differs: {k:?}\n  replica {v:?}\n  dump    {w:?}"))
            }
            _ => {}
        }
    }
    for (k, v) in b {
        if !a.contains_key(k) {
            out.push(format!("only in dump: {k:?} {v:?}"));
        }
    }
    let n = out.len();
    out.truncate(5);
    format!(
        "{n} differences ({} vs {} rows):\n{}",
        a.len(),
        b.len(),
        out.join("\n")
    )
}

/// Waits until the replica's `tables` equal `expected` (at most `limit`), panicking with the
/// differences otherwise.
pub async fn wait_replica_equals(
    replica: &ReplicaHandle,
    tables: &[&str],
    expected: &Dump,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    loop {
        let mine = replica_dump(replica, tables);
        if &mine == expected {
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "the replica never matched the dump: {}",
                diff(&mine, expected)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A string column's value.
pub fn string_of(row: &Row, column: &str) -> Option<String> {
    row.get(column)
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_str)
        .map(str::to_owned)
}

/// How many `Logical_Switch` rows are named `name`, asked through `client`.
pub async fn count_named(client: &Client, db: &str, name: &str) -> Result<usize, Error> {
    let r = client
        .transact(
            db,
            &[
                Operation::select("Logical_Switch", vec![Condition::eq("name", name)])
                    .with_columns(["name"])
                    .into(),
            ],
        )
        .await?;
    Ok(r[0].rows().map_or(0, <[Row]>::len))
}

/// What [`careful_transact`] saw on the way.
#[derive(Debug, Default, Clone)]
pub struct RetryStats {
    /// Attempts that failed with `NotConnected` (nothing was sent: retried).
    pub not_connected: usize,
    /// Attempts whose outcome was unknown (checked in the database before anything else).
    pub unknown: usize,
    /// Unknown outcomes that had in fact been committed.
    pub unknown_committed: usize,
    /// Other retried failures (a server that is not the leader yet, ...).
    pub other: usize,
}

/// Runs `ops` until it is acknowledged, never blindly repeating one whose outcome is unknown:
/// after `OutcomeUnknown`, `landed` (a read through the same client, e.g. "is the row with my
/// unique name there?") decides whether it was committed. Returns the results of the
/// acknowledged attempt (`None` if an unknown outcome turned out committed), or panics after
/// `limit`.
pub async fn careful_transact<F, Fut>(
    client: &Client,
    db: &str,
    ops: &[Operation],
    landed: F,
    stats: &mut RetryStats,
    limit: Duration,
) -> Option<Vec<OperationResult>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<bool, Error>>,
{
    let deadline = Instant::now() + limit;
    loop {
        assert!(
            Instant::now() < deadline,
            "no acknowledged write within {limit:?} ({stats:?}); last error: {:?}",
            client.last_error()
        );
        let attempt = timeout(Duration::from_secs(15), client.transact(db, ops))
            .await
            .expect("a transact call hung for 15 s");
        match attempt {
            Ok(results) => return Some(results),
            Err(Error::NotConnected(_)) => {
                stats.not_connected += 1;
                let _ = timeout(Duration::from_secs(5), client.wait_connected()).await;
            }
            Err(Error::OutcomeUnknown { .. }) => {
                stats.unknown += 1;
                // Find out before doing anything else; the check itself may need retries.
                loop {
                    assert!(Instant::now() < deadline, "cannot check an unknown outcome");
                    let _ = timeout(Duration::from_secs(5), client.wait_connected()).await;
                    match landed().await {
                        Ok(true) => {
                            stats.unknown_committed += 1;
                            return None;
                        }
                        Ok(false) => break,
                        Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
            }
            Err(e @ Error::Transact(_)) => panic!("the transaction failed: {e}"),
            Err(e) => {
                // E.g. the "not leader" RPC error while a cluster elects a leader.
                stats.other += 1;
                eprintln!("write failed, retrying: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The resident set size of this process in KiB (`VmRSS` in `/proc/self/status`).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Stops `sb`'s server and waits, up to `limit`, until the client whose `state` this is has
/// noticed (it is connecting again).
pub async fn stop_and_wait_connecting(
    sb: &mut Sandbox,
    state: &mut watch::Receiver<ConnectionState>,
    limit: Duration,
) {
    sb.stop();
    timeout(
        limit,
        state.wait_for(|s| matches!(s, ConnectionState::Connecting)),
    )
    .await
    .expect("the client did not notice the server stopping in time")
    .expect("the client's state channel closed");
}

//! Bounded soaks against real servers: a replica follows OVN_Northbound while another client
//! commits a steady stream of transactions and the servers are disrupted on a schedule (a
//! standalone server killed and restarted; a 3-member cluster whose leader is killed,
//! transferred, and partitioned by SIGSTOP, and whose follower is stopped too).
//!
//! At the end: the replica equals a fresh dump of every row and column, every acknowledged
//! write is in the database exactly once (an unknown outcome is checked in the database, never
//! blindly repeated), and the process's memory did not grow while the data size stayed flat.
//! `SOAK_SECS` sets the length of each soak (default 25 s).

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ovsdb::client::{Client, ReplicaOptions};
use ovsdb::data::{Datum, Row};
use ovsdb::monitor::MonitorRequest;
use ovsdb::ops::{Condition, Operation};
use ovsdb::testing::{Cluster, Sandbox};
use support::{
    careful_transact, fresh_dump, quick_opts, rss_kib, string_of, wait_replica_equals, RetryStats,
};
use tokio::time::Instant;

const NB: &str = "OVN_Northbound";
const SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const TABLES: [&str; 2] = ["Logical_Switch", "Address_Set"];
const LIMIT: Duration = Duration::from_secs(60);
/// Address sets the writer keeps rewriting (the data size stays flat).
const SETS: usize = 40;

fn soak_length() -> Duration {
    let secs = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    Duration::from_secs(secs)
}

/// What the writer had acknowledged when it stopped.
#[derive(Debug, Default)]
struct Written {
    /// Switch names whose insert was acknowledged (or found committed after an unknown
    /// outcome).
    switches: Vec<String>,
    /// For each address set, the sequence number of the last acknowledged rewrite.
    last_seq: BTreeMap<String, u64>,
    stats: RetryStats,
    transactions: u64,
}

/// Switches the writer inserts, early on; after that the data size stays flat.
const SWITCHES: u64 = 500;

/// Transaction `seq`: rewrites address set `as{seq % SETS}` with a `seq` marker and, every
/// fifth one of the first `5 * SWITCHES`, inserts switch `s{seq}`.
fn ops_for(seq: u64) -> (String, Option<String>, Vec<Operation>) {
    let set = format!("as{}", seq % SETS as u64);
    let mut ops = vec![Operation::update(
        "Address_Set",
        vec![Condition::eq("name", set.as_str())],
        Row::new()
            .with(
                "addresses",
                Datum::set([format!("10.0.{}.{}", seq % 250, seq % 200)]),
            )
            .with("external_ids", Datum::map([("seq", seq.to_string())])),
    )];
    let switch = (seq % 5 == 0 && seq <= 5 * SWITCHES).then(|| format!("s{seq}"));
    if let Some(name) = &switch {
        ops.push(
            Operation::insert("Logical_Switch", Row::new().with("name", name.as_str())).into(),
        );
    }
    (set, switch, ops)
}

/// Did transaction `seq` commit? Its marker is on its address set, or a later one already
/// is not possible: the writer sends one transaction at a time.
async fn landed(client: &Client, set: &str, seq: u64) -> Result<bool, ovsdb::client::Error> {
    let r = client
        .transact(
            NB,
            &[Operation::select(
                "Address_Set",
                vec![
                    Condition::eq("name", set),
                    Condition::includes("external_ids", Datum::map([("seq", seq.to_string())])),
                ],
            )
            .with_columns(["name"])
            .into()],
        )
        .await?;
    Ok(r[0].rows().is_some_and(|rows| !rows.is_empty()))
}

/// Commits transactions one after another until `stop`.
async fn write_until(client: Client, stop: Arc<AtomicBool>) -> Written {
    let setup: Vec<Operation> = (0..SETS)
        .map(|i| Operation::insert("Address_Set", Row::new().with("name", format!("as{i}"))).into())
        .collect();
    let mut w = Written::default();
    let done = careful_transact(
        &client,
        NB,
        &setup,
        || async { Ok(false) },
        &mut w.stats,
        LIMIT,
    )
    .await;
    assert!(
        done.is_some(),
        "the set-up transaction must be acknowledged"
    );
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        seq += 1;
        let (set, switch, ops) = ops_for(seq);
        let c = &client;
        let set_name = set.clone();
        careful_transact(
            c,
            NB,
            &ops,
            || landed(c, &set_name, seq),
            &mut w.stats,
            LIMIT,
        )
        .await;
        w.transactions += 1;
        w.last_seq.insert(set, seq);
        if let Some(name) = switch {
            w.switches.push(name);
        }
    }
    w
}

/// The soak: a writer, a replica, `disrupt(round)` every `every`, then the checks.
async fn soak(remotes: String, every: Duration, mut disrupt: impl FnMut(usize) + Send) {
    let reader = Client::connect(quick_opts(&remotes, NB).leader_only(false))
        .await
        .unwrap();
    let replica = reader
        .replicate(
            NB,
            TABLES
                .iter()
                .map(|t| (t.to_string(), MonitorRequest::all()))
                .collect(),
            ReplicaOptions::default(),
        )
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    let writer = Client::connect(quick_opts(&remotes, NB)).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writing = tokio::spawn(write_until(writer, Arc::clone(&stop)));

    let length = soak_length();
    let started = Instant::now();
    let mut round = 0;
    let mut rss_warm = None;
    while started.elapsed() < length {
        tokio::time::sleep(every).await;
        tokio::task::block_in_place(|| disrupt(round));
        round += 1;
        if rss_warm.is_none() && started.elapsed() >= length / 3 {
            rss_warm = Some(rss_kib());
        }
    }
    stop.store(true, Ordering::SeqCst);
    let written = tokio::time::timeout(LIMIT, writing)
        .await
        .expect("the writer never stopped")
        .unwrap();
    let rss_end = rss_kib();
    eprintln!(
        "soak: {} transactions in {:?}, {round} disruptions, {:?}",
        written.transactions,
        started.elapsed(),
        written.stats
    );
    assert!(
        round >= 2,
        "the soak must disrupt the servers more than once"
    );
    assert!(written.transactions > 0);

    // The database has every acknowledged write, once.
    let expected = fresh_dump(&remotes, NB, &TABLES, LIMIT).await;
    let mut switches: BTreeMap<String, usize> = BTreeMap::new();
    let mut sets: BTreeMap<String, u64> = BTreeMap::new();
    for ((table, _), row) in &expected {
        let name = string_of(row, "name").unwrap_or_default();
        match table.as_str() {
            "Logical_Switch" => *switches.entry(name).or_default() += 1,
            _ => {
                let seq = row
                    .get("external_ids")
                    .and_then(Datum::as_map)
                    .and_then(|m| m.get_str("seq"))
                    .and_then(|a| a.as_str())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                sets.insert(name, seq);
            }
        }
    }
    assert_eq!(
        switches.len(),
        written.switches.len(),
        "switches in the database"
    );
    for name in &written.switches {
        assert_eq!(switches.get(name), Some(&1), "switch {name}");
    }
    assert_eq!(sets.len(), SETS);
    for (set, seq) in &written.last_seq {
        assert_eq!(sets.get(set), Some(seq), "last rewrite of {set}");
    }

    // The replica caught up with all of it.
    wait_replica_equals(&replica, &TABLES, &expected, LIMIT).await;

    // Memory (measured when the writer stopped, before the dumps): the data size was flat
    // after warm-up, so the process must not have grown with the number of transactions,
    // reconnects and resynchronizations.
    let rss_warm = rss_warm.unwrap_or(rss_end);
    eprintln!("soak: resident memory {rss_warm} KiB after warm-up, {rss_end} KiB at the end");
    assert!(
        rss_end < rss_warm + 32 * 1024,
        "resident memory grew from {rss_warm} KiB to {rss_end} KiB"
    );
}

/// A standalone server killed (SIGKILL) and restarted every 3 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_server_restarts() {
    let mut sb = Sandbox::start(&[SCHEMA]).unwrap();
    let remote = sb.remote();
    soak(remote, Duration::from_secs(3), move |_| {
        sb.restart().unwrap()
    })
    .await;
}

/// A 3-member cluster: in turn, the leader is killed (and restarted once another leads),
/// leadership is transferred, the leader is stopped with SIGSTOP (a partition: its sockets
/// stay open, nothing answers) until another leads, and a follower is stopped and resumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_across_a_cluster_with_leader_kills_transfers_and_partitions() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    cluster.wait_for_leader(LIMIT).unwrap();
    let remotes = cluster.all_tcp_remotes();
    soak(remotes, Duration::from_secs(4), move |round| {
        let c = &mut cluster;
        let leader = c.wait_for_leader(LIMIT).unwrap();
        match round % 4 {
            0 => {
                c.kill(leader).unwrap();
                let new = c.wait_for_leader(LIMIT).unwrap();
                assert_ne!(new, leader);
                c.restart(leader).unwrap();
            }
            1 => {
                let new = c.transfer_leadership().unwrap();
                assert_ne!(new, leader);
            }
            2 => {
                c.pause(leader).unwrap();
                let new = c.wait_for_leader(LIMIT).unwrap();
                assert_ne!(new, leader);
                c.resume(leader).unwrap();
            }
            _ => {
                let follower = (leader + 1) % 3;
                c.pause(follower).unwrap();
                std::thread::sleep(Duration::from_secs(2));
                c.resume(follower).unwrap();
            }
        }
        c.wait_for_leader(LIMIT).unwrap();
    })
    .await;
}

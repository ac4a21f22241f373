//! Measurement 5 (second half): our replica under a steady stream of small transactions.
//! This process writes (one `Client`, updating `external_ids` of ports of switch 0); the
//! follower child keeps a full replica and reports apply rate and latency.

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::data::{Atom, Datum, Row};
use ovsdb::ops::{Condition, Operation};
use serde_json::Value;

use crate::child;
use crate::children::follow::now_ns;
use crate::nb_data::port_uuid;
use crate::report::Table;
use crate::tools::Tools;

/// How the writer sends.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// At this many transactions per second, each sent without waiting for the previous.
    Rate(u64),
    /// As fast as the server takes them, with this many in flight.
    Flood(u64),
}

/// One phase's outcome.
#[derive(Debug, Clone)]
pub struct Phase {
    /// How the writer sent.
    pub pace: Pace,
    /// Updates written.
    pub count: u64,
    /// Writer: transactions per second it achieved.
    pub written_per_sec: f64,
    /// The follower's report.
    pub follower: Value,
    /// Follower CPU seconds (whole process, initial sync included).
    pub follower_cpu: f64,
    /// Follower peak RSS, MiB.
    pub follower_rss_mib: f64,
}

fn update(seq: u64, ports: u32) -> Operation {
    let uuid = port_uuid(0, (seq % u64::from(ports.max(1))) as u32);
    Operation::update(
        "Logical_Switch_Port",
        vec![Condition::eq("_uuid", Atom::from(uuid))],
        Row::new().with(
            "external_ids",
            Datum::map([
                ("bench-seq", seq.to_string()),
                ("bench-ts", now_ns().to_string()),
            ]),
        ),
    )
}

async fn write(remote: &str, count: u64, ports: u32, pace: Pace) -> Result<f64, String> {
    let client = Client::connect(ClientOptions::new(remote).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let window = match pace {
        Pace::Rate(_) => 1024,
        Pace::Flood(w) => w.max(1) as usize,
    };
    let failures = stream::iter(0..count)
        .map(|seq| {
            let client = client.clone();
            async move {
                if let Pace::Rate(rate) = pace {
                    let at = started + Duration::from_secs_f64(seq as f64 / rate.max(1) as f64);
                    tokio::time::sleep_until(at.into()).await;
                }
                client
                    .transact("OVN_Northbound", &[update(seq, ports)])
                    .await
            }
        })
        .buffered(window)
        .filter(|r| std::future::ready(r.is_err()))
        .count()
        .await;
    if failures > 0 {
        return Err(format!("{failures} writer transactions failed"));
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Runs one phase against `remote` (a database with switch 0 of `ports` ports).
pub fn run_phase(
    tools: &Tools,
    remote: &str,
    ports: u32,
    count: u64,
    pace: Pace,
) -> Result<Phase, String> {
    let last = (count - 1).to_string();
    let running = child::spawn(&mut tools.child("follow", &[remote, &last]))?;
    running.wait_line("ready", Duration::from_secs(600))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let written = runtime.block_on(write(remote, count, ports, pace))?;
    let m = running.finish()?;
    Ok(Phase {
        pace,
        count,
        written_per_sec: written,
        follower: m.report()?,
        follower_cpu: m.cpu,
        follower_rss_mib: m.rss_mib(),
    })
}

/// The phases as Markdown.
pub fn markdown(phases: &[Phase]) -> String {
    let mut t = Table::new(&[
        "writer",
        "updates",
        "written/s",
        "applied/s by ours",
        "server update messages",
        "latency ms p50 / p99 / max",
        "follower CPU s (whole process)",
        "follower peak RSS MiB",
    ]);
    for p in phases {
        let f = |k: &str| p.follower[k].as_f64().unwrap_or(f64::NAN);
        t.row(vec![
            match p.pace {
                Pace::Rate(r) => format!("paced, {r} txn/s"),
                Pace::Flood(w) => format!("flood, {w} in flight"),
            },
            p.count.to_string(),
            format!("{:.0}", p.written_per_sec),
            format!("{:.0}", f("updates_per_sec")),
            format!("{:.0}", f("batches")),
            format!(
                "{:.2} / {:.2} / {:.2}",
                f("latency_ms_p50"),
                f("latency_ms_p99"),
                f("latency_ms_max")
            ),
            format!("{:.2}", p.follower_cpu),
            format!("{:.1}", p.follower_rss_mib),
        ]);
    }
    format!(
        "One writer process updates `external_ids` of one Logical_Switch_Port per transaction \
         (stamped with a sequence number and the send time); our follower keeps a full replica \
         of the large database (every table, change events on) and measures, per applied \
         update, now - send time. \"applied/s\" counts updates from the first to the last \
         applied; ovsdb-server may merge transactions into one update message when the \
         client lags.\n\n{}",
        t.render()
    )
}

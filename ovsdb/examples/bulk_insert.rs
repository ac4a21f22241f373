//! Bulk inserts: many independent single-row transactions, pipelined, first over one session
//! and then spread over several sessions of the same process, against a private OVN
//! Northbound ovsdb-server.
//!
//! ovsdb-server reads one request per session per turn of its main loop, so over one session
//! every transaction pays a whole turn; over several the turns are shared and the server
//! commits more per second of its CPU. Transactions on different sessions are not ordered
//! with respect to each other, so spread only work that needs no order (each session keeps
//! its own in order).
//!
//! Run with `cargo run --release -p ovsdb --example bulk_insert [ROWS] [SESSIONS]`.

use std::error::Error;
use std::time::Instant;

use futures::stream::{self, StreamExt, TryStreamExt};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::data::Row;
use ovsdb::ops::Operation;
use ovsdb::testing::Sandbox;

const NB: &str = "OVN_Northbound";
const IN_FLIGHT: usize = 1024;

/// Inserts `rows` switches named `PREFIX-i`, one transaction each, round-robin over
/// `sessions`; returns rows per second.
async fn insert(sessions: &[Client], rows: usize, prefix: &str) -> Result<f64, Box<dyn Error>> {
    let started = Instant::now();
    stream::iter(0..rows)
        .map(|i| {
            let client = sessions[i % sessions.len()].clone();
            let row = Row::new().with("name", format!("{prefix}-{i}"));
            async move {
                client
                    .transact(NB, &[Operation::insert("Logical_Switch", row).into()])
                    .await
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let sessions: usize = args.next().map_or(Ok(8), |a| a.parse())?;

    let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
    let opts = ClientOptions::new(&sandbox.remote())?;
    let mut clients = Vec::new();
    for _ in 0..sessions.max(1) {
        clients.push(Client::connect(opts.clone()).await?);
    }

    let one = insert(&clients[..1], rows, "one").await?;
    println!("{rows} inserts over 1 session:  {one:>8.0} rows/s");
    let many = insert(&clients, rows, "many").await?;
    println!(
        "{rows} inserts over {} sessions: {many:>8.0} rows/s",
        clients.len()
    );
    Ok(())
}

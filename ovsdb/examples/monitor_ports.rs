//! Monitors Logical_Switch_Port and prints each change.
//!
//! `cargo run -p ovsdb --example monitor_ports -- unix:/var/run/ovn/ovnnb_db.sock` watches a
//! real OVN Northbound database (any remote list the C tools take). Without an argument it
//! starts a private ovsdb-server sandbox and makes a few changes itself, so there is something
//! to see.

use std::error::Error;
use std::time::Duration;

use ovsdb::client::{Client, ClientOptions, MonitorEvent, Updates};
use ovsdb::data::{Atom, Datum, Row};
use ovsdb::monitor::{MonitorRequest, RowChange};
use ovsdb::ops::{Condition, Operation};

const NB: &str = "OVN_Northbound";

fn name(row: &Row) -> &str {
    row.get("name")
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_str)
        .unwrap_or("")
}

fn print(kind: &str, updates: &Updates) {
    match updates {
        Updates::V2(u) => {
            for t in &u.tables {
                for r in &t.rows {
                    match &r.change {
                        RowChange::Initial(row) => {
                            println!("{kind:7} present  {} {}", r.uuid, name(row))
                        }
                        RowChange::Insert(row) => {
                            println!("{kind:7} insert   {} {}", r.uuid, name(row))
                        }
                        RowChange::Modify(diff) => {
                            println!("{kind:7} modify   {} {diff:?}", r.uuid)
                        }
                        RowChange::Delete => println!("{kind:7} delete   {}", r.uuid),
                    }
                }
            }
        }
        Updates::V1(u) => {
            for t in &u.tables {
                for r in &t.rows {
                    println!("{kind:7} {} old={:?} new={:?}", r.uuid, r.old, r.new);
                }
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (remote, sandbox) = match std::env::args().nth(1) {
        Some(remote) => (remote, None),
        None => {
            let sb = ovsdb::testing::Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
            (sb.remote(), Some(sb))
        }
    };
    let client = Client::connect(ClientOptions::new(&remote)?.database(NB)).await?;
    let mut monitor = client
        .monitor(
            NB,
            vec![(
                "Logical_Switch_Port".into(),
                MonitorRequest::columns(["name", "addresses", "up", "external_ids"]),
            )],
        )
        .await?;

    if sandbox.is_some() {
        // Something to watch: add a port, change it, remove it.
        let c = client.clone();
        tokio::spawn(async move {
            let steps = [
                Operation::insert(
                    "Logical_Switch_Port",
                    Row::new()
                        .with("name", "pod-a")
                        .with("addresses", Datum::set(["0a:58:0a:00:00:05 10.0.0.5"])),
                )
                .with_uuid_name(ovsdb::ops::UuidName::new("p")?)
                .into(),
                Operation::update(
                    "Logical_Switch_Port",
                    vec![Condition::eq("name", "pod-a")],
                    Row::new().with("external_ids", Datum::map([("namespace", "default")])),
                ),
            ];
            // A port must belong to a switch or the server garbage-collects it: insert both.
            let sw = Operation::insert(
                "Logical_Switch",
                Row::new()
                    .with("name", "sw0")
                    .with("ports", Atom::named_uuid("p")),
            )
            .into();
            c.transact(NB, &[steps[0].clone(), sw]).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            c.transact(NB, &[steps[1].clone()]).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            c.transact(
                NB,
                &[Operation::delete(
                    "Logical_Switch",
                    vec![Condition::eq("name", "sw0")],
                )],
            )
            .await?;
            Ok::<_, Box<dyn Error + Send + Sync>>(())
        });
    }

    let mut changes = 0;
    while let Some(event) = monitor.next().await {
        match event {
            MonitorEvent::Reset(u) => print("reset", &u),
            MonitorEvent::Update(u) => {
                print("update", &u);
                changes += 1;
            }
            MonitorEvent::Canceled => println!("monitor canceled by the server; it restarts"),
        }
        if sandbox.is_some() && changes == 3 {
            break;
        }
    }
    Ok(())
}

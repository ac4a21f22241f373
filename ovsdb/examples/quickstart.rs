//! Quick start: a private OVN Northbound ovsdb-server, a client that creates a switch with two
//! ports in one transaction, a conditional monitor that sees them, and a refused transaction
//! that changes nothing.
//!
//! Run with `./scripts/demo.sh` (or `cargo run -p ovsdb --example quickstart`).

use std::error::Error;

use ovsdb::client::{Client, ClientOptions, MonitorEvent, Updates};
use ovsdb::data::{Atom, Datum, Row};
use ovsdb::monitor::{MonitorRequest, RowChange};
use ovsdb::ops::{Condition, Operation, UuidName};
use ovsdb::testing::Sandbox;

const NB: &str = "OVN_Northbound";

fn print_updates(what: &str, updates: &Updates) {
    let Updates::V2(updates) = updates else {
        return;
    };
    for table in &updates.tables {
        for row in &table.rows {
            let (kind, data) = match &row.change {
                RowChange::Initial(r) => ("initial", Some(r)),
                RowChange::Insert(r) => ("insert", Some(r)),
                RowChange::Modify(r) => ("modify", Some(r)),
                RowChange::Delete => ("delete", None),
            };
            let name = data
                .and_then(|r| r.get("name"))
                .and_then(Datum::as_scalar)
                .and_then(Atom::as_str)
                .unwrap_or("");
            println!("  {what:7} {kind:8} {:20} {} {name}", table.table, row.uuid);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
    println!("ovsdb-server sandbox at {}", sandbox.remote());
    let client = Client::connect(ClientOptions::new(&sandbox.remote())?.database(NB)).await?;
    println!("databases: {:?}", client.list_dbs().await?);
    let schema = client.get_schema(NB).await?;
    println!(
        "schema {} {} with {} tables",
        schema.name,
        schema.version,
        schema.tables.len()
    );

    // Mirror switches, and ports with a name (monitor_cond_since with a where clause).
    let mut monitor = client
        .monitor(
            NB,
            vec![
                (
                    "Logical_Switch".into(),
                    MonitorRequest::columns(["name", "ports"]),
                ),
                (
                    "Logical_Switch_Port".into(),
                    MonitorRequest::columns(["name", "addresses"])
                        .with_conditions(vec![Condition::ne("name", "")]),
                ),
            ],
        )
        .await?;
    if let Some(MonitorEvent::Reset(initial)) = monitor.next().await {
        println!("monitor started ({} rows initially)", initial.row_count());
    }

    // One transaction: two ports and the switch that holds them.
    let (p1, p2) = (UuidName::new("p1")?, UuidName::new("p2")?);
    let port = |name: &str, addr: &str| {
        Row::new()
            .with("name", name)
            .with("addresses", Datum::set([addr]))
    };
    let ops: Vec<Operation> = vec![
        Operation::insert(
            "Logical_Switch_Port",
            port("web-1", "0a:58:0a:00:00:05 10.0.0.5"),
        )
        .with_uuid_name(p1.clone())
        .into(),
        Operation::insert(
            "Logical_Switch_Port",
            port("web-2", "0a:58:0a:00:00:06 10.0.0.6"),
        )
        .with_uuid_name(p2.clone())
        .into(),
        Operation::insert(
            "Logical_Switch",
            Row::new()
                .with("name", "sw0")
                .with("ports", Datum::set([p1.reference(), p2.reference()])),
        )
        .into(),
    ];
    println!("transact: create sw0 with web-1 and web-2");
    let results = client.transact(NB, &ops).await?;
    println!(
        "  committed, sw0 is {}",
        results[2].uuid().map(|u| u.to_string()).unwrap_or_default()
    );
    // Read-your-writes: the monitor already holds the transaction's changes.
    while let Some(MonitorEvent::Update(u)) = monitor.try_next() {
        print_updates("update", &u);
    }

    // A transaction that fails: it changes nothing, and the error says which operation and why.
    let bad = [Operation::update(
        "Logical_Switch_Port",
        vec![Condition::eq("name", "web-1")],
        Row::new().with("tag_request", 5000i64),
    )];
    match client.transact(NB, &bad).await {
        Ok(_) => println!("transact: unexpectedly accepted tag_request=5000"),
        Err(e) => println!("transact: tag_request=5000 refused: {e}"),
    }
    println!(
        "echo: {:?}",
        client.echo(vec!["still there?".into()]).await?
    );
    Ok(())
}

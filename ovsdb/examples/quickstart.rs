//! Quick start: a private OVN Northbound ovsdb-server, a transaction that creates a switch with
//! two ports, a conditional monitor that mirrors them, and a live update.
//!
//! Everything here is the protocol core (wire codec, operations, monitor updates) over a tokio
//! unix socket; the async `Client` builds the same steps into one handle.
//!
//! Run with `./scripts/demo.sh` (or `cargo run -p ovsdb --example quickstart`).

use std::error::Error;

use futures::{SinkExt, StreamExt};
use ovsdb::data::{Datum, Row};
use ovsdb::monitor::{MonitorRequest, RowChange, TableUpdates2};
use ovsdb::ops::{decode_transact_reply, Condition, Operation, UuidName};
use ovsdb::testing::Sandbox;
use ovsdb::wire::{Message, MessageCodec};
use serde_json::{json, Value};
use tokio::net::UnixStream;
use tokio_util::codec::Framed;

type Conn = Framed<UnixStream, MessageCodec>;

/// Sends a request and waits for its reply, printing notifications that arrive meanwhile.
async fn call(
    conn: &mut Conn,
    id: u64,
    method: &str,
    params: Vec<Value>,
) -> Result<Value, Box<dyn Error>> {
    conn.send(Message::request(json!(id), method, params))
        .await?;
    while let Some(msg) = conn.next().await {
        match msg? {
            Message::Response {
                id: rid,
                result,
                error,
            } if rid == json!(id) => {
                if !error.is_null() {
                    return Err(format!("{method} failed: {error}").into());
                }
                return Ok(result);
            }
            Message::Notification { method, params } if method == "update2" => {
                print_updates("update2", &params[1])?;
            }
            other => {
                if let Some(reply) = other.echo_reply() {
                    conn.send(reply).await?;
                }
            }
        }
    }
    Err("server closed the connection".into())
}

fn print_updates(what: &str, updates: &Value) -> Result<(), Box<dyn Error>> {
    let updates: TableUpdates2 = serde_json::from_value(updates.clone())?;
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
                .and_then(|a| a.as_str())
                .unwrap_or("");
            println!("  {what:8} {kind:8} {:20} {} {name}", table.table, row.uuid);
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
    println!("ovsdb-server sandbox at {}", sandbox.remote());
    let mut conn = Framed::new(
        UnixStream::connect(sandbox.socket()).await?,
        MessageCodec::new(),
    );

    let dbs = call(&mut conn, 1, "list_dbs", vec![]).await?;
    println!("databases: {dbs}");

    // Mirror switches and ports named like our pods (monitor_cond with a where clause).
    let mut requests = serde_json::Map::new();
    requests.insert(
        "Logical_Switch".into(),
        serde_json::to_value(MonitorRequest::columns(["name", "ports"]))?,
    );
    requests.insert(
        "Logical_Switch_Port".into(),
        serde_json::to_value(
            MonitorRequest::columns(["name", "addresses"])
                .with_conditions(vec![Condition::ne("name", "")]),
        )?,
    );
    let initial = call(
        &mut conn,
        2,
        "monitor_cond",
        vec![
            json!("OVN_Northbound"),
            json!("demo"),
            Value::Object(requests),
        ],
    )
    .await?;
    println!(
        "monitor_cond started ({} rows initially)",
        serde_json::from_value::<TableUpdates2>(initial)?.row_count()
    );

    // One transaction: two ports and the switch that holds them.
    let (p1, p2) = (UuidName::new("p1")?, UuidName::new("p2")?);
    let ops: Vec<Operation> = vec![
        Operation::insert(
            "Logical_Switch_Port",
            Row::new()
                .with("name", "web-1")
                .with("addresses", Datum::set(["0a:58:0a:00:00:05 10.0.0.5"])),
        )
        .with_uuid_name(p1.clone())
        .into(),
        Operation::insert(
            "Logical_Switch_Port",
            Row::new()
                .with("name", "web-2")
                .with("addresses", Datum::set(["0a:58:0a:00:00:06 10.0.0.6"])),
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
    let mut params = vec![json!("OVN_Northbound")];
    params.extend(
        ops.iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()?,
    );
    let reply = call(&mut conn, 3, "transact", params).await?;
    let results = decode_transact_reply(&ops, &reply)?;
    println!(
        "  committed, sw0 is {}",
        results[2].uuid().map(|u| u.to_string()).unwrap_or_default()
    );

    // A transaction that fails: the whole transaction changes nothing, and we learn why.
    let bad: Vec<Operation> = vec![Operation::update(
        "Logical_Switch_Port",
        vec![Condition::eq("name", "web-1")],
        Row::new().with("tag_request", 5000i64),
    )];
    let mut params = vec![json!("OVN_Northbound")];
    params.extend(
        bad.iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()?,
    );
    let reply = call(&mut conn, 4, "transact", params).await?;
    match decode_transact_reply(&bad, &reply) {
        Ok(_) => println!("transact: unexpectedly accepted tag_request=5000"),
        Err(e) => println!("transact: tag_request=5000 refused: {e}"),
    }

    let echo = call(&mut conn, 5, "echo", vec![json!("still there?")]).await?;
    println!("echo: {echo}");
    Ok(())
}

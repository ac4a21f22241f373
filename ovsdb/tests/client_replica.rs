//! The replica kept by the client, against a real ovsdb-server: read-your-writes, event
//! batches, a map-key index, and a reconnect after offline changes that yields only the real
//! differences (no purge-and-re-add storm).

mod support;

use std::time::Duration;

use ovsdb::client::{Client, ClientOptions, ConnectionState, ReplicaOptions};
use ovsdb::data::{Atom, Datum, Row};
use ovsdb::monitor::MonitorRequest;
use ovsdb::ops::{Condition, Operation, UuidName};
use ovsdb::replica::{EventKind, IndexSpec, Replica};
use ovsdb::testing::Sandbox;

const NB: &str = "OVN_Northbound";
const LIMIT: Duration = Duration::from_secs(10);

fn sandbox() -> Sandbox {
    Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).unwrap()
}

async fn client(sb: &Sandbox) -> Client {
    let opts = ClientOptions::new(&sb.remote())
        .unwrap()
        .database(NB)
        .backoff(Duration::from_millis(50), Duration::from_millis(200));
    Client::connect(opts).await.unwrap()
}

fn switch_names(r: &Replica) -> Vec<String> {
    let mut v: Vec<String> = r
        .table("Logical_Switch")
        .map(|t| {
            t.iter()
                .filter_map(|(_, row)| {
                    row.get("name")
                        .and_then(Datum::as_scalar)
                        .and_then(Atom::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Stops the server, runs `offline` (an ovsdb-tool transaction) on its file, restarts it and
/// waits until `c` is connected again.
async fn restart_changed(sb: &mut Sandbox, c: &Client, offline: &serde_json::Value) {
    let mut state = c.state();
    support::stop_and_wait_connecting(sb, &mut state, LIMIT).await;
    let db = sb.dir().join("OVN_Northbound.db");
    ovsdb::testing::run(
        "ovsdb-tool",
        &["transact", db.to_str().unwrap(), &offline.to_string()],
    )
    .unwrap();
    sb.restart().unwrap();
    let reconnected = tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| matches!(s, ConnectionState::Connected { .. })),
    )
    .await
    .is_ok();
    assert!(
        reconnected,
        "{:?} {:?}",
        *c.state().borrow(),
        c.last_error()
    );
}

fn tables() -> Vec<(String, MonitorRequest)> {
    vec![
        ("Logical_Switch".into(), MonitorRequest::all()),
        ("Logical_Switch_Port".into(), MonitorRequest::all()),
    ]
}

fn switch_with_port(sw: &str, port: &str, iface: &str) -> Vec<Operation> {
    let p = UuidName::new("p").unwrap();
    vec![
        Operation::insert(
            "Logical_Switch_Port",
            Row::new()
                .with("name", port)
                .with("external_ids", Datum::map([("iface-id", iface)])),
        )
        .with_uuid_name(p.clone())
        .into(),
        Operation::insert(
            "Logical_Switch",
            Row::new().with("name", sw).with("ports", p.reference()),
        )
        .into(),
    ]
}

#[tokio::test]
async fn read_your_writes_and_events() {
    let sb = sandbox();
    let c = client(&sb).await;
    let mut replica = c
        .replicate(NB, tables(), ReplicaOptions::default().with_events())
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    assert_eq!(replica.read(|r| r.row_count()), 0);

    for i in 0..50 {
        c.transact(
            NB,
            &switch_with_port(&format!("sw{i}"), &format!("p{i}"), "x"),
        )
        .await
        .unwrap();
        // No waiting: the transaction's effects are in the replica when transact returns.
        assert_eq!(replica.read(|r| r.row_count()), 2 * (i + 1));
        // One batch per transaction: the switch and its port.
        let batch = replica
            .try_next_events()
            .expect("events of the transaction");
        assert_eq!(batch.len(), 2);
        assert!(batch.iter().all(|e| e.is_insert()));
    }
    c.transact(
        NB,
        &[Operation::update(
            "Logical_Switch",
            vec![Condition::eq("name", "sw7")],
            Row::new().with("external_ids", Datum::map([("k", "v")])),
        )],
    )
    .await
    .unwrap();
    let batch = replica.try_next_events().unwrap();
    assert_eq!(batch.len(), 1);
    let EventKind::Update { old, new } = &batch[0].kind else {
        panic!("{:?}", batch[0])
    };
    assert_eq!(old.get("external_ids"), Some(&Datum::empty_map()));
    assert_eq!(new.get("external_ids"), Some(&Datum::map([("k", "v")])));
    // Every modification also changes `_version`.
    assert_eq!(batch[0].changed_columns(), vec!["_version", "external_ids"]);
    // Deleting a switch garbage-collects its port: two delete events in one batch.
    c.transact(
        NB,
        &[Operation::delete(
            "Logical_Switch",
            vec![Condition::eq("name", "sw7")],
        )],
    )
    .await
    .unwrap();
    let batch = replica.try_next_events().unwrap();
    assert_eq!(batch.iter().filter(|e| e.is_delete()).count(), 2);
    assert_eq!(replica.read(|r| r.row_count()), 98);
}

#[tokio::test]
async fn index_on_a_map_key() {
    let sb = sandbox();
    let c = client(&sb).await;
    let spec = IndexSpec::parse("Logical_Switch_Port", "external_ids:iface-id");
    let replica = c
        .replicate(
            NB,
            tables(),
            ReplicaOptions::default().with_index(spec.clone()),
        )
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    for i in 0..20 {
        c.transact(
            NB,
            &switch_with_port(&format!("sw{i}"), &format!("p{i}"), &format!("pod-{i}")),
        )
        .await
        .unwrap();
    }
    let id = replica.read(|r| r.index_id(&spec)).unwrap();
    let port_of = |iface: &str| {
        replica.read(|r| {
            r.lookup(id, &Atom::from(iface))
                .map(|(_, row)| row.get("name").cloned())
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(port_of("pod-13"), vec![Some(Datum::from("p13"))]);
    // The key moves to another port: the index follows at once.
    c.transact(
        NB,
        &[Operation::update(
            "Logical_Switch_Port",
            vec![Condition::eq("name", "p13")],
            Row::new().with("external_ids", Datum::map([("iface-id", "pod-x")])),
        )],
    )
    .await
    .unwrap();
    assert!(port_of("pod-13").is_empty());
    assert_eq!(port_of("pod-x"), vec![Some(Datum::from("p13"))]);
}

/// While the client is away, the database changes offline (ovsdb-tool transact on the file).
/// After the reconnect a standalone server cannot resume the monitor, so the replica is
/// replaced, and the subscriber sees exactly the rows that changed, nothing else.
#[tokio::test]
async fn a_reset_yields_only_the_real_differences() {
    let mut sb = sandbox();
    let c = client(&sb).await;
    let mut replica = c
        .replicate(NB, tables(), ReplicaOptions::default().with_events())
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    for i in 0..100 {
        c.transact(
            NB,
            &switch_with_port(&format!("sw{i}"), &format!("p{i}"), "x"),
        )
        .await
        .unwrap();
        // Events are never dropped: an undrained subscriber would stall the connection.
        while replica.try_next_events().is_some() {}
    }
    assert_eq!(replica.read(|r| r.row_count()), 200);

    let offline = serde_json::json!([
        NB,
        {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "sw5"]]},
        {"op": "update", "table": "Logical_Switch", "where": [["name", "==", "sw6"]],
         "row": {"external_ids": ["map", [["changed", "offline"]]]}},
        {"op": "insert", "table": "Logical_Switch", "row": {"name": "new"}}
    ]);
    restart_changed(&mut sb, &c, &offline).await;

    // Exactly: sw5 and its port gone, sw6 updated, "new" inserted. 196 rows untouched.
    let batch = tokio::time::timeout(LIMIT, replica.next_events())
        .await
        .unwrap()
        .unwrap();
    let mut seen: Vec<String> = batch
        .iter()
        .map(|e| {
            let row = e.new_row().or(e.old()).unwrap();
            let name = row
                .get("name")
                .and_then(Datum::as_scalar)
                .and_then(Atom::as_str)
                .unwrap_or("?");
            let kind = match e.kind {
                EventKind::Insert { .. } => "insert",
                EventKind::Update { .. } => "update",
                EventKind::Delete { .. } => "delete",
            };
            format!("{kind} {} {name}", e.table)
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            "delete Logical_Switch sw5",
            "delete Logical_Switch_Port p5",
            "insert Logical_Switch new",
            "update Logical_Switch sw6",
        ]
    );
    assert!(replica.try_next_events().is_none());
    assert_eq!(replica.read(|r| r.row_count()), 199);
    let names = replica.read(switch_names);
    assert!(names.contains(&"new".to_string()) && !names.contains(&"sw5".to_string()));
}

/// A subscriber that stops reading stalls the connection instead of losing events; once it
/// reads again, every event arrives, in order.
#[tokio::test]
async fn a_slow_subscriber_slows_the_connection_and_loses_nothing() {
    let sb = sandbox();
    let c = client(&sb).await;
    let mut replica = c
        .replicate(NB, tables(), ReplicaOptions::default().with_events())
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    let writer = c.clone();
    let writes = tokio::spawn(async move {
        for i in 0..200 {
            writer
                .transact(
                    NB,
                    &switch_with_port(&format!("sw{i}"), &format!("p{i}"), "x"),
                )
                .await
                .unwrap();
        }
    });
    // Nobody reads: the writes cannot all complete (the buffer holds 64 batches).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !writes.is_finished(),
        "the connection did not wait for the subscriber"
    );
    let mut inserted = Vec::new();
    while inserted.len() < 400 {
        let batch = tokio::time::timeout(LIMIT, replica.next_events())
            .await
            .unwrap()
            .unwrap();
        for e in batch {
            assert!(e.is_insert());
            if e.table == "Logical_Switch" {
                let name = e.new_row().and_then(|r| r.get("name").cloned());
                inserted.push(name);
            } else {
                inserted.push(None);
            }
        }
    }
    tokio::time::timeout(LIMIT, writes).await.unwrap().unwrap();
    let switches: Vec<_> = inserted.into_iter().flatten().collect();
    let expected: Vec<_> = (0..200).map(|i| Datum::from(format!("sw{i}"))).collect();
    assert_eq!(switches, expected, "every event, in commit order");
}

/// Every row of `table`, keyed by UUID.
fn rows_of(r: &Replica, table: &str) -> std::collections::BTreeMap<ovsdb::data::Uuid, Row> {
    r.table(table)
        .map(|t| t.iter().map(|(u, row)| (u, (**row).clone())).collect())
        .unwrap_or_default()
}

/// `n` switches with a port each, in one transaction.
fn many_switches(n: usize) -> Vec<Operation> {
    let mut ops = Vec::new();
    for i in 0..n {
        let p = UuidName::new(&format!("p{i}")).unwrap();
        let iface = format!("iface-{i}-with-an-id-long-enough-to-live-on-the-heap");
        let port = Row::new()
            .with("name", format!("p{i}").as_str())
            .with("external_ids", Datum::map([("iface-id", iface.as_str())]));
        ops.push(
            Operation::insert("Logical_Switch_Port", port)
                .with_uuid_name(p.clone())
                .into(),
        );
        let switch = Row::new()
            .with("name", format!("sw{i}").as_str())
            .with("ports", p.reference());
        ops.push(Operation::insert("Logical_Switch", switch).into());
    }
    ops
}

/// An initial monitor reply far larger than `max_message_size` arrives in parts whose rows
/// are decoded as they come: the replica syncs, holds exactly what a client with the default
/// limit sees, and syncs again the same way when a restarted server sends everything anew.
/// Other replies stay bounded by the limit.
#[tokio::test]
async fn a_monitor_reply_larger_than_the_message_limit_is_decoded_in_parts() {
    const SMALL: usize = 16 * 1024;
    let mut sb = sandbox();
    let writer = client(&sb).await;
    writer.transact(NB, &many_switches(400)).await.unwrap();
    let opts = ClientOptions::new(&sb.remote())
        .unwrap()
        .database(NB)
        .backoff(Duration::from_millis(50), Duration::from_millis(200))
        .max_message_size(SMALL);
    let small = Client::connect(opts).await.unwrap();
    let streamed = small
        .replicate(NB, tables(), ReplicaOptions::default())
        .await
        .unwrap();
    streamed.synced(LIMIT).await.unwrap();
    let whole = writer
        .replicate(NB, tables(), ReplicaOptions::default())
        .await
        .unwrap();
    whole.synced(LIMIT).await.unwrap();
    assert_eq!(streamed.read(|r| r.row_count()), 800);
    for table in ["Logical_Switch", "Logical_Switch_Port"] {
        let (a, b) = (
            streamed.read(|r| rows_of(r, table)),
            whole.read(|r| rows_of(r, table)),
        );
        assert_eq!(a, b, "{table}");
    }
    // The tables were built as the parts arrived, indexes included: the schema's index on
    // port names finds each port, the one a scan of the rows finds.
    let by_name = |r: &Replica, name: &str| {
        let id = r
            .index_id(&IndexSpec::column("Logical_Switch_Port", "name"))
            .expect("the schema's index");
        r.lookup(id, &Atom::from(name))
            .map(|(u, _)| u)
            .collect::<Vec<_>>()
    };
    let by_scan = |r: &Replica, name: &str| {
        rows_of(r, "Logical_Switch_Port")
            .into_iter()
            .filter(|(_, row)| row.get("name") == Some(&Datum::from(Atom::from(name))))
            .map(|(u, _)| u)
            .collect::<Vec<_>>()
    };
    for i in [0, 1, 199, 399] {
        let name = format!("p{i}");
        let found = streamed.read(|r| by_name(r, &name));
        assert_eq!(found.len(), 1, "{name}");
        assert_eq!(found, streamed.read(|r| by_scan(r, &name)), "{name}");
    }
    // The reply really was past the limit: a select of the same rows is refused by it.
    let select = Operation::select("Logical_Switch_Port", vec![]);
    let err = small.transact(NB, &[select.into()]).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("exceeds the maximum message size of 16384 bytes"),
        "{err}"
    );

    // A restarted server, changed while it was down, sends the whole contents again.
    drop(whole);
    drop(writer);
    let offline = serde_json::json!([
        NB,
        {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "sw5"]]},
        {"op": "insert", "table": "Logical_Switch", "row": {"name": "offline"}}
    ]);
    restart_changed(&mut sb, &small, &offline).await;
    let fresh = client(&sb).await;
    let whole = fresh
        .replicate(NB, tables(), ReplicaOptions::default())
        .await
        .unwrap();
    whole.synced(LIMIT).await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let same = ["Logical_Switch", "Logical_Switch_Port"]
            .iter()
            .all(|t| streamed.read(|r| rows_of(r, t)) == whole.read(|r| rows_of(r, t)));
        if same {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the replica never caught up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let names = streamed.read(switch_names);
    assert!(names.contains(&"offline".to_string()) && !names.contains(&"sw5".to_string()));
}

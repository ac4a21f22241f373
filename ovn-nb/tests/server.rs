//! Typed transactions, updates, lookups and schema skew against a real ovsdb-server.

use std::collections::BTreeMap;

use ovn_nb::{LogicalSwitch, LogicalSwitchPort, LogicalSwitchPortUpdate};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::ops::Until;
use ovsdb::testing::Sandbox;
use ovsdb::typed::{Ref, Table, Transaction};

const SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";

async fn connect(sandbox: &Sandbox) -> Client {
    Client::connect(
        ClientOptions::new(&sandbox.remote())
            .unwrap()
            .database(ovn_nb::NAME),
    )
    .await
    .unwrap()
}

fn port(name: &str, tag: Option<i64>) -> LogicalSwitchPort {
    LogicalSwitchPort {
        name: name.into(),
        tag_request: tag,
        addresses: ["unknown".to_string()].into(),
        external_ids: BTreeMap::from([("owner".to_string(), name.to_uppercase())]),
        ..Default::default()
    }
}

/// Logical_Switch_Port is not a root table: a port only lives while a switch references it.
fn hold(txn: &mut Transaction, switch: &str, ports: &[&Ref<LogicalSwitchPort>]) {
    txn.insert(&LogicalSwitch {
        name: switch.into(),
        ports: ports.iter().map(|p| (*p).clone()).collect(),
        ..Default::default()
    });
}

#[tokio::test]
async fn switch_with_two_ports_in_one_transaction() {
    let sandbox = Sandbox::start(&[SCHEMA]).unwrap();
    let client = connect(&sandbox).await;

    let mut txn = ovn_nb::transaction();
    let p1 = txn.insert(&port("p1", Some(10)));
    let p2 = txn.insert(&port("p2", None));
    let sw = txn.insert(&LogicalSwitch {
        name: "sw0".into(),
        ports: [p1.clone(), p2.clone()].into(),
        ..Default::default()
    });
    let done = txn.commit(&client).await.unwrap();
    let (p1, p2, sw) = (
        done.resolve(&p1).unwrap(),
        done.resolve(&p2).unwrap(),
        done.resolve(&sw).unwrap(),
    );

    // Read back through the typed lookups.
    let switches: Vec<LogicalSwitch> = ovn_nb::by_name(&client, "sw0").await.unwrap();
    assert_eq!(switches.len(), 1);
    assert_eq!(switches[0].uuid, sw.uuid());
    assert_eq!(switches[0].ports, [p1.clone(), p2.clone()].into());
    let ports: Vec<LogicalSwitchPort> = ovn_nb::by_external_id(&client, "owner", "P2")
        .await
        .unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].uuid, p2.uuid());
    assert_eq!(ports[0].tag_request, None);
    let ports: Vec<LogicalSwitchPort> = ovn_nb::with_external_id_key(&client, "owner")
        .await
        .unwrap();
    assert_eq!(ports.len(), 2);

    // The ovn-nbctl oracle sees the same thing.
    let out = sandbox
        .ovsdb_client(&[
            "dump",
            "OVN_Northbound",
            "Logical_Switch_Port",
            "name",
            "tag_request",
        ])
        .unwrap();
    assert!(
        out.contains("p1") && out.contains("p2") && out.contains("10"),
        "{out}"
    );

    // A typed select and a wait in one transaction, decoded with the row type.
    let mut txn = ovn_nb::transaction();
    txn.wait(
        [LogicalSwitchPort::NAME.eq("p1")],
        &[LogicalSwitchPort::TAG_REQUEST.id()],
        Until::Equal,
        &[port("p1", Some(10))],
        Some(std::time::Duration::ZERO),
    );
    let sel = txn.select([LogicalSwitchPort::TAG_REQUEST.eq(10)]);
    let done = txn.commit(&client).await.unwrap();
    let rows = done.rows(sel).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "p1");

    // Mutate through typed columns, delete through a reference.
    let mut txn = ovn_nb::transaction();
    txn.mutate(
        [LogicalSwitch::NAME.eq("sw0")],
        [LogicalSwitch::PORTS.delete([p2.clone()])],
    );
    txn.delete_row(&p2);
    txn.mutate(
        [LogicalSwitchPort::NAME.eq("p1")],
        LogicalSwitchPort::EXTERNAL_IDS.set_entries([("owner", "someone-else")]),
    );
    txn.commit(&client).await.unwrap();
    let sw: Vec<LogicalSwitch> = ovn_nb::by_name(&client, "sw0").await.unwrap();
    assert_eq!(sw[0].ports, [p1].into());
    let p: Vec<LogicalSwitchPort> = ovn_nb::by_name(&client, "p1").await.unwrap();
    assert_eq!(p[0].external_ids["owner"], "someone-else");
}

#[tokio::test]
async fn update_clears_a_column_and_leaves_the_others() {
    let sandbox = Sandbox::start(&[SCHEMA]).unwrap();
    let client = connect(&sandbox).await;
    let mut txn = ovn_nb::transaction();
    let p = txn.insert(&port("p1", Some(42)));
    hold(&mut txn, "sw0", &[&p]);
    let p = txn.commit(&client).await.unwrap().resolve(&p).unwrap();

    let mut txn = ovn_nb::transaction();
    txn.update_row(&p, &LogicalSwitchPortUpdate::default().tag_request(None));
    txn.commit(&client).await.unwrap();

    let rows: Vec<LogicalSwitchPort> = ovn_nb::select(&client, [LogicalSwitchPort::UUID.eq(p)])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].tag_request, None, "set to empty");
    assert_eq!(rows[0].name, "p1", "untouched");
    assert_eq!(
        rows[0].addresses,
        ["unknown".to_string()].into(),
        "untouched"
    );
    assert_eq!(rows[0].external_ids["owner"], "P1", "untouched");

    // A constraint violation is reported with the typed column's value.
    let mut txn = ovn_nb::transaction();
    txn.update(
        [LogicalSwitchPort::NAME.eq("p1")],
        &LogicalSwitchPort::update().tag_request(5000),
    );
    let err = txn.commit(&client).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("5000 is not in the valid range 0 to 4095"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_with_a_column_added_and_one_removed() {
    // The NB schema with one column added and one removed.
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap();
    let lsp = &mut schema["tables"]["Logical_Switch_Port"]["columns"];
    lsp.as_object_mut().unwrap().remove("tag_request");
    lsp["color"] = serde_json::json!({"type": "string"});
    schema["tables"]["Shiny_New_Table"] =
        serde_json::json!({"columns": {"x": {"type": "integer"}}, "isRoot": true});
    schema["version"] = serde_json::json!("7.1.0");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ovn-nb-skewed.ovsschema");
    std::fs::write(&path, serde_json::to_vec(&schema).unwrap()).unwrap();

    let sandbox = Sandbox::start(&[&path]).unwrap();
    let client = connect(&sandbox).await;

    let caps = ovn_nb::capabilities(&client).await.unwrap();
    assert_eq!(caps.version(), "7.1.0");
    assert!(!caps.has_column("Logical_Switch_Port", "tag_request"));
    assert!(caps.has_column("Logical_Switch_Port", "addresses"));
    assert!(!caps.supports::<LogicalSwitchPort>());
    assert_eq!(caps.missing_columns::<LogicalSwitchPort>(), ["tag_request"]);
    assert!(caps.supports::<LogicalSwitch>());
    let known = ovn_nb::schema().unwrap();
    assert_eq!(
        caps.missing_columns_of(&known),
        [("Logical_Switch_Port", "tag_request")]
    );
    assert!(caps.missing_tables(&known).is_empty());
    let extra = caps.extra_columns(&known);
    assert!(extra.contains(&("Logical_Switch_Port", "color")));
    assert!(extra.contains(&("Shiny_New_Table", "x")));

    // A transaction adapted to the server leaves the missing column out of the insert;
    // the server's extra column is set with a dynamic operation, and typed reads ignore it.
    let mut txn = ovn_nb::transaction().with_capabilities(caps.clone());
    let p1 = txn.insert(&port("p1", Some(7)));
    hold(&mut txn, "sw0", &[&p1]);
    txn.push(ovsdb::ops::Operation::update(
        "Logical_Switch_Port",
        vec![ovsdb::ops::Condition::eq("name", "p1")],
        ovsdb::data::Row::new().with("color", "blue"),
    ));
    let p1 = txn.commit(&client).await.unwrap().resolve(&p1).unwrap();

    // Without adapting, naming the missing column fails, and says so.
    let err = ovn_nb::by_name::<LogicalSwitchPort>(&client, "p1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tag_request"), "{err}");
    let mut txn = ovn_nb::transaction();
    let p2 = txn.insert(&port("p2", None));
    hold(&mut txn, "sw1", &[&p2]);
    let err = txn.commit(&client).await.unwrap_err();
    assert!(err.to_string().contains("tag_request"), "{err}");

    // Adapted reads work, with the missing column at its default.
    let ports: Vec<LogicalSwitchPort> =
        ovn_nb::select_supported(&client, &caps, [LogicalSwitchPort::NAME.eq("p1")])
            .await
            .unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].uuid, p1.uuid());
    assert_eq!(ports[0].tag_request, None);
    assert_eq!(ports[0].external_ids["owner"], "P1");

    // Tables and columns that did not change work as usual, typed end to end.
    let sw: Vec<LogicalSwitch> = ovn_nb::by_name(&client, "sw0").await.unwrap();
    assert_eq!(sw.len(), 1);
    assert_eq!(sw[0].ports, [p1].into());
    let mut txn = ovn_nb::transaction();
    txn.update(
        [LogicalSwitch::NAME.eq("sw0")],
        &LogicalSwitch::update().other_config([("k".to_string(), "v".to_string())]),
    );
    txn.commit(&client).await.unwrap();

    // Reading whole rows: the server's extra column arrives and decoding ignores it.
    let mut txn = ovn_nb::transaction();
    txn.push(ovsdb::ops::Operation::select("Logical_Switch_Port", vec![]).into());
    let done = txn.commit(&client).await.unwrap();
    let rows = done.results()[0].rows().unwrap();
    assert_eq!(
        rows[0].get("color"),
        Some(&ovsdb::data::Datum::from(ovsdb::data::Atom::from("blue")))
    );
    let typed = LogicalSwitchPort::from_row(&rows[0]).unwrap();
    assert_eq!(typed.name, "p1");
}

/// A typed view of the client's replica: get by uuid, by index (name, an external_ids key),
/// iterate, and typed change events.
#[tokio::test]
async fn typed_replica_access() {
    use ovsdb::client::ReplicaOptions;
    use ovsdb::data::Atom;
    use ovsdb::monitor::MonitorRequest;
    use ovsdb::typed::TypedEvent;

    let sandbox = Sandbox::start(&[SCHEMA]).unwrap();
    let client = connect(&sandbox).await;
    let mut replica = client
        .replicate(
            ovn_nb::NAME,
            vec![
                (LogicalSwitch::TABLE.into(), MonitorRequest::all()),
                (LogicalSwitchPort::TABLE.into(), MonitorRequest::all()),
            ],
            ReplicaOptions::default().with_events(),
        )
        .await
        .unwrap();
    replica
        .synced(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    let mut txn = ovn_nb::transaction();
    let a = txn.insert(&port("a", Some(7)));
    let b = txn.insert(&port("b", None));
    hold(&mut txn, "sw0", &[&a, &b]);
    let done = txn.commit(&client).await.unwrap();
    let a_uuid = done.resolve(&a).and_then(|r| r.uuid()).unwrap();

    // By uuid, by the schema's name index, by a map key (scan), and every row.
    let got: LogicalSwitchPort = replica
        .read(|r| r.get_typed::<LogicalSwitchPort>(a_uuid))
        .unwrap()
        .unwrap();
    assert_eq!((got.name.as_str(), got.tag_request), ("a", Some(7)));
    assert_eq!(got.row_uuid(), Some(a_uuid));
    assert_eq!(got.row_ref().and_then(|r| r.uuid()), Some(a_uuid));
    let by_name = replica.read(|r| r.find_typed::<LogicalSwitchPort>("name", &Atom::from("b")));
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].as_ref().unwrap().tag_request, None);
    let by_owner =
        replica.read(|r| r.find_typed::<LogicalSwitchPort>("external_ids:owner", &Atom::from("A")));
    assert_eq!(by_owner[0].as_ref().unwrap().name, "a");
    let all = replica.read(|r| r.rows_typed::<LogicalSwitchPort>());
    assert_eq!(all.len(), 2);
    let sw: Vec<LogicalSwitch> = replica
        .read(|r| r.rows_typed::<LogicalSwitch>())
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(sw[0].ports.len(), 2);

    // Typed events: the insert batch, then an update with old and new.
    let batch = replica.try_next_events().unwrap();
    let inserted: Vec<String> = batch
        .iter()
        .filter_map(TypedEvent::<LogicalSwitchPort>::from_event)
        .map(|e| match e.unwrap() {
            TypedEvent::Insert(p) => p.name,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(inserted.len(), 2);
    let mut txn = ovn_nb::transaction();
    txn.update(
        [LogicalSwitchPort::NAME.eq("a")],
        &LogicalSwitchPort::update().tag_request(None),
    );
    txn.commit(&client).await.unwrap();
    let batch = replica.try_next_events().unwrap();
    let Some(Ok(TypedEvent::Update { old, new })) = batch
        .iter()
        .find_map(TypedEvent::<LogicalSwitchPort>::from_event)
    else {
        panic!("{batch:?}")
    };
    assert_eq!((old.tag_request, new.tag_request), (Some(7), None));
    assert_eq!(new.name, "a");
}

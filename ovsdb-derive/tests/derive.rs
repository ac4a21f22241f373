//! `#[derive(Table)]` on user structs.

use std::collections::BTreeMap;

use ovsdb::data::{Datum, Row, Uuid};
use ovsdb::typed::{Column, Ref, Table, Transaction};
use ovsdb_derive::Table;

/// A controller's view of a port: three columns.
#[derive(Debug, Clone, PartialEq, Table)]
#[ovsdb(table = "Port", schema = "tests/demo.ovsschema")]
struct PortView {
    #[ovsdb(uuid)]
    id: Option<Uuid>,
    name: String,
    #[ovsdb(column = "tag")]
    vlan: Option<i64>,
    #[ovsdb(column = "type")]
    kind: String,
}

/// No schema check, a map column and `_version`.
#[derive(Debug, Clone, PartialEq, Table)]
#[ovsdb(table = "Switch")]
pub struct SwitchIds {
    #[ovsdb(uuid)]
    pub uuid: Option<Ref<SwitchIds>>,
    #[ovsdb(version)]
    pub version: Option<Uuid>,
    pub external_ids: BTreeMap<String, String>,
}

#[test]
fn maps_a_subset_of_columns() {
    assert_eq!(PortView::TABLE, "Port");
    assert_eq!(PortView::COLUMNS, ["name", "tag", "type"]);
    let u = Uuid::new_v4();
    let row = Row::new()
        .with("_uuid", u)
        .with("name", "p1")
        .with("tag", 5i64)
        .with("type", "patch")
        .with("weights", Datum::set([1.0]));
    let view = PortView::try_from(&row).unwrap();
    assert_eq!(view.id, Some(u));
    assert_eq!(view.vlan, Some(5));
    assert_eq!(view.row_uuid(), Some(u));
    assert_eq!(
        Row::from(&view),
        Row::new()
            .with("name", "p1")
            .with("tag", 5i64)
            .with("type", "patch")
    );
    let c: Column<PortView, Option<i64>> = PortView::VLAN;
    assert_eq!(c.name(), "tag");
}

#[test]
fn typed_transactions_work_with_derived_rows() {
    let mut txn = Transaction::new("Demo");
    let r = txn.insert(&SwitchIds {
        uuid: None,
        version: None,
        external_ids: BTreeMap::from([("k".into(), "v".into())]),
    });
    txn.mutate(
        [SwitchIds::EXTERNAL_IDS.contains_entry("k", "v")],
        SwitchIds::EXTERNAL_IDS.set_entries([("k", "w")]),
    );
    txn.delete_row(&r);
    let json = serde_json::to_string(txn.operations()).unwrap();
    assert_eq!(
        json,
        r#"[{"op":"insert","table":"Switch","row":{"external_ids":["map",[["k","v"]]]},"uuid-name":"row1"},{"op":"mutate","table":"Switch","where":[["external_ids","includes",["map",[["k","v"]]]]],"mutations":[["external_ids","delete",["set",["k"]]],["external_ids","insert",["map",[["k","w"]]]]]},{"op":"delete","table":"Switch","where":[["_uuid","==",["named-uuid","row1"]]]}]"#
    );
    let (name, req) = ovsdb::typed::lookup::monitor_request::<PortView>();
    assert_eq!(name, "Port");
    assert_eq!(req.columns, ["name", "tag", "type"]);
}

//! Every table round-trips typed <-> dynamic for generated rows that satisfy the column
//! constraints.

#[path = "../../ovn-nb/tests/common/mod.rs"]
mod common;

use ovs_vswitch::AnyRow;
use ovsdb::data::{Row, Uuid};

fn decode(table: &str, row: &Row) -> Option<Result<(Row, Option<Uuid>), String>> {
    AnyRow::from_row(table, row).map(|r| {
        r.map(|typed| (typed.to_row(), typed.row_uuid()))
            .map_err(|e| e.to_string())
    })
}

#[test]
fn every_table_round_trips() {
    let schema = ovs_vswitch::schema().unwrap();
    assert_eq!(schema.name, ovs_vswitch::NAME);
    assert_eq!(schema.version, ovs_vswitch::VERSION);
    assert_eq!(schema.cksum.as_deref(), ovs_vswitch::CKSUM);
    let tables: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(tables, ovs_vswitch::TABLES);
    assert_eq!(common::round_trip_every_table(&schema, 64, &decode), 19);
}

#[test]
fn integer_maps_and_the_other_variant() {
    use ovs_vswitch::{Bridge, Controller, ControllerRole};
    use ovsdb::data::Datum;
    use ovsdb::typed::{Ref, Table};
    let table = Uuid::new_v4();
    let row = Row::new()
        .with("name", "br0")
        .with("flow_tables", Datum::map([(0i64, table)]));
    let br = Bridge::from_row(&row).unwrap();
    assert_eq!(br.flow_tables.get(&0), Some(&Ref::new(table)));
    // Controller.role has a value "other", so the unknown-value variant is `Unknown`.
    let c = Controller::from_row(&Row::new().with("role", "other")).unwrap();
    assert_eq!(c.role, Some(ControllerRole::Other));
    let c = Controller::from_row(&Row::new().with("role", "observer")).unwrap();
    assert_eq!(c.role, Some(ControllerRole::Unknown("observer".into())));
}

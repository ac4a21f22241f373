//! Every table of OVN_Northbound round-trips typed <-> dynamic for generated rows that
//! satisfy the column constraints, and decoding tolerates what a newer server sends.

#[path = "common/mod.rs"]
mod common;

use ovn_nb::{AclAction, AnyRow, LogicalSwitchPort};
use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::typed::{Table, TableUpdate, ValueError};

fn decode(table: &str, row: &Row) -> Option<Result<(Row, Option<Uuid>), String>> {
    AnyRow::from_row(table, row).map(|r| {
        r.map(|typed| (typed.to_row(), typed.row_uuid()))
            .map_err(|e| e.to_string())
    })
}

#[test]
fn every_table_round_trips() {
    let schema = ovn_nb::schema().unwrap();
    assert_eq!(schema.name, ovn_nb::NAME);
    assert_eq!(schema.version, ovn_nb::VERSION);
    assert_eq!(schema.cksum.as_deref(), ovn_nb::CKSUM);
    let tables: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(tables, ovn_nb::TABLES);
    assert_eq!(common::round_trip_every_table(&schema, 64, &decode), 30);
}

#[test]
fn unknown_enum_values_and_extra_columns_decode() {
    let row = Row::new()
        .with("action", "allow-over-the-rainbow")
        .with("direction", "to-lport")
        .with("priority", 100i64)
        .with("match", "ip4")
        .with("column_from_the_future", 7i64);
    let acl = ovn_nb::Acl::from_row(&row).unwrap();
    assert_eq!(
        acl.action,
        AclAction::Other("allow-over-the-rainbow".into())
    );
    assert!(!acl.action.is_known());
    assert_eq!(acl.direction, ovn_nb::AclDirection::ToLport);
    assert_eq!(acl.r#match, "ip4");
    // Unknown values are written back as they came; unknown columns are not written.
    let back = acl.to_row();
    assert_eq!(back.get("action"), row.get("action"));
    assert!(back.get("column_from_the_future").is_none());
    assert_eq!(AclAction::from("drop"), AclAction::Drop);
    assert_eq!(AclAction::AllowRelated.to_string(), "allow-related");
    assert_eq!(AclAction::KNOWN.len(), 5);
}

#[test]
fn wrong_types_are_errors_naming_table_and_column() {
    let row = Row::new().with("tag_request", "not a number");
    let err = LogicalSwitchPort::from_row(&row).unwrap_err();
    assert_eq!(err.table, "Logical_Switch_Port");
    assert_eq!(err.column, "tag_request");
    assert!(matches!(err.error, ValueError::WrongType { .. }));
    assert!(err
        .to_string()
        .starts_with("table Logical_Switch_Port, column tag_request:"));

    let two = Row::new().with("tag_request", Datum::set([1i64, 2]));
    assert!(LogicalSwitchPort::try_from(&two).is_err());
}

#[test]
fn missing_columns_take_defaults() {
    let port = LogicalSwitchPort::from_row(&Row::new().with("name", "p1")).unwrap();
    assert_eq!(port.name, "p1");
    assert_eq!(port.tag_request, None);
    assert!(port.addresses.is_empty());
    assert_eq!(port.uuid, None);
}

#[test]
fn updates_send_only_what_was_set() {
    let update = LogicalSwitchPort::update()
        .tag_request(None)
        .addresses(["unknown".to_string()]);
    let row = update.to_row();
    assert_eq!(row.len(), 2);
    assert_eq!(row.get("tag_request"), Some(&Datum::empty_set()));
    assert_eq!(
        row.get("addresses"),
        Some(&Datum::from(Atom::from("unknown")))
    );
    assert!(LogicalSwitchPort::update().is_empty());

    let old = LogicalSwitchPort {
        name: "p".into(),
        tag_request: Some(5),
        ..Default::default()
    };
    let new = LogicalSwitchPort {
        tag_request: None,
        ..old.clone()
    };
    let diff = ovn_nb::LogicalSwitchPortUpdate::from_diff(&old, &new);
    assert_eq!(
        diff.to_row(),
        Row::new().with("tag_request", Datum::empty_set())
    );
}

#[test]
fn typed_conditions_and_mutations() {
    let c = LogicalSwitchPort::NAME.eq("p1");
    assert_eq!(
        serde_json::to_string(c.condition()).unwrap(),
        r#"["name","==","p1"]"#
    );
    let c = LogicalSwitchPort::TAG_REQUEST.eq(None);
    assert_eq!(
        serde_json::to_string(c.condition()).unwrap(),
        r#"["tag_request","==",["set",[]]]"#
    );
    let c = LogicalSwitchPort::EXTERNAL_IDS.contains_entry("owner", "me");
    assert_eq!(
        serde_json::to_string(c.condition()).unwrap(),
        r#"["external_ids","includes",["map",[["owner","me"]]]]"#
    );
    let m = ovn_nb::Acl::PRIORITY.add(1);
    assert_eq!(
        serde_json::to_string(m.mutation()).unwrap(),
        r#"["priority","+=",1]"#
    );
    let c = ovn_nb::Acl::ACTION.eq(AclAction::AllowRelated);
    assert_eq!(
        serde_json::to_string(c.condition()).unwrap(),
        r#"["action","==","allow-related"]"#
    );
}

//! `schema!` on a small schema that uses every shape: scalars, optionals, sets (including of
//! reals), maps (with enum keys), references, an enum with a value named "other", a keyword
//! column, an immutable column.

use std::collections::{BTreeMap, BTreeSet};

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::typed::{Column, Ref, Table, TableUpdate};

mod demo {
    ovsdb_derive::schema!("tests/demo.ovsschema");
}

use demo::{Port, PortLimitsKey, PortType, Switch};

#[test]
fn schema_constants() {
    assert_eq!(demo::NAME, "Demo");
    assert_eq!(demo::VERSION, "1.2.3");
    assert_eq!(demo::CKSUM, Some("12345 678"));
    assert_eq!(demo::TABLES, ["Port", "Switch"]);
    let parsed = demo::schema().unwrap();
    assert_eq!(parsed.tables.len(), 2);
    assert_eq!(<Port as Table>::TABLE, "Port");
    assert_eq!(
        <Port as Table>::COLUMNS,
        ["enabled", "limits", "name", "peer", "ratio", "tag", "type", "weights"]
    );
}

#[test]
fn field_types() {
    let peer = Uuid::new_v4();
    let port = Port {
        uuid: None,
        version: None,
        name: "p".to_string(),
        r#type: PortType::Patch,
        tag: Some(7i64),
        weights: vec![0.5, 1.5],
        ratio: 2.0f64,
        enabled: Some(true),
        peer: Some(Ref::new(peer)),
        limits: BTreeMap::from([(PortLimitsKey::Rate, 10i64)]),
    };
    let row = port.to_row();
    assert_eq!(row.get("type"), Some(&Datum::from(Atom::from("patch"))));
    assert_eq!(row.get("weights"), Some(&Datum::set([0.5, 1.5])));
    assert_eq!(Port::try_from(&row).unwrap(), port);
    let _: Column<Port, PortType> = Port::TYPE;
    let _: Column<Switch, BTreeSet<Ref<Port>>> = Switch::PORTS;
    // "other" is a known value, so the unknown-value variant is `Unknown`.
    assert_eq!(PortType::from("other"), PortType::Other);
    assert_eq!(PortType::from("vxlan"), PortType::Unknown("vxlan".into()));
}

#[test]
fn immutable_columns_have_no_setter() {
    // `name` is immutable: the update type only has the others.
    let u = Port::update().tag(None).r#type(PortType::Internal);
    assert_eq!(
        u.to_row(),
        Row::new()
            .with("tag", Datum::empty_set())
            .with("type", "internal")
    );
    let full = demo::PortUpdate::from_diff(
        &Port::default(),
        &Port {
            name: "renamed".into(),
            ..Port::default()
        },
    );
    assert!(
        full.is_empty(),
        "an immutable column is never part of an update"
    );
}

#[test]
fn any_row() {
    let row = Row::new().with("name", "sw");
    let any = demo::AnyRow::from_row("Switch", &row).unwrap().unwrap();
    assert_eq!(any.table(), "Switch");
    assert!(demo::AnyRow::from_row("Nope", &row).is_none());
}

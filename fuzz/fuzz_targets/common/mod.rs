//! What several targets share: the real schemas (the vendored OVN_Northbound and
//! Open_vSwitch `.ovsschema` files the typed crates are generated from).
#![allow(dead_code)]

use ovsdb::schema::{ColumnType, DatabaseSchema};

/// OVN_Northbound, as `ovn-nb` vendors it.
pub static NB_SCHEMA: &[u8] = include_bytes!("../../../ovn-nb/ovn-nb.ovsschema");

/// Open_vSwitch, as `ovs-vswitch` vendors it.
pub static VSWITCH_SCHEMA: &[u8] = include_bytes!("../../../ovs-vswitch/vswitch.ovsschema");

/// A vendored schema, parsed (the fixtures are real schemas: failing to parse is a bug).
pub fn schema(bytes: &[u8]) -> DatabaseSchema {
    DatabaseSchema::from_slice(bytes).expect("a vendored schema parses")
}

/// Every column of both schemas as `(database, table, column, type)`, sorted by those names
/// (`fuzz/seeds/make_seeds.py` computes the same order to address a column by its index).
pub fn all_columns() -> Vec<(String, String, String, ColumnType)> {
    let mut out = Vec::new();
    for bytes in [NB_SCHEMA, VSWITCH_SCHEMA] {
        let s = schema(bytes);
        for (table, ts) in &s.tables {
            for (column, cs) in &ts.columns {
                out.push((
                    s.name.to_string(),
                    table.to_string(),
                    column.to_string(),
                    cs.column_type.clone(),
                ));
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    out
}

//! Datums decoded against real column types (every column of OVN_Northbound, from a real
//! get_schema reply) from arbitrary bytes: errors are fine, panics are not; whatever decodes
//! satisfies its type's constraints and re-encodes to JSON that decodes to the same datum.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovsdb::schema::{ColumnType, DatabaseSchema};
use ovsdb::wire::RawMessage;

static REPLY: &[u8] = include_bytes!("../../ovsdb/tests/fixtures/nb-get-schema.json");

fn column_types() -> &'static [ColumnType] {
    static TYPES: OnceLock<Vec<ColumnType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let Ok(RawMessage::Response {
            result: Some(result),
            ..
        }) = RawMessage::from_slice(REPLY)
        else {
            panic!("fixture is not a get_schema reply");
        };
        let schema = DatabaseSchema::from_json_str(result.get()).expect("fixture schema parses");
        schema
            .tables
            .values()
            .flat_map(|t| t.columns.values().map(|c| c.column_type.clone()))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let types = column_types();
    let ty = &types[pick as usize % types.len()];
    if let Ok(datum) = ty.datum_from_json_slice(json) {
        assert!(ty.check(&datum).is_ok(), "decoded datum violates its type");
        let again = serde_json::to_vec(&datum).expect("datum encodes");
        assert_eq!(ty.datum_from_json_slice(&again).ok(), Some(datum));
    }
});

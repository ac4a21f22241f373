//! Schema parsing from arbitrary bytes: errors are fine, panics are not, and a schema that
//! parses prints to JSON that parses to the same schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovsdb::schema::DatabaseSchema;

fuzz_target!(|data: &[u8]| {
    if let Ok(schema) = DatabaseSchema::from_slice(data) {
        let printed = serde_json::to_vec(&schema).expect("a parsed schema prints");
        let again = DatabaseSchema::from_slice(&printed).expect("a printed schema parses");
        assert_eq!(again, schema);
    }
});

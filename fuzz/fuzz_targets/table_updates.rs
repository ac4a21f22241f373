//! Monitor updates (`<table-updates>`, `<table-updates2>`, `monitor_cond_since` replies) from
//! arbitrary bytes: errors are fine, panics are not, and whatever decodes re-encodes to
//! something that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovsdb::monitor::{MonitorCondSinceReply, TableUpdates, TableUpdates2};

fuzz_target!(|data: &[u8]| {
    if let Ok(u) = serde_json::from_slice::<TableUpdates>(data) {
        let again = serde_json::to_vec(&u).expect("decoded updates re-encode");
        assert_eq!(serde_json::from_slice::<TableUpdates>(&again).ok(), Some(u));
    }
    if let Ok(u) = serde_json::from_slice::<TableUpdates2>(data) {
        let again = serde_json::to_vec(&u).expect("decoded updates re-encode");
        assert_eq!(serde_json::from_slice::<TableUpdates2>(&again).ok(), Some(u));
    }
    let _ = serde_json::from_slice::<MonitorCondSinceReply>(data);
});

//! Decoding the real server bytes in `tests/fixtures/` (regenerate them with
//! `scripts/gen-fixtures.sh`): monitor replies of an OVN_Northbound database of 20 switches x 100
//! ports, and get_schema replies.

use bytes::{Bytes, BytesMut};
use ovsdb::data::{Atom, Datum, Uuid};
use ovsdb::monitor::{RowChange, TableUpdates, TableUpdates2};
use ovsdb::wire::{JsonFramer, RawMessage};
use tokio_util::codec::Decoder;

const SWITCHES: usize = 20;
const PORTS: usize = 100;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `result` member of a reply frame, as raw JSON text.
fn result_of(frame: &[u8]) -> &str {
    match RawMessage::from_slice(frame).unwrap() {
        RawMessage::Response {
            result: Some(r), ..
        } => r.get(),
        other => panic!("not a reply: {:?}", other.kind()),
    }
}

/// Frames `bytes` fed in reads of `chunk` bytes.
fn frames_in_chunks(bytes: &[u8], chunk: usize) -> Vec<Bytes> {
    let mut framer = JsonFramer::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for part in bytes.chunks(chunk) {
        buf.extend_from_slice(part);
        while let Some(f) = framer.decode(&mut buf).unwrap() {
            out.push(f);
        }
    }
    assert!(framer.decode_eof(&mut buf).unwrap().is_none());
    out
}

fn port_uuid(s: u32, p: u32) -> Uuid {
    let mut b = [0u8; 16];
    b[0..4].copy_from_slice(&s.to_be_bytes());
    b[4] = 0x01;
    b[6] = 0x40;
    b[8] = 0x80;
    b[12..16].copy_from_slice(&p.to_be_bytes());
    Uuid::from_bytes(b)
}

#[test]
fn monitor_reply_decodes_into_rows() {
    let bytes = fixture("nb-monitor.json");
    let updates: TableUpdates = serde_json::from_str(result_of(&bytes)).unwrap();
    assert_eq!(updates.row_count(), SWITCHES * PORTS + SWITCHES);
    let ports = updates
        .tables
        .iter()
        .find(|t| t.table == "Logical_Switch_Port")
        .unwrap();
    assert_eq!(ports.rows.len(), SWITCHES * PORTS);
    let row = ports
        .rows
        .iter()
        .find(|r| r.uuid == port_uuid(7, 42))
        .unwrap();
    assert!(row.old.is_none());
    let new = row.new.as_ref().unwrap();
    assert_eq!(new.get("name"), Some(&Datum::from("ns7_pod-42")));
    assert_eq!(new.get("enabled"), Some(&Datum::from(true)));
    let ids = new.get("external_ids").unwrap().as_map().unwrap();
    assert_eq!(ids.get_str("namespace"), Some(&Atom::from("ns7")));
    // The plain monitor sends every column, empty ones included.
    assert_eq!(new.get("tag_request"), Some(&Datum::empty_set()));
    // Re-encoding gives the same value back.
    let again: TableUpdates =
        serde_json::from_slice(&serde_json::to_vec(&updates).unwrap()).unwrap();
    assert_eq!(again, updates);
}

#[test]
fn monitor_cond_reply_decodes_into_rows() {
    let bytes = fixture("nb-monitor-cond.json");
    let updates: TableUpdates2 = serde_json::from_str(result_of(&bytes)).unwrap();
    assert_eq!(updates.row_count(), SWITCHES * PORTS + SWITCHES);
    for t in &updates.tables {
        for r in &t.rows {
            assert!(matches!(r.change, RowChange::Initial(_)), "{:?}", r.change);
        }
    }
    let switches = updates
        .tables
        .iter()
        .find(|t| t.table == "Logical_Switch")
        .unwrap();
    for sw in &switches.rows {
        let RowChange::Initial(row) = &sw.change else {
            unreachable!()
        };
        assert_eq!(row.get("ports").unwrap().len(), PORTS);
    }
}

#[test]
fn large_replies_frame_identically_for_any_read_size() {
    for name in [
        "nb-monitor.json",
        "nb-monitor-cond.json",
        "nb-get-schema.json",
    ] {
        let bytes = fixture(name);
        // Two replies back to back, with and without whitespace between them.
        let mut stream = bytes.clone();
        stream.extend_from_slice(b"\n");
        stream.extend_from_slice(&bytes);
        stream.extend_from_slice(&bytes);
        for chunk in [1 << 20, 65536, 4096, 1000, 333, 17] {
            let frames = frames_in_chunks(&stream, chunk);
            assert_eq!(frames.len(), 3, "{name} in {chunk}-byte reads");
            for f in &frames {
                assert_eq!(&f[..], &bytes[..], "{name} in {chunk}-byte reads");
            }
        }
    }
}

#[test]
fn get_schema_replies_parse() {
    use ovsdb::schema::DatabaseSchema;
    let nb = DatabaseSchema::from_json_str(result_of(&fixture("nb-get-schema.json"))).unwrap();
    assert_eq!(
        (nb.name.as_str(), nb.version.as_str()),
        ("OVN_Northbound", "7.0.0")
    );
    // The reply is the installed schema file, as the server normalises it.
    let file = DatabaseSchema::from_file("/usr/share/ovn/ovn-nb.ovsschema").unwrap();
    assert_eq!(nb, file);
    let server =
        DatabaseSchema::from_json_str(result_of(&fixture("server-get-schema.json"))).unwrap();
    assert_eq!(server.name, "_Server");
    let db = server.table("Database").unwrap();
    for column in [
        "name",
        "model",
        "connected",
        "leader",
        "schema",
        "sid",
        "cid",
        "index",
    ] {
        assert!(db.column(column).is_some(), "_Server.Database.{column}");
    }
    // Every row of the monitor fixture satisfies the schema it came from.
    let updates: TableUpdates =
        serde_json::from_str(result_of(&fixture("nb-monitor.json"))).unwrap();
    for t in &updates.tables {
        for r in &t.rows {
            nb.check_row(&t.table, r.new.as_ref().unwrap()).unwrap();
        }
    }
}

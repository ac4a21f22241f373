//! Regenerates `ovsdb/tests/fixtures/`: the exact bytes a real ovsdb-server sends for
//! `get_schema` (OVN_Northbound and _Server) and for the initial `monitor` and `monitor_cond`
//! replies of an OVN_Northbound database of 20 switches x 100 ports (2,020 rows).
//!
//! Run with `./scripts/gen-fixtures.sh` (or `cargo run -p benches --bin gen-fixtures`).

use std::path::PathBuf;

use benches::nb_data;
use benches::raw::RawConnection;
use ovsdb::testing::Sandbox;
use serde_json::{json, Map, Value};

const SWITCHES: u32 = 20;
const PORTS: u32 = 100;

fn main() {
    if let Err(e) = run() {
        eprintln!("gen-fixtures: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ovsdb/tests/fixtures");
    std::fs::create_dir_all(&out)?;
    let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
    let mut conn = RawConnection::connect(sandbox.socket())?;
    nb_data::populate(&mut conn, SWITCHES, PORTS)?;

    let schema = conn.call("get_schema", vec![json!("OVN_Northbound")])?;
    std::fs::write(out.join("nb-get-schema.json"), &schema)?;
    let server_schema = conn.call("get_schema", vec![json!("_Server")])?;
    std::fs::write(out.join("server-get-schema.json"), &server_schema)?;

    // Every table, every column.
    let tables: Vec<String> = conn
        .call_value("get_schema", vec![json!("OVN_Northbound")])?
        .get("tables")
        .and_then(Value::as_object)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let requests: Map<String, Value> = tables.iter().map(|t| (t.clone(), json!({}))).collect();

    let monitor = conn.call(
        "monitor",
        vec![
            json!("OVN_Northbound"),
            json!("fixture"),
            Value::Object(requests.clone()),
        ],
    )?;
    std::fs::write(out.join("nb-monitor.json"), &monitor)?;
    let monitor_cond = conn.call(
        "monitor_cond",
        vec![
            json!("OVN_Northbound"),
            json!("fixture-cond"),
            Value::Object(requests),
        ],
    )?;
    std::fs::write(out.join("nb-monitor-cond.json"), &monitor_cond)?;

    let version = ovsdb::testing::run("ovsdb-server", &["--version"])?;
    let readme = format!(
        "# Fixtures: real bytes from ovsdb-server\n\n\
         Regenerate with `./scripts/gen-fixtures.sh`. Each `.json` file is one JSON-RPC reply \
         exactly as the server sent it.\n\n\
         - Server: {}\n\
         - Database: OVN_Northbound from /usr/share/ovn/ovn-nb.ovsschema, filled with {SWITCHES} \
         switches x {PORTS} ports ({} rows) by `benches/src/nb_data.rs`, with deterministic \
         row UUIDs (the `_version` UUIDs differ on each run).\n\n\
         | file | request |\n|---|---|\n\
         | nb-get-schema.json | `get_schema [\"OVN_Northbound\"]` |\n\
         | server-get-schema.json | `get_schema [\"_Server\"]` |\n\
         | nb-monitor.json | `monitor` of every table and column (RFC 7047 `<table-updates>`) |\n\
         | nb-monitor-cond.json | `monitor_cond` of every table and column (`<table-updates2>`) |\n\
         | traffic-ovn-nb.bin | a recorded session (see ovsdb/tests/wire_traffic.rs) |\n",
        version.lines().next().unwrap_or("ovsdb-server"),
        SWITCHES * PORTS + SWITCHES,
    );
    std::fs::write(out.join("README.md"), readme)?;
    for f in [
        "nb-get-schema.json",
        "server-get-schema.json",
        "nb-monitor.json",
        "nb-monitor-cond.json",
    ] {
        let len = std::fs::metadata(out.join(f))?.len();
        println!("wrote {f}: {len} bytes");
    }
    Ok(())
}

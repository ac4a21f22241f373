//! Decoding an initial monitor reply of 100,000 Logical_Switch_Port rows, as MB/s, next to
//! `serde_json::from_slice::<serde_json::Value>` on the same bytes (the floor to beat): into
//! `TableUpdates` / `TableUpdates2` rows, and all the way into a `Replica` (decode + apply).
//!
//! The reply is captured from a real ovsdb-server filled with 1,000 switches x 100 ports at the
//! first run, and cached under the target directory.

use std::path::PathBuf;
use std::sync::Arc;

use benches::nb_data;
use benches::raw::RawConnection;
use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ovsdb::monitor::{TableUpdates, TableUpdates2};
use ovsdb::replica::Replica;
use ovsdb::schema::DatabaseSchema;
use ovsdb::testing::Sandbox;
use ovsdb::wire::{JsonFramer, RawMessage};
use serde_json::{json, Value};
use tokio_util::codec::Decoder;

const SWITCHES: u32 = 1000;
const PORTS: u32 = 100;

/// (monitor reply, monitor_cond reply) for Logical_Switch_Port, all columns, and the
/// `get_schema` reply.
fn replies() -> (Bytes, Bytes, Bytes) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    let plain = dir.join(format!("lsp-monitor-{SWITCHES}x{PORTS}.json"));
    let cond = dir.join(format!("lsp-monitor-cond-{SWITCHES}x{PORTS}.json"));
    let schema = dir.join("nb-get-schema.json");
    if let (Ok(a), Ok(b), Ok(c)) = (
        std::fs::read(&plain),
        std::fs::read(&cond),
        std::fs::read(&schema),
    ) {
        return (a.into(), b.into(), c.into());
    }
    eprintln!("capturing monitor replies of {SWITCHES}x{PORTS} ports from a real ovsdb-server...");
    let sandbox = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).expect("start ovsdb-server");
    let mut conn = RawConnection::connect(sandbox.socket()).expect("connect");
    nb_data::populate(&mut conn, SWITCHES, PORTS).expect("populate");
    let req = json!({"Logical_Switch_Port": {}});
    let a = conn
        .call(
            "monitor",
            vec![json!("OVN_Northbound"), json!(1), req.clone()],
        )
        .expect("monitor");
    let b = conn
        .call("monitor_cond", vec![json!("OVN_Northbound"), json!(2), req])
        .expect("monitor_cond");
    let c = conn
        .call("get_schema", vec![json!("OVN_Northbound")])
        .expect("get_schema");
    std::fs::create_dir_all(&dir).expect("cache dir");
    std::fs::write(&plain, &a).expect("cache");
    std::fs::write(&cond, &b).expect("cache");
    std::fs::write(&schema, &c).expect("cache");
    (a, b, c)
}

fn result_of(frame: &[u8]) -> &str {
    match RawMessage::from_slice(frame).expect("valid reply") {
        RawMessage::Response {
            result: Some(r), ..
        } => r.get(),
        _ => panic!("not a reply"),
    }
}

fn decode(c: &mut Criterion) {
    let (plain, cond, schema) = replies();
    let schema =
        Arc::new(DatabaseSchema::from_slice(result_of(&schema).as_bytes()).expect("schema"));
    let rows = serde_json::from_str::<TableUpdates2>(result_of(&cond))
        .expect("decodes")
        .row_count();
    assert_eq!(rows, (SWITCHES * PORTS) as usize);
    eprintln!(
        "monitor reply: {} bytes, monitor_cond reply: {} bytes, {rows} rows",
        plain.len(),
        cond.len()
    );

    let mut g = c.benchmark_group("monitor_reply_100k_lsp");
    g.sample_size(10);
    for (name, frame) in [("monitor", &plain), ("monitor_cond", &cond)] {
        g.throughput(Throughput::Bytes(frame.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("serde_json::Value", name),
            frame,
            |b, f| b.iter(|| serde_json::from_slice::<Value>(f).expect("json")),
        );
        g.bench_with_input(BenchmarkId::new("framer_only", name), frame, |b, f| {
            b.iter(|| {
                let mut buf = BytesMut::from(&f[..]);
                JsonFramer::new()
                    .with_max_message_size(1 << 30)
                    .decode(&mut buf)
                    .expect("frame")
            })
        });
    }
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_with_input(BenchmarkId::new("ovsdb_rows", "monitor"), &plain, |b, f| {
        b.iter(|| serde_json::from_str::<TableUpdates>(result_of(f)).expect("decode"))
    });
    g.throughput(Throughput::Bytes(cond.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("ovsdb_rows", "monitor_cond"),
        &cond,
        |b, f| b.iter(|| serde_json::from_str::<TableUpdates2>(result_of(f)).expect("decode")),
    );
    g.bench_with_input(
        BenchmarkId::new("ovsdb_replica_apply", "monitor_cond"),
        &cond,
        |b, f| {
            b.iter(|| {
                let updates = serde_json::from_str::<TableUpdates2>(result_of(f)).expect("decode");
                let mut replica = Replica::new(Arc::clone(&schema));
                // As the client applies an initial view: by value.
                replica
                    .replace_tables_owned(&["Logical_Switch_Port"], updates)
                    .expect("apply");
                replica
            })
        },
    );
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

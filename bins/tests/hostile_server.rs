//! rnbctl and rvsctl against a hostile server (the test-only fake of `ovsdb/tests/support`,
//! the one place a fake is right: the real server cannot misbehave on demand). The server
//! completes the session set-up (`_Server` monitor, `set_db_change_aware`) like a real one,
//! then misbehaves at the tool's first request of its own. Whatever it does, the tool exits
//! non-zero with a message on stderr within `--timeout` + 1 s, and its memory stays bounded
//! by the client's maximum message size.

#[path = "../../ovsdb/tests/support/fake.rs"]
mod fake;

use std::process::Output;
use std::time::{Duration, Instant};

use fake::{Conn, FakeServer};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// What the server does with the first request after the set-up.
#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    Garbage,
    Stall,
    EndlessString,
    HalfThenEof,
    DeepNesting,
    WrongSchema,
}

/// The `_Server` row that makes a standalone server usable for `db`.
fn server_rows(db: &str) -> Value {
    json!({"Database": {"5ad1a5b3-6c1c-4c46-9b1e-3a7f0c4b9e01": {"new": {
        "name": db, "model": "standalone", "connected": true, "leader": true,
        "index": ["set", []], "cid": ["set", []], "sid": ["set", []]
    }}}})
}

async fn hostile(db: &'static str, how: Misbehaviour, mut conn: Conn) {
    while let Some(req) = conn.request().await {
        match req["method"].as_str() {
            Some("monitor") if req["params"][0] == "_Server" => {
                if conn.reply(&req, server_rows(db)).await.is_err() {
                    return;
                }
            }
            Some("set_db_change_aware") => {
                if conn.reply(&req, json!({})).await.is_err() {
                    return;
                }
            }
            // The tools ask for the schema in the handshake, ahead of the `_Server`
            // monitor, and again once connected if that answer was unusable.
            Some("get_schema") if matches!(how, Misbehaviour::WrongSchema) => {
                if conn
                    .reply(&req, json!({"name": 7, "tables": "none"}))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            _ => return misbehave(how, req, conn).await,
        }
    }
}

async fn misbehave(how: Misbehaviour, req: Value, mut conn: Conn) {
    let w = &mut conn.writer;
    match how {
        Misbehaviour::Garbage => {
            let _ = w.write_all(b"\x16\x03\x01 this is not JSON <html>").await;
        }
        Misbehaviour::Stall => return conn.drain().await,
        Misbehaviour::EndlessString => {
            let _ = w.write_all(b"{\"id\": 0, \"result\": \"").await;
            let chunk = vec![b'x'; 1 << 16];
            let mut sent = 0usize;
            // Stops when the tool hangs up (or, if it never did, after 4 GB).
            while sent < 1 << 32 && w.write_all(&chunk).await.is_ok() {
                sent += chunk.len();
            }
            return;
        }
        Misbehaviour::HalfThenEof => {
            let text = json!({"id": req["id"], "result": {"name": "x"}, "error": null}).to_string();
            let _ = w.write_all(&text.as_bytes()[..text.len() / 2]).await;
            return;
        }
        Misbehaviour::DeepNesting => {
            let mut bytes = b"{\"id\": 0, \"result\": ".to_vec();
            bytes.extend(vec![b'['; 2_000_000]);
            let _ = w.write_all(&bytes).await;
        }
        Misbehaviour::WrongSchema => {
            let _ = conn.reply(&req, json!({"name": 7, "tables": "none"})).await;
        }
    }
    conn.drain().await;
}

const TIMEOUT: u64 = 2;

/// Runs `program --db=<fake> -t 2 args` against a server that misbehaves as `how`.
async fn run(program: &str, db: &'static str, how: Misbehaviour, args: &[&str]) -> Output {
    let server = FakeServer::start(move |_n, conn| hostile(db, how, conn)).await;
    let mut cmd = tokio::process::Command::new(program);
    cmd.arg(format!("--db={}", server.remote()))
        .arg(format!("--timeout={TIMEOUT}"))
        .args(args)
        .kill_on_drop(true);
    let started = Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{program} {how:?}: still running after 30 s"))
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{program} {how:?}: exited 0; stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.trim().is_empty(), "{program} {how:?}: no message");
    assert!(!stderr.contains("panicked"), "{program} {how:?}: {stderr}");
    // The promise is "within --timeout + 1 s": a hang guard, not a performance figure.
    assert!(
        took < Duration::from_secs(TIMEOUT + 1),
        "{program} {how:?}: took {took:?}; stderr {stderr}"
    );
    eprintln!(
        "{program} {how:?}: exit {:?} after {took:?}: {}",
        out.status.code(),
        stderr.trim()
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ALL: [Misbehaviour; 6] = [
    Misbehaviour::Garbage,
    Misbehaviour::Stall,
    Misbehaviour::EndlessString,
    Misbehaviour::HalfThenEof,
    Misbehaviour::DeepNesting,
    Misbehaviour::WrongSchema,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rnbctl_ends_cleanly_whatever_the_server_does() {
    for how in ALL {
        let out = run(
            env!("CARGO_BIN_EXE_rnbctl"),
            "OVN_Northbound",
            how,
            &["show"],
        )
        .await;
        let said = stderr(&out);
        match how {
            Misbehaviour::Stall => {
                assert_eq!(out.status.code(), Some(142), "{said}");
                assert!(said.contains("timed out after 2 seconds"), "{said}");
            }
            Misbehaviour::EndlessString => {
                assert!(said.contains("exceeds the maximum message size"), "{said}")
            }
            Misbehaviour::WrongSchema => assert!(said.contains("get_schema"), "{said}"),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rvsctl_ends_cleanly_whatever_the_server_does() {
    for how in ALL {
        let out = run(
            env!("CARGO_BIN_EXE_rvsctl"),
            "Open_vSwitch",
            how,
            &["--no-wait", "add-br", "br0"],
        )
        .await;
        if let Misbehaviour::Stall = how {
            assert_eq!(out.status.code(), Some(142), "{}", stderr(&out));
        }
    }
}

/// The endless string costs the tool at most about the client's maximum message size in
/// memory (64 MB by default), where the C tools grow past a gigabyte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_string_leaves_the_tool_memory_bounded() {
    run(
        env!("CARGO_BIN_EXE_rnbctl"),
        "OVN_Northbound",
        Misbehaviour::EndlessString,
        &["ls-list"],
    )
    .await;
    // The largest resident set of any child this test process has waited for: every child
    // here is one of our tools.
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    let peak_kb = usage.max_rss();
    assert!(peak_kb > 0);
    assert!(
        peak_kb < 256 * 1024,
        "a tool's resident set reached {} MB",
        peak_kb / 1024
    );
}

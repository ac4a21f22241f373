//! The client against a hostile server: garbage bytes, an endless string, deep nesting,
//! replies nobody asked for, half a message, silence, a schema of the wrong shape, and
//! updates that contradict the replica. Every case ends in a clear error (and a reconnect
//! where that helps), never a panic, a hang or unbounded memory, and the replica never shows
//! half of a bad update.

#[path = "support/fake.rs"]
mod fake;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fake::{Conn, FakeServer};
use ovsdb::client::{Client, ClientOptions, Error, ReplicaOptions};
use ovsdb::data::Uuid;
use ovsdb::monitor::MonitorRequest;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;

/// Bounds every wait so a regression shows up as a failure, not a hung test.
const LIMIT: Duration = Duration::from_secs(20);

fn opts(server: &FakeServer) -> ClientOptions {
    ClientOptions::new(&server.remote())
        .unwrap()
        .inactivity_probe(None)
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
}

/// Answers `list_dbs` on this connection forever (a well-behaved server).
async fn behave(mut conn: Conn) {
    while let Some(req) = conn.request().await {
        let result = match req["method"].as_str() {
            Some("list_dbs") => json!(["Good"]),
            _ => json!({}),
        };
        if conn.reply(&req, result).await.is_err() {
            return;
        }
    }
}

/// Polls `list_dbs` until the client, having reconnected, gets the good server's answer.
async fn recovers(client: &Client) {
    timeout(LIMIT, async {
        loop {
            if let Ok(dbs) = client.list_dbs().await {
                assert_eq!(dbs, vec!["Good".to_owned()]);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the client never recovered on the well-behaved reconnect");
}

/// Runs one bad first connection (`first` gets the connection after the client's first
/// request has been read, and the request), and checks: the call fails with an error that
/// mentions `words`, the client reconnects, and works on the second connection.
async fn bad_then_good<F, Fut>(words: &str, first: F)
where
    F: Fn(Conn, Value) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let first = Arc::new(first);
    let server = FakeServer::start(move |n, mut conn| {
        let first = Arc::clone(&first);
        async move {
            if n == 0 {
                if let Some(req) = conn.request().await {
                    first(conn, req).await;
                }
            } else {
                behave(conn).await;
            }
        }
    })
    .await;
    let client = Client::connect(opts(&server)).await.unwrap();
    let err = timeout(LIMIT, client.list_dbs())
        .await
        .expect("the call hung")
        .expect_err("a hostile reply must not look like success");
    assert!(
        err.to_string().contains(words),
        "expected {words:?} in: {err}"
    );
    recovers(&client).await;
    assert!(server.accepted() >= 2);
}

#[tokio::test]
async fn garbage_bytes_end_the_session_and_the_client_reconnects() {
    bad_then_good("not valid JSON here", |mut conn, _req| async move {
        let _ = conn.writer.write_all(b"{\"id\": 0, <html>\x00\xff").await;
        conn.drain().await;
    })
    .await;
}

#[tokio::test]
async fn a_reply_that_is_not_an_object_is_refused() {
    bad_then_good("must be a JSON object", |mut conn, _req| async move {
        let _ = conn.writer.write_all(b"[1, 2, 3]").await;
        conn.drain().await;
    })
    .await;
}

#[tokio::test]
async fn deeply_nested_arrays_are_refused_without_recursing() {
    bad_then_good("nest", |mut conn, _req| async move {
        let mut bytes = b"{\"id\": 0, \"result\": ".to_vec();
        bytes.extend(vec![b'['; 1_000_000]);
        let _ = conn.writer.write_all(&bytes).await;
        conn.drain().await;
    })
    .await;
}

#[tokio::test]
async fn half_a_message_then_eof_is_an_unknown_outcome() {
    let server = FakeServer::start(|n, mut conn| async move {
        if n == 0 {
            if let Some(req) = conn.request().await {
                let text = json!({"id": req["id"], "result": ["Good"], "error": null}).to_string();
                let _ = conn
                    .writer
                    .write_all(&text.as_bytes()[..text.len() / 2])
                    .await;
                // Dropping the connection closes it mid-message.
            }
        } else {
            behave(conn).await;
        }
    })
    .await;
    let client = Client::connect(opts(&server)).await.unwrap();
    let err = timeout(LIMIT, client.list_dbs())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { method, reason }
            if method == "list_dbs" && reason.contains("ended inside the message")),
        "{err}"
    );
    recovers(&client).await;
}

/// One endless JSON string: the client refuses it at the configured maximum message size,
/// so what it buffers stays bounded however long the server keeps writing. The server is
/// stopped from writing by the client's hang-up: what it managed to write is the limit plus
/// what the two sockets buffer, not the endless stream.
#[tokio::test]
async fn an_endless_string_is_cut_off_at_the_maximum_message_size() {
    const MAX: usize = 1 << 20;
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    let server = FakeServer::start(move |n, mut conn| {
        let counter = Arc::clone(&counter);
        async move {
            if n > 0 {
                return behave(conn).await;
            }
            let Some(_req) = conn.request().await else {
                return;
            };
            let chunk = vec![b'a'; 64 * 1024];
            if conn
                .writer
                .write_all(b"{\"id\": 0, \"result\": \"")
                .await
                .is_err()
            {
                return;
            }
            while conn.writer.write_all(&chunk).await.is_ok() {
                counter.fetch_add(chunk.len(), Ordering::SeqCst);
                if counter.load(Ordering::SeqCst) > 1 << 30 {
                    return; // a client that never stops reading: the assertion below fails
                }
            }
        }
    })
    .await;
    let client = Client::connect(opts(&server).max_message_size(MAX).reconnect(false))
        .await
        .unwrap();
    let err = timeout(LIMIT, client.list_dbs())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        err.to_string().contains("exceeds the maximum message size"),
        "{err}"
    );
    // Let the server notice the hang-up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let total = written.load(Ordering::SeqCst);
    assert!(
        total < MAX + 32 * 1024 * 1024,
        "the server wrote {total} bytes before the client hung up"
    );
}

/// Replies to ids the client never used (numbers, strings, null) are ignored; the real reply
/// that follows is delivered.
#[tokio::test]
async fn replies_nobody_asked_for_are_ignored() {
    let server = FakeServer::start(|_n, mut conn| async move {
        while let Some(req) = conn.request().await {
            for id in [json!(987_654), json!("mine"), json!([1]), json!(null)] {
                let _ = conn
                    .send(&json!({"id": id, "result": ["Evil"], "error": null}))
                    .await;
            }
            // An unknown notification and a request other than echo, too.
            let _ = conn
                .send(&json!({"id": null, "method": "surprise", "params": []}))
                .await;
            let _ = conn
                .send(&json!({"id": 5, "method": "transact", "params": []}))
                .await;
            if conn.reply(&req, json!(["Good"])).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = Client::connect(opts(&server)).await.unwrap();
    for _ in 0..3 {
        let dbs = timeout(LIMIT, client.list_dbs()).await.unwrap().unwrap();
        assert_eq!(dbs, vec!["Good".to_owned()]);
    }
    assert_eq!(server.accepted(), 1, "nothing there was worth a reconnect");
}

/// A server that accepts and then says nothing: the inactivity probe notices, the call ends
/// with an unknown outcome, and the client tries again.
#[tokio::test]
async fn a_silent_server_is_given_up_by_the_inactivity_probe() {
    let server = FakeServer::start(|n, conn| async move {
        if n == 0 {
            // Read everything (echoes included) and answer nothing.
            conn.drain().await;
        } else {
            behave(conn).await;
        }
    })
    .await;
    let client = Client::connect(opts(&server).inactivity_probe(Some(Duration::from_millis(200))))
        .await
        .unwrap();
    let err = timeout(LIMIT, client.list_dbs())
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");
    assert!(err.to_string().contains("inactivity probe"), "{err}");
    recovers(&client).await;
}

/// A large reply that takes several probe intervals to arrive (an initial sync of a big
/// database over a slow link) is not mistaken for silence: bytes of an unfinished message
/// count as activity, as the C IDL counts them. The server answers nothing else meanwhile,
/// as ovsdb-server answers our echo only after the reply.
#[tokio::test]
async fn a_reply_that_trickles_in_for_longer_than_the_probe_is_not_silence() {
    let server = FakeServer::start(|_n, mut conn| async move {
        let Some(req) = conn.request().await else {
            return;
        };
        let reply =
            json!({"id": req["id"], "result": ["Good", "x".repeat(100_000)], "error": null})
                .to_string()
                .into_bytes();
        // 25 pieces, 50 ms apart: 1.2 s for the whole reply, six probe intervals.
        for piece in reply.chunks(reply.len() / 25 + 1) {
            if conn.writer.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        behave(conn).await;
    })
    .await;
    let client = Client::connect(opts(&server).inactivity_probe(Some(Duration::from_millis(200))))
        .await
        .unwrap();
    let dbs = timeout(LIMIT, client.list_dbs()).await.unwrap().unwrap();
    assert_eq!(dbs.len(), 2);
    assert_eq!(dbs[0], "Good");
    assert_eq!(server.accepted(), 1, "the slow reply was taken for silence");
}

/// A `get_schema` reply of the wrong shape is a decode error for that call only: the
/// connection stays up and the next call works.
#[tokio::test]
async fn a_schema_of_the_wrong_shape_is_a_clear_error() {
    let server = FakeServer::start(|_n, mut conn| async move {
        while let Some(req) = conn.request().await {
            let result = match req["method"].as_str() {
                Some("get_schema") => json!({"name": 5, "tables": ["not", "an", "object"]}),
                _ => json!(["Good"]),
            };
            if conn.reply(&req, result).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = Client::connect(opts(&server)).await.unwrap();
    let err = client.get_schema("Good").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("get_schema"), "{err}");
    let err = client
        .replicate("Good", vec![], ReplicaOptions::default())
        .await
        .err()
        .expect("a replica of an unreadable schema");
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(client.list_dbs().await.unwrap(), vec!["Good".to_owned()]);
    assert_eq!(server.accepted(), 1);
}

const SCHEMA: &str = r#"{"name": "Good", "version": "1.0.0", "tables": {
  "P": {"columns": {"name": {"type": "string"}, "n": {"type": "integer"}}}}}"#;

fn row_uuid(n: u8) -> String {
    Uuid::from_bytes([n; 16]).to_string()
}

/// A replica server: the first connection sends the initial row `a`, then `bad` as an
/// `update3`; every later connection (the client resynchronizing) has rows `a` and `b`.
/// The replica must refuse the bad batch whole (nothing of it ever shows up, in the rows or
/// in the events), reconnect, and end up equal to the second connection's contents.
async fn replica_refuses(bad: Value) {
    let bad = Arc::new(bad);
    let server = FakeServer::start(move |n, mut conn| {
        let bad = Arc::clone(&bad);
        async move {
            while let Some(req) = conn.request().await {
                match req["method"].as_str() {
                    Some("get_schema") => {
                        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
                        if conn.reply(&req, schema).await.is_err() {
                            return;
                        }
                    }
                    Some("monitor_cond_since") => {
                        let id = req["params"][1].clone();
                        let mut rows = json!({ row_uuid(1): {"initial": {"name": "a", "n": 1}} });
                        if n > 0 {
                            rows[row_uuid(2)] = json!({"initial": {"name": "b", "n": 2}});
                        }
                        let txn = Uuid::new_v4().to_string();
                        if conn
                            .reply(&req, json!([false, txn, {"P": rows}]))
                            .await
                            .is_err()
                        {
                            return;
                        }
                        if n == 0 {
                            let params = json!([id, Uuid::new_v4().to_string(), *bad]);
                            let note = json!({"id": null, "method": "update3", "params": params});
                            let _ = conn.send(&note).await;
                        }
                    }
                    _ => {
                        if conn.reply(&req, json!({})).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    })
    .await;
    let client = Client::connect(opts(&server)).await.unwrap();
    let mut replica = client
        .replicate(
            "Good",
            vec![("P".into(), MonitorRequest::all())],
            ReplicaOptions::default().with_events(),
        )
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    let mut inserted = Vec::new();
    timeout(LIMIT, async {
        while inserted.len() < 2 {
            let batch = replica.next_events().await.expect("events stopped");
            for e in batch {
                assert!(e.is_insert(), "{e:?}");
                let name = e.new_row().and_then(|r| r.get("name")).cloned();
                inserted.push(format!("{name:?}"));
            }
        }
    })
    .await
    .expect("the replica never resynchronized");
    assert!(
        inserted[0].contains("\"a\"") && inserted[1].contains("\"b\""),
        "{inserted:?}"
    );
    replica.read(|r| {
        let t = r.table("P").unwrap();
        assert_eq!(t.len(), 2);
        for (_, row) in t.iter() {
            let name = format!("{:?}", row.get("name"));
            assert!(name.contains("\"a\"") || name.contains("\"b\""), "{row:?}");
        }
    });
    assert!(
        server.accepted() >= 2,
        "the client should have started over"
    );
}

#[tokio::test]
async fn updates_for_an_unknown_table_are_refused_whole() {
    replica_refuses(json!({
        "P": { row_uuid(3): {"insert": {"name": "c", "n": 3}} },
        "Nope": { row_uuid(4): {"insert": {"x": 1}} }
    }))
    .await;
}

#[tokio::test]
async fn a_change_to_a_row_never_inserted_is_refused_whole() {
    replica_refuses(json!({
        "P": {
            row_uuid(3): {"insert": {"name": "c", "n": 3}},
            row_uuid(9): {"modify": {"n": 4}}
        }
    }))
    .await;
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_refused_whole() {
    replica_refuses(json!({
        "P": {
            row_uuid(3): {"insert": {"name": "c", "n": 3}},
            row_uuid(1): {"modify": {"n": "not a number"}}
        }
    }))
    .await;
}

#[tokio::test]
async fn an_insert_of_a_row_that_exists_is_refused_whole() {
    replica_refuses(json!({
        "P": {
            row_uuid(3): {"insert": {"name": "c", "n": 3}},
            row_uuid(1): {"insert": {"name": "a again", "n": 5}}
        }
    }))
    .await;
}

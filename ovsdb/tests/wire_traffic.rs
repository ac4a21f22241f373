//! The wire codec against real ovsdb-server traffic: requests sent by hand over a unix socket,
//! the raw bytes the server sends back framed at every possible split point, and the codecs
//! driven through `tokio_util` framed streams over a live connection.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use ovsdb::testing::Sandbox;
use ovsdb::wire::{JsonFramer, Message, MessageCodec, MessageKind, RawMessage, WireError};
use serde_json::{json, Value};
use tokio_util::codec::{Decoder, Framed, FramedRead, FramedWrite};

const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const FIXTURE: &str = "tests/fixtures/traffic-ovn-nb.bin";

/// Switch names and external_ids full of bytes that matter to a JSON scanner.
fn tricky_switches() -> Vec<Value> {
    [
        ("sw0", "plain"),
        ("sw1 {\"quoted\"} [brackets]", "back\\slash \\\" quote"),
        ("sw2 ünïcødé €😀", "tab\tnewline\ncontrol\u{1}"),
    ]
    .iter()
    .map(|(name, note)| {
        json!({
            "op": "insert",
            "table": "Logical_Switch",
            "row": {
                "name": name,
                "external_ids": ["map", [["note", note], ["}{", "]["]]],
            },
        })
    })
    .collect()
}

/// The requests the client sends, in order: list_dbs, get_schema, a transact inserting rows, a
/// monitor on Logical_Switch (all columns), a second transact (so the server also sends an
/// `update` notification), and an echo.
fn requests() -> Vec<Message> {
    let mut insert = vec![json!("OVN_Northbound")];
    insert.extend(tricky_switches());
    vec![
        Message::request(json!(1), "list_dbs", vec![]),
        Message::request(json!(2), "get_schema", vec![json!("OVN_Northbound")]),
        Message::request(json!(3), "transact", insert),
        Message::request(
            json!("monitor-ls"),
            "monitor",
            vec![
                json!("OVN_Northbound"),
                json!(["ls", 1]),
                json!({"Logical_Switch": {}}),
            ],
        ),
        Message::request(
            json!(5),
            "transact",
            vec![
                json!("OVN_Northbound"),
                json!({"op": "insert", "table": "Logical_Switch", "row": {"name": "sw3"}}),
            ],
        ),
        Message::request(
            json!(["echo", 6]),
            "echo",
            vec![json!("ping"), json!({"nested": [1, 2.5, null]})],
        ),
    ]
}

/// What came back, checked for content.
fn check_replies(messages: &[Message]) {
    let by_id: BTreeMap<String, &Message> = messages
        .iter()
        .filter(|m| m.kind() == MessageKind::Response)
        .filter_map(|m| m.id().map(|id| (id.to_string(), m)))
        .collect();
    let result = |id: Value| -> &Value {
        match by_id.get(&id.to_string()) {
            Some(Message::Response {
                result,
                error: Value::Null,
                ..
            }) => result,
            other => panic!("no successful reply to {id}: {other:?}"),
        }
    };
    let dbs = result(json!(1)).as_array().unwrap();
    assert!(dbs.contains(&json!("OVN_Northbound")), "{dbs:?}");
    let schema = result(json!(2));
    assert_eq!(schema["name"], "OVN_Northbound");
    assert!(schema["tables"]["Logical_Switch"]["columns"]["name"].is_object());
    let inserted = result(json!(3)).as_array().unwrap();
    assert_eq!(inserted.len(), 3);
    for r in inserted {
        assert_eq!(r["uuid"][0], "uuid", "{r}");
    }
    let initial = result(json!("monitor-ls"));
    let rows = initial["Logical_Switch"].as_object().unwrap();
    assert_eq!(rows.len(), 3);
    let names: Vec<&str> = rows
        .values()
        .map(|r| r["new"]["name"].as_str().unwrap())
        .collect();
    for (i, expect) in tricky_switches().iter().enumerate() {
        let name = expect["row"]["name"].as_str().unwrap();
        assert!(
            names.contains(&name),
            "switch {i} {name:?} not in {names:?}"
        );
    }
    assert_eq!(result(json!(5)).as_array().unwrap().len(), 1);
    assert_eq!(
        result(json!(["echo", 6])),
        &json!(["ping", {"nested": [1, 2.5, null]}])
    );
    let update = messages
        .iter()
        .find(|m| m.method() == Some("update"))
        .expect("an update notification for sw3");
    let Message::Notification { params, .. } = update else {
        panic!("update is not a notification: {update:?}")
    };
    assert_eq!(params[0], json!(["ls", 1]));
    let new_rows = params[1]["Logical_Switch"].as_object().unwrap();
    assert_eq!(new_rows.len(), 1);
    assert_eq!(new_rows.values().next().unwrap()["new"]["name"], "sw3");
}

/// Whether every request in `sent` has its response in `got`, and the update arrived.
fn complete(sent: &[Message], got: &[Message]) -> bool {
    let answered = |id: &Value| {
        got.iter()
            .any(|m| m.kind() == MessageKind::Response && m.id() == Some(id))
    };
    sent.iter().all(|r| r.id().map_or(true, answered))
        && got.iter().any(|m| m.method() == Some("update"))
}

/// Sends the requests over a plain unix socket, answering echo requests from the server, and
/// returns every byte the server sent.
fn capture(socket: &Path) -> Vec<u8> {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let sent = requests();
    let mut out = Vec::new();
    for r in &sent {
        out.extend_from_slice(&r.to_vec().unwrap());
    }
    stream.write_all(&out).unwrap();

    let mut raw = Vec::new();
    let mut framer = JsonFramer::new();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !complete(&sent, &got) {
        assert!(Instant::now() < deadline, "timed out; got {got:?}");
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "server closed the connection; got {got:?}");
        raw.extend_from_slice(&chunk[..n]);
        buf.extend_from_slice(&chunk[..n]);
        while let Some(frame) = framer.decode(&mut buf).unwrap() {
            let msg = Message::from_slice(&frame).unwrap();
            if let Some(reply) = msg.echo_reply() {
                stream.write_all(&reply.to_vec().unwrap()).unwrap();
            }
            got.push(msg);
        }
    }
    assert!(buf.is_empty(), "left over: {buf:?}");
    check_replies(&got);
    raw
}

/// All frames of `stream` fed as two reads split at `k`.
fn frames_split_at(stream: &[u8], k: usize) -> Result<Vec<Bytes>, WireError> {
    let mut framer = JsonFramer::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for part in [&stream[..k], &stream[k..]] {
        buf.extend_from_slice(part);
        while let Some(f) = framer.decode(&mut buf)? {
            frames.push(f);
        }
    }
    while let Some(f) = framer.decode_eof(&mut buf)? {
        frames.push(f);
    }
    Ok(frames)
}

/// Frames `stream` split into two reads at every byte offset (in parallel) and checks that the
/// same frames come out every time; returns the decoded messages.
fn assert_every_split_gives_the_same_messages(stream: &[u8]) -> Vec<Message> {
    let reference = frames_split_at(stream, stream.len()).unwrap();
    // Frames are the exact message bytes: they tile the stream apart from whitespace.
    let total: usize = reference.iter().map(Bytes::len).sum();
    let whitespace = stream.iter().filter(|b| b.is_ascii_whitespace()).count();
    assert!(total <= stream.len() && total + whitespace >= stream.len());
    let messages: Vec<Message> = reference
        .iter()
        .map(|f| Message::from_slice(f).unwrap())
        .collect();

    let threads = std::thread::available_parallelism().map_or(4, |n| n.get());
    let offsets: Vec<usize> = (0..=stream.len()).collect();
    std::thread::scope(|s| {
        for part in offsets.chunks(offsets.len().div_ceil(threads)) {
            let reference = &reference;
            s.spawn(move || {
                for &k in part {
                    let frames = frames_split_at(stream, k).unwrap();
                    assert!(frames == *reference, "different frames when split at {k}");
                }
            });
        }
    });

    // And through the full message codec, in small uneven reads.
    let mut codec = MessageCodec::new();
    let mut buf = BytesMut::new();
    let mut decoded = Vec::new();
    for chunk in stream.chunks(97) {
        buf.extend_from_slice(chunk);
        while let Some(m) = codec.decode(&mut buf).unwrap() {
            decoded.push(m);
        }
    }
    assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    assert_eq!(decoded, messages);
    messages
}

#[test]
fn live_server_traffic_at_every_split_point() {
    let sandbox = Sandbox::start(&[NB_SCHEMA]).unwrap();
    let raw = capture(sandbox.socket());
    if std::env::var_os("OVSDB_WIRE_WRITE_FIXTURE").is_some() {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE), &raw).unwrap();
    }
    let messages = assert_every_split_gives_the_same_messages(&raw);
    check_replies(&messages);
}

/// The same check on traffic captured earlier (see `OVSDB_WIRE_WRITE_FIXTURE` above), so the
/// framer is tested on real bytes even where no server runs.
#[test]
fn recorded_server_traffic_at_every_split_point() {
    let raw = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)).unwrap();
    let messages = assert_every_split_gives_the_same_messages(&raw);
    check_replies(&messages);
    // Every recorded message survives a round trip through the raw form too.
    for m in &messages {
        let bytes = m.to_vec().unwrap();
        assert_eq!(
            &RawMessage::from_slice(&bytes)
                .unwrap()
                .to_message()
                .unwrap(),
            m
        );
    }
}

#[tokio::test]
async fn message_codec_over_a_live_socket() {
    let sandbox = Sandbox::start(&[NB_SCHEMA]).unwrap();
    let stream = tokio::net::UnixStream::connect(sandbox.socket())
        .await
        .unwrap();
    let (read, write) = stream.into_split();
    let mut reader = FramedRead::new(read, MessageCodec::new());
    let mut writer = FramedWrite::new(write, MessageCodec::new());
    let sent = requests();
    for r in &sent {
        writer.send(r).await.unwrap();
    }
    let mut got = Vec::new();
    while !complete(&sent, &got) {
        let msg = tokio::time::timeout(Duration::from_secs(20), reader.next())
            .await
            .expect("timed out waiting for the server")
            .expect("server closed the connection")
            .unwrap();
        if let Some(reply) = msg.echo_reply() {
            writer.send(reply).await.unwrap();
        }
        got.push(msg);
    }
    check_replies(&got);
}

/// The hot path: frames from a `Framed<_, JsonFramer>`, decoded as `RawMessage`s, with a large
/// monitor reply deserialized straight into typed structs.
#[tokio::test]
async fn raw_messages_over_a_live_socket_with_a_large_reply() {
    #[derive(serde::Deserialize)]
    struct RowUpdate {
        new: Option<LogicalSwitch>,
    }
    #[derive(serde::Deserialize)]
    struct LogicalSwitch {
        name: String,
        external_ids: (String, Vec<(String, String)>),
    }
    type Updates = BTreeMap<String, BTreeMap<String, RowUpdate>>;

    let sandbox = Sandbox::start(&[NB_SCHEMA]).unwrap();
    let stream = tokio::net::UnixStream::connect(sandbox.socket())
        .await
        .unwrap();
    let mut conn = Framed::new(stream, JsonFramer::new());

    const ROWS: usize = 5000;
    let mut ops = vec![json!("OVN_Northbound")];
    for i in 0..ROWS {
        ops.push(json!({
            "op": "insert",
            "table": "Logical_Switch",
            "row": {
                "name": format!("ls-{i:05} \"{{[\\"),
                "external_ids": ["map", [["k", "v".repeat(100)], ["i", i.to_string()]]],
            },
        }));
    }
    conn.send(Message::request(json!(1), "transact", ops))
        .await
        .unwrap();
    conn.send(Message::request(
        json!(2),
        "monitor",
        vec![
            json!("OVN_Northbound"),
            Value::Null,
            json!({"Logical_Switch": {"columns": ["name", "external_ids"]}}),
        ],
    ))
    .await
    .unwrap();

    let mut transacted = false;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), conn.next())
            .await
            .expect("timed out waiting for the server")
            .expect("server closed the connection")
            .unwrap();
        let msg = RawMessage::from_slice(&frame).unwrap();
        if let Some(reply) = msg.echo_reply() {
            conn.send(reply).await.unwrap();
            continue;
        }
        let RawMessage::Response { id, result, error } = msg else {
            panic!("unexpected {msg:?}")
        };
        assert!(error.is_none(), "{error:?}");
        let result = result.unwrap();
        match serde_json::from_str::<u64>(id.get()).unwrap() {
            1 => {
                let rows: Vec<Value> = serde_json::from_str(result.get()).unwrap();
                assert_eq!(rows.len(), ROWS);
                transacted = true;
            }
            2 => {
                assert!(
                    transacted,
                    "the monitor reply came before the transact reply"
                );
                assert!(frame.len() > 1_000_000, "{} bytes", frame.len());
                let updates: Updates = serde_json::from_str(result.get()).unwrap();
                let rows = &updates["Logical_Switch"];
                assert_eq!(rows.len(), ROWS);
                let mut seen = vec![false; ROWS];
                for row in rows.values() {
                    let ls = row.new.as_ref().unwrap();
                    assert!(ls.name.ends_with(" \"{[\\"), "{}", ls.name);
                    assert_eq!(ls.external_ids.0, "map");
                    let i: usize = ls.external_ids.1[0].1.parse().unwrap();
                    assert_eq!(ls.name, format!("ls-{i:05} \"{{[\\"));
                    seen[i] = true;
                }
                assert!(seen.iter().all(|&s| s));
                break;
            }
            other => panic!("reply to unknown id {other}"),
        }
    }
}

//! Behaviour the real ovsdb-server 3.1 cannot show on demand, through a thin proxy in front of
//! it: an older server that answers "unknown method" to newer monitor methods (the client must
//! fall back since -> cond -> plain), and a server that sends its own echo requests (the client
//! must answer them). Everything else goes to and from the real server unchanged.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use ovsdb::client::{Client, ClientOptions, MonitorEvent, Updates};
use ovsdb::data::Row;
use ovsdb::monitor::MonitorRequest;
use ovsdb::ops::Operation;
use ovsdb::testing::Sandbox;
use ovsdb::wire::{JsonFramer, RawMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Mutex;
use tokio_util::codec::Decoder;

const NB: &str = "OVN_Northbound";
const LIMIT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Seen {
    refused: AtomicUsize,
    echo_answered: AtomicUsize,
}

/// Serves one client on `path`, relaying to `server`, refusing the `refuse` methods and
/// sending one echo request of its own.
async fn proxy(
    listener: UnixListener,
    server: PathBuf,
    refuse: &'static [&'static str],
    seen: Arc<Seen>,
) {
    let Ok((client, _)) = listener.accept().await else {
        return;
    };
    let Ok(upstream) = UnixStream::connect(&server).await else {
        return;
    };
    let (mut client_rd, client_wr) = client.into_split();
    let (mut up_rd, mut up_wr) = upstream.into_split();
    let client_wr = Arc::new(Mutex::new(client_wr));
    {
        let mut w = client_wr.lock().await;
        let _ = w
            .write_all(br#"{"id":"proxy-echo","method":"echo","params":["hi"]}"#)
            .await;
    }
    let down = Arc::clone(&client_wr);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = up_rd.read(&mut buf).await {
            if n == 0 || down.lock().await.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut framer = JsonFramer::new();
    let mut buf = BytesMut::new();
    let mut chunk = vec![0u8; 65536];
    while let Ok(n) = client_rd.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Ok(Some(frame)) = framer.decode(&mut buf) {
            let Ok(msg) = RawMessage::from_slice(&frame) else {
                return;
            };
            match &msg {
                RawMessage::Response { id, result, .. } if id.get() == "\"proxy-echo\"" => {
                    if result.is_some_and(|r| r.get() == r#"["hi"]"#) {
                        seen.echo_answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
                RawMessage::Request { id, method, .. } if refuse.contains(&method.as_ref()) => {
                    seen.refused.fetch_add(1, Ordering::SeqCst);
                    let reply = format!(
                        r#"{{"id":{},"result":null,"error":"unknown method"}}"#,
                        id.get()
                    );
                    let _ = client_wr.lock().await.write_all(reply.as_bytes()).await;
                }
                _ => {
                    if up_wr.write_all(&frame).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn through_proxy(sb: &Sandbox, refuse: &'static [&'static str]) -> (Client, Arc<Seen>) {
    let path = sb.dir().join("proxy.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let seen = Arc::new(Seen::default());
    tokio::spawn(proxy(
        listener,
        sb.socket().to_path_buf(),
        refuse,
        Arc::clone(&seen),
    ));
    let opts = ClientOptions::new(&format!("unix:{}", path.display()))
        .unwrap()
        .database(NB)
        .reconnect(false);
    (Client::connect(opts).await.unwrap(), seen)
}

async fn monitor_sees_a_write(c: &Client, expect_v1: bool) {
    let mut m = c
        .monitor(
            NB,
            vec![("Logical_Switch".into(), MonitorRequest::columns(["name"]))],
        )
        .await
        .unwrap();
    let first = tokio::time::timeout(LIMIT, m.next())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(first, MonitorEvent::Reset(_)), "{first:?}");
    c.transact(
        NB,
        &[Operation::insert("Logical_Switch", Row::new().with("name", "sw")).into()],
    )
    .await
    .unwrap();
    let Some(MonitorEvent::Update(u)) = m.try_next() else {
        panic!("no update")
    };
    assert_eq!(u.row_count(), 1);
    assert_eq!(matches!(u, Updates::V1(_)), expect_v1);
    // Without monitor_cond_since there is no transaction id to resume from.
    assert_eq!(m.last_txn_id().await.unwrap(), None);
}

#[tokio::test]
async fn falls_back_to_monitor_cond_and_answers_the_servers_echo() {
    let sb = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).unwrap();
    let (c, seen) = through_proxy(&sb, &["monitor_cond_since"]).await;
    monitor_sees_a_write(&c, false).await;
    assert_eq!(seen.refused.load(Ordering::SeqCst), 1);
    assert_eq!(seen.echo_answered.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn falls_back_to_plain_monitor() {
    let sb = Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).unwrap();
    let (c, seen) = through_proxy(&sb, &["monitor_cond_since", "monitor_cond"]).await;
    monitor_sees_a_write(&c, true).await;
    assert_eq!(seen.refused.load(Ordering::SeqCst), 2);
}

//! A scripted, misbehaving OVSDB server for the hostile-server tests.
//!
//! This is the one place a fake is right: the real ovsdb-server cannot be made to send
//! garbage, stall, or contradict itself on demand. Each accepted connection is handed to the
//! test's handler with its number (0 for the first), so a test can misbehave on the first
//! connection and behave on the reconnect.

// Not every test that includes this file uses every helper.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use ovsdb::wire::JsonFramer;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::codec::FramedRead;

/// A listening fake server; stops accepting when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Listens on 127.0.0.1 and runs `handler(n, conn)` for the n-th connection.
    pub async fn start<F, Fut>(handler: F) -> FakeServer
    where
        F: Fn(usize, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        let handler = Arc::new(handler);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let (r, w) = stream.into_split();
                let conn = Conn {
                    reader: FramedRead::new(r, JsonFramer::new()),
                    writer: w,
                };
                tokio::spawn(handler(n, conn));
            }
        });
        FakeServer {
            addr,
            accepted,
            task,
        }
    }

    /// `tcp:127.0.0.1:PORT`.
    pub fn remote(&self) -> String {
        format!("tcp:{}", self.addr)
    }

    /// How many connections were accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One accepted connection.
pub struct Conn {
    reader: FramedRead<OwnedReadHalf, JsonFramer>,
    /// The raw write side, for tests that send bytes that are not JSON.
    pub writer: OwnedWriteHalf,
}

impl Conn {
    /// The next request from the client, answering echoes on the way; `None` at EOF.
    pub async fn request(&mut self) -> Option<Value> {
        loop {
            let frame = self.reader.next().await?.ok()?;
            let msg: Value = serde_json::from_slice(&frame).ok()?;
            if msg["method"] == "echo" {
                let reply = json!({"id": msg["id"], "result": msg["params"], "error": null});
                self.send(&reply).await.ok()?;
                continue;
            }
            if msg.get("method").is_some() {
                return Some(msg);
            }
        }
    }

    /// Sends one JSON value.
    pub async fn send(&mut self, v: &Value) -> std::io::Result<()> {
        self.writer.write_all(v.to_string().as_bytes()).await
    }

    /// Answers `req` with `result`.
    pub async fn reply(&mut self, req: &Value, result: Value) -> std::io::Result<()> {
        self.send(&json!({"id": req["id"], "result": result, "error": null}))
            .await
    }

    /// Reads and discards everything until the client hangs up.
    pub async fn drain(mut self) {
        while self.reader.next().await.is_some() {}
    }
}

//! The write side of a session, on a task of its own, so that the connection task never
//! stops reading while a write waits.
//!
//! With many requests in flight (a client pipelining thousands of transactions), writing
//! them inline would deadlock: while the connection task waits for the socket to take the
//! next request, it reads no replies; ovsdb-server stops reading a client whose replies pile
//! up unread; then neither side moves again. Here requests queue for the writer task and
//! the connection task goes on reading. A stalled server is still noticed: nothing arrives,
//! and the inactivity probe ends the session.

use std::time::Duration;

use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::transport::Transport;

/// The queue to a session's writer task.
pub(crate) struct Writer {
    queue: Option<mpsc::UnboundedSender<Vec<u8>>>,
    failed: oneshot::Receiver<String>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Starts the task that writes to `half`.
    pub(crate) fn start(half: WriteHalf<Transport>) -> Writer {
        let (queue, rx) = mpsc::unbounded_channel();
        let (fail, failed) = oneshot::channel();
        let task = tokio::spawn(run(half, rx, fail));
        Writer {
            queue: Some(queue),
            failed,
            task,
        }
    }

    /// Queues `bytes` (one whole message) to be written after those queued before.
    pub(crate) fn send(&self, bytes: Vec<u8>) -> Result<(), String> {
        match &self.queue {
            Some(q) => q
                .send(bytes)
                .map_err(|_| "write failed: the connection's writer has stopped".to_string()),
            None => Err("write failed: the session is closing".into()),
        }
    }

    /// Why writing failed; pending until it does.
    pub(crate) async fn failure(&mut self) -> String {
        match (&mut self.failed).await {
            Ok(why) => why,
            // The task ended without failing (its queue closed): nothing more will fail.
            Err(_) => std::future::pending().await,
        }
    }

    /// Lets the task write what is queued, for at most `within`, then stops it.
    pub(crate) async fn finish(&mut self, within: Duration) {
        self.queue = None;
        if tokio::time::timeout(within, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // A lost session's unwritten requests have already failed; a stalled socket must not
        // keep the task (and the socket) alive.
        self.task.abort();
    }
}

async fn run(
    mut half: WriteHalf<Transport>,
    mut queue: mpsc::UnboundedReceiver<Vec<u8>>,
    fail: oneshot::Sender<String>,
) {
    while let Some(bytes) = queue.recv().await {
        let mut result = half.write_all(&bytes).await;
        // Whatever was queued meanwhile goes out before one flush.
        while result.is_ok() {
            match queue.try_recv() {
                Ok(more) => result = half.write_all(&more).await,
                Err(_) => break,
            }
        }
        if result.is_ok() {
            result = half.flush().await;
        }
        if let Err(e) = result {
            let _ = fail.send(format!("write failed: {e}"));
            return;
        }
    }
}

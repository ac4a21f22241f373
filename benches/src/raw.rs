//! A blocking JSON-RPC connection that returns the raw bytes of each reply, so benchmarks and
//! fixtures work on exactly what ovsdb-server put on the wire.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use ovsdb::ops::Operation;
use ovsdb::wire::{JsonFramer, Message, RawMessage, WireError};
use serde_json::Value;
use tokio_util::codec::Decoder;

/// What can go wrong talking to the server.
#[derive(Debug)]
pub enum RawError {
    /// Socket error.
    Io(std::io::Error),
    /// Framing or message error.
    Wire(WireError),
    /// The server closed the connection before replying.
    Closed,
    /// The server answered with a JSON-RPC error.
    Rpc(String),
}

impl std::fmt::Display for RawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawError::Io(e) => write!(f, "I/O error: {e}"),
            RawError::Wire(e) => write!(f, "wire error: {e}"),
            RawError::Closed => f.write_str("connection closed before the reply"),
            RawError::Rpc(e) => write!(f, "server error: {e}"),
        }
    }
}

impl std::error::Error for RawError {}

impl From<std::io::Error> for RawError {
    fn from(e: std::io::Error) -> Self {
        RawError::Io(e)
    }
}

impl From<WireError> for RawError {
    fn from(e: WireError) -> Self {
        RawError::Wire(e)
    }
}

/// One blocking connection to a unix socket.
pub struct RawConnection {
    stream: UnixStream,
    framer: JsonFramer,
    buf: BytesMut,
    next_id: u64,
}

impl RawConnection {
    /// Connects to `path`.
    pub fn connect(path: &Path) -> Result<Self, RawError> {
        Ok(RawConnection {
            stream: UnixStream::connect(path)?,
            framer: JsonFramer::new().with_max_message_size(1 << 30),
            buf: BytesMut::with_capacity(1 << 20),
            next_id: 1,
        })
    }

    /// Sends `method(params)` and returns the exact bytes of the reply frame, answering the
    /// server's echo requests and skipping notifications meanwhile. A JSON-RPC error reply is
    /// an `Err`.
    pub fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Bytes, RawError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Message::request(Value::from(id), method, params);
        self.stream.write_all(&request.to_vec()?)?;
        loop {
            let frame = self.next_frame()?;
            let raw = RawMessage::from_slice(&frame)?;
            if let Some(echo) = raw.echo_reply() {
                let bytes = echo.to_vec()?;
                self.stream.write_all(&bytes)?;
                continue;
            }
            if let RawMessage::Response { id: rid, error, .. } = &raw {
                if rid.get() == id.to_string() {
                    if let Some(e) = error.filter(|e| e.get() != "null") {
                        return Err(RawError::Rpc(e.get().to_owned()));
                    }
                    return Ok(frame);
                }
            }
        }
    }

    /// Like [`RawConnection::call`], decoding the reply's `result` member.
    pub fn call_value(&mut self, method: &str, params: Vec<Value>) -> Result<Value, RawError> {
        let frame = self.call(method, params)?;
        match Message::from_slice(&frame)? {
            Message::Response { result, .. } => Ok(result),
            _ => Err(RawError::Closed),
        }
    }

    /// Runs `ops` as one `transact` on `db`; a failed operation is an `Err`.
    pub fn transact(&mut self, db: &str, ops: &[Operation]) -> Result<Value, RawError> {
        let mut params = vec![Value::from(db)];
        for op in ops {
            params.push(serde_json::to_value(op).map_err(|e| RawError::Rpc(e.to_string()))?);
        }
        let result = self.call_value("transact", params)?;
        let failed = result
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r.get("error").is_some());
        if let Some(err) = failed {
            return Err(RawError::Rpc(err.to_string()));
        }
        Ok(result)
    }

    fn next_frame(&mut self) -> Result<Bytes, RawError> {
        loop {
            if let Some(frame) = self.framer.decode(&mut self.buf)? {
                return Ok(frame);
            }
            self.buf.reserve(1 << 16);
            let mut chunk = vec![0u8; 1 << 16];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(RawError::Closed);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

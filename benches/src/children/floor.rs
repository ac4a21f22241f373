//! The floor of a full sync: a client that asks for every table and column and only finds
//! where the reply ends (by counting braces outside strings), decoding nothing. Its wall time
//! is what ovsdb-server needs to build and deliver the bytes.

use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Finds the end of one top-level JSON object in a byte stream, counting braces and brackets
/// outside strings.
#[derive(Debug, Default)]
pub struct BraceCounter {
    depth: usize,
    in_string: bool,
    escaped: bool,
    started: bool,
}

impl BraceCounter {
    /// Feeds `bytes`; returns how many of them complete the value, if it completes here.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.started && self.depth == 0 {
                        *self = BraceCounter::default();
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// Sends `request` and reads until its reply ends; returns the reply's bytes when `keep`,
/// else only its length (bytes after the reply are left unread: nothing else is expected).
async fn exchange(
    stream: &mut UnixStream,
    request: &Value,
    buf: &mut [u8],
    keep: bool,
) -> Result<(usize, Vec<u8>), String> {
    stream
        .write_all(request.to_string().as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut counter = BraceCounter::default();
    let mut total = 0;
    let mut kept = Vec::new();
    loop {
        let n = stream.read(buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("server closed the connection".into());
        }
        let end = counter.feed(&buf[..n]);
        let used = end.unwrap_or(n);
        total += used;
        if keep {
            kept.extend_from_slice(&buf[..used]);
        }
        if end.is_some() {
            return Ok((total, kept));
        }
    }
}

/// Connects to `socket`, fetches `db`'s schema, monitors every table with
/// `monitor_cond_since` (what ours and the python IDL send) and reports the reply's size.
pub async fn run(socket: &str, db: &str) -> Result<Value, String> {
    let started = std::time::Instant::now();
    let mut stream = UnixStream::connect(socket)
        .await
        .map_err(|e| format!("{socket}: {e}"))?;
    let mut buf = vec![0u8; 1 << 20];
    let (_, schema) = exchange(
        &mut stream,
        &json!({"id": 1, "method": "get_schema", "params": [db]}),
        &mut buf,
        true,
    )
    .await?;
    let schema: Value = serde_json::from_slice(&schema).map_err(|e| e.to_string())?;
    let tables: Map<String, Value> = schema["result"]["tables"]
        .as_object()
        .ok_or("schema without tables")?
        .keys()
        .map(|t| (t.clone(), json!({})))
        .collect();
    let request = json!({
        "id": 2,
        "method": "monitor_cond_since",
        "params": [db, "floor", tables, "00000000-0000-0000-0000-000000000000"],
    });
    let (bytes, _) = exchange(&mut stream, &request, &mut buf, false).await?;
    Ok(json!({"bytes": bytes, "ready_secs": started.elapsed().as_secs_f64()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_braces_in_strings_and_resumes_across_chunks() {
        let mut c = BraceCounter::default();
        assert_eq!(c.feed(br#"{"a": "}\"{", "b": [1, {"#), None);
        assert_eq!(c.feed(br#"}]} tail"#), Some(3));
        // And it is ready for the next value.
        assert_eq!(c.feed(b"[[]]"), Some(4));
    }
}

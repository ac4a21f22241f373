//! The wire protocol (RFC 7047 section 4): JSON-RPC 1.0 messages sent back to back over a
//! stream.
//!
//! OVSDB puts no delimiter between messages: the stream is a sequence of JSON objects, possibly
//! separated by whitespace. This module has two layers:
//!
//! - **Framing**: [`JsonFramer`] is a [`tokio_util::codec::Decoder`] that scans bytes as they
//!   arrive (tracking strings, escapes and `{}`/`[]` nesting, resuming where it stopped) and yields
//!   the exact bytes of each complete top-level object as [`bytes::Bytes`]. It bounds memory with a
//!   maximum message size ([`DEFAULT_MAX_MESSAGE_SIZE`], 64 MiB) and a maximum nesting depth
//!   ([`DEFAULT_MAX_DEPTH`], 1024), and reports corrupt input with the offending byte and its
//!   stream offset ([`WireError`]).
//! - **Messages**: [`Message`] is a request, response or notification with its members decoded
//!   into [`serde_json::Value`]s; [`RawMessage`] borrows from a frame and keeps `params`, `result`
//!   and `error` as raw JSON text ([`serde_json::value::RawValue`]), so large monitor replies are
//!   routed by id or method and then deserialized straight into typed structs, with no `Value`
//!   tree. [`MessageCodec`] combines the framer with [`Message`] decoding; both codecs encode
//!   either message type.
//!
//! Decoding two back-to-back messages from one buffer, first as [`Message`]s, then on the hot
//! path as frames and [`RawMessage`]s:
//!
//! ```
//! use bytes::BytesMut;
//! use ovsdb::wire::{JsonFramer, Message, MessageCodec, RawMessage};
//! use serde_json::json;
//! use tokio_util::codec::Decoder;
//!
//! let input = br#"{"id":"echo","method":"echo","params":[]}
//! {"id":1,"result":[{"rows":[{"name":"sw0"}]}],"error":null}"#;
//!
//! let mut codec = MessageCodec::new();
//! let mut buf = BytesMut::from(&input[..]);
//! let first = codec.decode(&mut buf)?.unwrap();
//! assert_eq!(first, Message::request(json!("echo"), "echo", vec![]));
//! let second = codec.decode(&mut buf)?.unwrap();
//! assert_eq!(second, Message::response(json!(1), json!([{"rows": [{"name": "sw0"}]}])));
//! assert!(codec.decode(&mut buf)?.is_none());
//!
//! #[derive(serde::Deserialize)]
//! struct SelectResult {
//!     rows: Vec<serde_json::Map<String, serde_json::Value>>,
//! }
//!
//! let mut framer = JsonFramer::new();
//! let mut buf = BytesMut::from(&input[..]);
//! while let Some(frame) = framer.decode(&mut buf)? {
//!     match RawMessage::from_slice(&frame)? {
//!         RawMessage::Response { id, result: Some(result), error: None } => {
//!             assert_eq!(id.get(), "1");
//!             let results: Vec<SelectResult> = serde_json::from_str(result.get())?;
//!             assert_eq!(results[0].rows[0]["name"], "sw0");
//!         }
//!         request => assert_eq!(request.method(), Some("echo")),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codec;
mod error;
mod framer;
mod message;
pub mod parts;

pub use self::codec::MessageCodec;
pub use self::error::WireError;
pub(crate) use self::framer::is_json_whitespace;
pub use self::framer::{JsonFramer, ReplyFramer, DEFAULT_MAX_DEPTH, DEFAULT_MAX_MESSAGE_SIZE};
pub use self::message::{Message, MessageKind, RawMessage};
pub use self::parts::{Chunk, Part, PartsHead, Segment};

/// `serde_json::from_slice`, faster on large input: the bytes are checked to be UTF-8 once,
/// as a whole, and then parsed as text, instead of serde_json checking each string it meets
/// (several percent of decoding a large monitor reply). Input that is not UTF-8 is handed to
/// `from_slice` as it is, so the result and the error are exactly `from_slice`'s.
pub fn from_json_slice<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod from_json_slice_tests {
    use super::from_json_slice;
    use serde_json::Value;

    /// Same value, and same error text, as `serde_json::from_slice`: valid text, a syntax
    /// error, and bytes that are not UTF-8 inside a string.
    #[test]
    fn agrees_with_from_slice() {
        let cases: [&[u8]; 4] = [
            br#"{"a":["set",[1,2]],"b":"caf\u00e9"}"#,
            "{\"a\":\"caf\u{e9}\"}".as_bytes(),
            br#"{"a":[1,}"#,
            b"{\"a\":\"\xff\xfe\"}",
        ];
        for bytes in cases {
            let ours = from_json_slice::<Value>(bytes).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(bytes));
        }
    }
}

//! `tokio_util` codecs: [`MessageCodec`] decodes whole [`Message`]s; both it and
//! [`JsonFramer`] encode [`Message`]s and [`RawMessage`]s.

use bytes::{BufMut, BytesMut};
use serde::Serialize;
use tokio_util::codec::{Decoder, Encoder};

use super::error::WireError;
use super::framer::JsonFramer;
use super::message::{Message, RawMessage};

/// A codec for JSON-RPC 1.0 over a stream: frames with a [`JsonFramer`] and decodes each frame
/// into an owned [`Message`]; encodes [`Message`]s and [`RawMessage`]s.
///
/// This is the simple, general path. A client that receives large monitor replies should frame
/// with [`JsonFramer`] and decode each frame as a [`RawMessage`] instead, deserializing params and
/// results straight into its own types.
///
/// ```
/// use bytes::BytesMut;
/// use ovsdb::wire::{Message, MessageCodec};
/// use serde_json::json;
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = MessageCodec::new().with_max_message_size(1 << 20);
/// let mut buf = BytesMut::new();
/// codec.encode(&Message::request(json!(1), "list_dbs", vec![]), &mut buf).unwrap();
/// assert_eq!(&buf[..], br#"{"id":1,"method":"list_dbs","params":[]}"#);
/// let msg = codec.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(msg.method(), Some("list_dbs"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageCodec {
    framer: JsonFramer,
}

impl MessageCodec {
    /// A codec with the default limits (see [`JsonFramer::new`]).
    pub fn new() -> MessageCodec {
        MessageCodec::default()
    }

    /// A codec using this framer (and its limits).
    pub fn with_framer(framer: JsonFramer) -> MessageCodec {
        MessageCodec { framer }
    }

    /// Sets the maximum size of one message in bytes
    /// (default [`DEFAULT_MAX_MESSAGE_SIZE`](super::DEFAULT_MAX_MESSAGE_SIZE)).
    pub fn with_max_message_size(self, bytes: usize) -> MessageCodec {
        MessageCodec {
            framer: self.framer.with_max_message_size(bytes),
        }
    }

    /// Sets the maximum nesting depth (default [`DEFAULT_MAX_DEPTH`](super::DEFAULT_MAX_DEPTH)).
    pub fn with_max_depth(self, depth: usize) -> MessageCodec {
        MessageCodec {
            framer: self.framer.with_max_depth(depth),
        }
    }

    /// The framer underneath.
    pub fn framer(&self) -> &JsonFramer {
        &self.framer
    }
}

impl Decoder for MessageCodec {
    type Item = Message;
    type Error = WireError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, WireError> {
        match self.framer.decode(buf)? {
            Some(frame) => Message::from_slice(&frame).map(Some),
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, WireError> {
        match self.framer.decode_eof(buf)? {
            Some(frame) => Message::from_slice(&frame).map(Some),
            None => Ok(None),
        }
    }
}

/// Appends the compact JSON of `item` to `dst`; on error `dst` is left as it was.
fn encode_json<T: Serialize + ?Sized>(item: &T, dst: &mut BytesMut) -> Result<(), WireError> {
    let start = dst.len();
    serde_json::to_writer(dst.writer(), item).map_err(|e| {
        dst.truncate(start);
        WireError::Encode(e)
    })
}

macro_rules! message_encoders {
    ($codec:ty) => {
        impl Encoder<Message> for $codec {
            type Error = WireError;
            fn encode(&mut self, item: Message, dst: &mut BytesMut) -> Result<(), WireError> {
                encode_json(&item, dst)
            }
        }

        impl Encoder<&Message> for $codec {
            type Error = WireError;
            fn encode(&mut self, item: &Message, dst: &mut BytesMut) -> Result<(), WireError> {
                encode_json(item, dst)
            }
        }

        impl Encoder<RawMessage<'_>> for $codec {
            type Error = WireError;
            fn encode(
                &mut self,
                item: RawMessage<'_>,
                dst: &mut BytesMut,
            ) -> Result<(), WireError> {
                encode_json(&item, dst)
            }
        }

        impl Encoder<&RawMessage<'_>> for $codec {
            type Error = WireError;
            fn encode(
                &mut self,
                item: &RawMessage<'_>,
                dst: &mut BytesMut,
            ) -> Result<(), WireError> {
                encode_json(item, dst)
            }
        }
    };
}

message_encoders!(MessageCodec);
message_encoders!(JsonFramer);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn encodes_back_to_back_and_keeps_the_buffer_clean_on_error() {
        let mut codec = MessageCodec::new();
        let mut buf = BytesMut::new();
        codec
            .encode(Message::request(json!(1), "echo", vec![]), &mut buf)
            .unwrap();
        let bad = Message::request(Value::Null, "echo", vec![json!("x".repeat(100))]);
        assert!(matches!(
            codec.encode(&bad, &mut buf),
            Err(WireError::Encode(_))
        ));
        codec
            .encode(&Message::notification("n", vec![]), &mut buf)
            .unwrap();
        assert_eq!(
            &buf[..],
            br#"{"id":1,"method":"echo","params":[]}{"id":null,"method":"n","params":[]}"#
        );
        let first = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(first, Message::request(json!(1), "echo", vec![]));
        let second = codec.decode_eof(&mut buf).unwrap().unwrap();
        assert_eq!(second, Message::notification("n", vec![]));
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn framer_encodes_raw_messages() {
        let mut framer = JsonFramer::new();
        let mut buf = BytesMut::from(&br#" {"id":"echo","method":"echo","params":["a"]}"#[..]);
        let frame = framer.decode(&mut buf).unwrap().unwrap();
        let raw = RawMessage::from_slice(&frame).unwrap();
        let mut out = BytesMut::new();
        framer.encode(raw.echo_reply().unwrap(), &mut out).unwrap();
        framer.encode(&raw, &mut out).unwrap();
        assert_eq!(
            &out[..],
            br#"{"id":"echo","result":["a"],"error":null}{"id":"echo","method":"echo","params":["a"]}"#
        );
    }

    #[test]
    fn decode_errors_surface() {
        let mut codec = MessageCodec::new();
        let mut buf = BytesMut::from(&br#"{"id":1} "#[..]);
        assert!(matches!(codec.decode(&mut buf), Err(WireError::Invalid(_))));
        let mut codec = MessageCodec::new().with_max_depth(3);
        assert_eq!(codec.framer().max_depth(), 3);
        let mut buf = BytesMut::from(&br#"{"id":1,"result":[[[1]]]}"#[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(WireError::TooDeep { limit: 3, .. })
        ));
        let mut codec = MessageCodec::with_framer(JsonFramer::new().with_max_message_size(4));
        let mut buf = BytesMut::from(&br#"{"id":1,"result":1}"#[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(WireError::TooLarge { limit: 4, .. })
        ));
        let mut codec = MessageCodec::new();
        let mut buf = BytesMut::from(&br#"{"id":1,"result":"#[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(WireError::Truncated { .. })
        ));
    }
}

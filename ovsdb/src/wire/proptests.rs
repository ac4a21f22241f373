//! Property tests: encode -> decode identity for arbitrary messages, and identical results for
//! any split of a stream into reads.

use bytes::BytesMut;
use proptest::prelude::*;
use serde_json::Value;
use tokio_util::codec::{Decoder, Encoder};

use super::{JsonFramer, Message, MessageCodec, RawMessage, WireError};

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // NaN and infinities have no JSON form.
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        // Strings full of the bytes the framer cares about.
        "[\"\\\\{}\\[\\]\\\\u00e9 ]{0,12}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn message() -> impl Strategy<Value = Message> {
    let params = || prop::collection::vec(json_value(), 0..5);
    prop_oneof![
        (
            json_value().prop_filter("non-null id", |id| !id.is_null()),
            any::<String>(),
            params()
        )
            .prop_map(|(id, method, params)| Message::Request { id, method, params }),
        (json_value(), json_value(), json_value())
            .prop_map(|(id, result, error)| Message::Response { id, result, error }),
        (any::<String>(), params())
            .prop_map(|(method, params)| Message::Notification { method, params }),
    ]
}

/// Feeds `stream` to `decoder` in reads of the given sizes (cycled), then ends the stream.
fn feed<D: Decoder<Error = WireError>>(
    decoder: &mut D,
    stream: &[u8],
    sizes: &[usize],
) -> (Vec<D::Item>, Option<String>) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = stream;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(item)) => out.push(item),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(item)) => out.push(item),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e.to_string())),
        }
    }
}

/// What may come between messages.
const SEPARATORS: [&str; 5] = ["", " ", "\n", "\r\n", "\t \n"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_decode_identity(msg in message()) {
        let bytes = msg.to_vec().unwrap();
        prop_assert_eq!(&Message::from_slice(&bytes).unwrap(), &msg);
        let raw = RawMessage::from_slice(&bytes).unwrap();
        prop_assert_eq!(raw.kind(), msg.kind());
        prop_assert_eq!(&raw.to_message().unwrap(), &msg);
        // Raw members are written back verbatim, so re-encoding gives the same bytes.
        prop_assert_eq!(raw.to_vec().unwrap(), bytes.clone());
        // The codec writes the same bytes.
        let mut buf = BytesMut::new();
        MessageCodec::new().encode(&msg, &mut buf).unwrap();
        prop_assert_eq!(&buf[..], &bytes[..]);
    }

    #[test]
    fn any_split_gives_the_same_messages(
        msgs in prop::collection::vec(message(), 0..6),
        seps in prop::collection::vec(prop::sample::select(SEPARATORS.to_vec()), 6),
        sizes in prop::collection::vec(1usize..64, 1..16),
    ) {
        let mut stream = Vec::new();
        let mut encoded = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            stream.extend_from_slice(seps[i].as_bytes());
            let bytes = m.to_vec().unwrap();
            stream.extend_from_slice(&bytes);
            encoded.push(bytes);
        }
        stream.extend_from_slice(seps[5].as_bytes());

        let (decoded, err) = feed(&mut MessageCodec::new(), &stream, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(&decoded, &msgs);

        let (frames, err) = feed(&mut JsonFramer::new(), &stream, &sizes);
        prop_assert_eq!(err, None);
        let frames: Vec<Vec<u8>> = frames.iter().map(|f| f.to_vec()).collect();
        prop_assert_eq!(frames, encoded);
    }

    /// Arbitrary bytes (mostly JSON-ish) never panic, and give the same frames and the same error
    /// whether fed at once or in arbitrary reads.
    #[test]
    fn arbitrary_input_is_split_invariant(
        stream in prop::collection::vec(
            prop_oneof![
                8 => prop::sample::select(b"{}[]\"\\ :,1an\n".to_vec()),
                1 => any::<u8>(),
            ],
            0..200,
        ),
        sizes in prop::collection::vec(1usize..16, 1..8),
        max_size in 4usize..64,
        max_depth in 1usize..6,
    ) {
        let framer = || JsonFramer::new().with_max_message_size(max_size).with_max_depth(max_depth);
        let whole = feed(&mut framer(), &stream, &[stream.len().max(1)]);
        let split = feed(&mut framer(), &stream, &sizes);
        prop_assert_eq!(&split.1, &whole.1);
        prop_assert_eq!(split.0, whole.0);
    }
}

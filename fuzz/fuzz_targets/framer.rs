//! The framer and message decoding on arbitrary bytes, fed in two reads split at an
//! input-chosen point: never a panic, the same frames (or the same error) as when fed at once,
//! and every decoded message re-encodes to bytes that decode to the same message.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use ovsdb::wire::{JsonFramer, Message, RawMessage};
use tokio_util::codec::Decoder;

/// All frames from `parts` fed one after another, then the end-of-stream result.
fn frames(parts: &[&[u8]]) -> (Vec<Bytes>, Option<String>) {
    let mut framer = JsonFramer::new()
        .with_max_message_size(1 << 16)
        .with_max_depth(128);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for part in parts {
        buf.extend_from_slice(part);
        loop {
            match framer.decode(&mut buf) {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    match framer.decode_eof(&mut buf) {
        Ok(Some(frame)) => out.push(frame),
        Ok(None) => {}
        Err(e) => return (out, Some(e.to_string())),
    }
    (out, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let at = first as usize % (rest.len() + 1);
    let whole = frames(&[rest]);
    let split = frames(&[&rest[..at], &rest[at..]]);
    assert_eq!(whole, split, "a split at {at} changed the outcome");

    for frame in &whole.0 {
        let _ = RawMessage::from_slice(frame).map(|raw| raw.to_vec());
        if let Ok(msg) = Message::from_slice(frame) {
            let bytes = msg.to_vec().expect("a decoded message re-encodes");
            assert_eq!(Message::from_slice(&bytes).ok(), Some(msg));
        }
    }
});

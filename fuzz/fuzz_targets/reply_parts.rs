//! Large monitor replies in parts (`ReplyFramer` + `PartsDecoder`) on arbitrary bytes: never a
//! panic; the parts of a reply put back together are the frame `JsonFramer` yields for it;
//! and what decodes piecewise is exactly what the whole frame decodes to (nothing the whole
//! decode refuses is accepted piecewise).
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use ovsdb::monitor::{MonitorCondSinceReply, PartsDecoder, PartsReply, TableUpdates2};
use ovsdb::wire::{Chunk, JsonFramer, RawMessage, ReplyFramer};
use tokio_util::codec::Decoder;

type Decoded = Option<Result<PartsReply, String>>;

/// Every message of `input` (fed `read` bytes at a time) as its frame, with the piecewise
/// decode of those that came in parts.
fn messages(input: &[u8], read: usize, min_part: usize) -> Vec<(Bytes, Decoded)> {
    let framer = JsonFramer::new().with_max_message_size(1 << 16);
    let mut framer = ReplyFramer::new(framer, min_part);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut current: Option<(BytesMut, Result<PartsDecoder, String>)> = None;
    let mut take = |chunk: Chunk, out: &mut Vec<(Bytes, Decoded)>| match chunk {
        Chunk::Frame(f) => out.push((f, None)),
        Chunk::Part(p) => {
            let (mut joined, decoder) = match current.take() {
                None => (
                    BytesMut::new(),
                    PartsDecoder::start(&p).map_err(|e| e.to_string()),
                ),
                Some((joined, decoder)) => (
                    joined,
                    decoder.and_then(|mut d| d.add(&p).map(|()| d).map_err(|e| e.to_string())),
                ),
            };
            joined.extend_from_slice(&p.raw);
            if p.last {
                let decoded = decoder.and_then(|d| d.finish().map_err(|e| e.to_string()));
                out.push((joined.freeze(), Some(decoded)));
            } else {
                current = Some((joined, decoder));
            }
        }
    };
    for piece in input.chunks(read.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match framer.decode(&mut buf) {
                Ok(Some(chunk)) => take(chunk, &mut out),
                Ok(None) => break,
                Err(_) => return out,
            }
        }
    }
    if let Ok(Some(chunk)) = framer.decode_eof(&mut buf) {
        take(chunk, &mut out);
    }
    out
}

/// The whole frame decoded as the reply `like` is.
fn whole(frame: &[u8], like: &PartsReply) -> Option<PartsReply> {
    let RawMessage::Response {
        result: Some(result),
        error,
        ..
    } = RawMessage::from_slice(frame).ok()?
    else {
        return None;
    };
    if error.is_some_and(|e| e.get() != "null") {
        return None;
    }
    let bytes = result.get().as_bytes();
    match like {
        PartsReply::Cond(_) => serde_json::from_slice::<TableUpdates2>(bytes)
            .ok()
            .map(PartsReply::Cond),
        PartsReply::Since(_) => serde_json::from_slice::<MonitorCondSinceReply>(bytes)
            .ok()
            .map(PartsReply::Since),
    }
}

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    let min_part = 1 + *a as usize;
    let read = 1 + *b as usize;
    let parts = messages(rest, read, min_part);
    let mut plain = JsonFramer::new().with_max_message_size(1 << 16);
    let mut buf = BytesMut::from(rest);
    for (frame, decoded) in parts {
        if let Ok(Some(expected)) = plain.decode(&mut buf) {
            assert_eq!(frame, expected, "the parts do not put back together");
        }
        if let Some(Ok(piecewise)) = decoded {
            assert_eq!(Some(&piecewise), whole(&frame, &piecewise).as_ref());
        }
    }
});

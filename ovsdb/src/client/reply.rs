//! What the connection task makes of each frame the server sends: a [`Reply`] to one of our
//! requests (its id and its result as a zero-copy slice of the frame), or any other message.
//!
//! Large replies (an initial monitor reply of a 100k-row database is tens of MB; so is a
//! whole-table `select`) take a fast path: ovsdb-server writes every successful reply as
//! `{"id":N,"result":...,"error":null}`, and the framer has already checked that the frame's
//! strings and brackets balance, so the result is the bytes between that head and that tail.
//! The general parser would walk the whole result once more only to find where it ends
//! (about a fifth of a big sync's instructions). A result that is not one JSON value after
//! all (a server that sent extra members) fails where it is decoded, as a decode error;
//! frames of any other shape, and every small frame, take the general parser.

use std::ops::Range;

use bytes::Bytes;
use serde_json::value::RawValue;

use super::in_parts::Decoded;
use crate::wire::parts::{reply_head, ReplyHead, SUCCESS_TAIL};
use crate::wire::{RawMessage, WireError};

/// A reply, parsed once by the task: its `result` as a zero-copy slice of the frame, or its
/// `error` as JSON text. Callers decode the result straight from these bytes.
pub(crate) struct Reply {
    outcome: Result<Bytes, String>,
    /// A monitor reply that came in parts, decoded as they arrived (its bytes are gone).
    decoded: Option<Box<Decoded>>,
}

impl Reply {
    /// From the members of a response parsed from `frame`.
    pub(crate) fn new(frame: &Bytes, result: Option<&RawValue>, error: Option<&RawValue>) -> Reply {
        let outcome = match (result, error) {
            (_, Some(e)) if e.get() != "null" => Err(e.get().to_owned()),
            (Some(r), _) => Ok(sub_bytes(frame, r.get())),
            _ => Err("reply without result".into()),
        };
        Reply {
            outcome,
            decoded: None,
        }
    }

    /// A successful monitor reply already decoded from its parts.
    pub(crate) fn decoded(reply: Decoded) -> Reply {
        Reply {
            outcome: Ok(Bytes::new()),
            decoded: Some(Box::new(reply)),
        }
    }

    /// The reply decoded from its parts, if it came that way.
    pub(crate) fn take_decoded(&mut self) -> Option<Decoded> {
        self.decoded.take().map(|d| *d)
    }

    /// The `result` member's JSON, or the `error` member's JSON text.
    pub(crate) fn result(&self) -> Result<&[u8], String> {
        match &self.outcome {
            Ok(b) => Ok(b),
            Err(e) => Err(e.clone()),
        }
    }
}

/// One frame from the server, classified.
pub(crate) enum Incoming<'a> {
    /// A response: the request id it answers (or the id's JSON text if it is not one of
    /// ours, which are all integers), and the reply.
    Response {
        id: Result<u64, String>,
        reply: Reply,
    },
    /// A request or a notification.
    Other(RawMessage<'a>),
}

impl<'a> Incoming<'a> {
    /// Classifies `frame` (one complete JSON value from the framer).
    pub(crate) fn parse(frame: &'a Bytes) -> Result<Incoming<'a>, WireError> {
        if let Some((id, result)) = fast_success(frame) {
            return Ok(Incoming::Response {
                id: Ok(id),
                reply: Reply {
                    outcome: Ok(frame.slice(result)),
                    decoded: None,
                },
            });
        }
        Ok(match RawMessage::from_slice(frame)? {
            RawMessage::Response { id, result, error } => Incoming::Response {
                id: serde_json::from_str::<u64>(id.get()).map_err(|_| id.get().to_owned()),
                reply: Reply::new(frame, result, error),
            },
            other => Incoming::Other(other),
        })
    }
}

/// Frames shorter than this take the general parser: the fast path only pays on big replies.
const FAST_PATH_MIN: usize = 64 * 1024;

/// The id and the result's byte range of a successful reply written the way ovsdb-server
/// writes them (`{"id":N,"result":...,"error":null}`), if `frame` is a large one of that shape.
fn fast_success(frame: &[u8]) -> Option<(u64, Range<usize>)> {
    if frame.len() < FAST_PATH_MIN || !frame.ends_with(SUCCESS_TAIL) {
        return None;
    }
    let ReplyHead::Yes { id, result_at } = reply_head(frame) else {
        return None;
    };
    let end = frame.len() - SUCCESS_TAIL.len();
    (result_at < end).then_some((id, result_at..end))
}

/// `part` (borrowed from `frame` by the parser) as a slice of `frame` without copying; a copy
/// if it is not inside `frame` after all.
fn sub_bytes(frame: &Bytes, part: &str) -> Bytes {
    let start = (part.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
    match start.checked_add(part.len()) {
        Some(end) if end <= frame.len() => frame.slice(start..end),
        _ => Bytes::copy_from_slice(part.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply padded past the fast path's threshold.
    fn big_reply(id: &str, error: &str) -> Vec<u8> {
        let pad = "x".repeat(FAST_PATH_MIN);
        format!(r#"{{"id":{id},"result":{{"rows":[{{"name":"{pad}"}}]}},"error":{error}}}"#)
            .into_bytes()
    }

    fn outcome(frame: &[u8]) -> (Result<u64, String>, Result<Vec<u8>, String>) {
        let frame = Bytes::copy_from_slice(frame);
        match Incoming::parse(&frame) {
            Ok(Incoming::Response { id, reply }) => (id, reply.result().map(<[u8]>::to_vec)),
            Ok(Incoming::Other(_)) => panic!("not a response"),
            Err(_) => panic!("not a message"),
        }
    }

    /// The fast path and the general parser agree on every reply they both read.
    #[test]
    fn fast_path_gives_what_the_general_parser_gives() {
        for frame in [
            big_reply("7", "null"),
            big_reply("18446744073709551615", "null"),
        ] {
            let (id, result) = outcome(&frame);
            let general = RawMessage::from_slice(&frame).unwrap();
            let RawMessage::Response {
                id: gid,
                result: gr,
                ..
            } = general
            else {
                panic!("not a response");
            };
            assert_eq!(id, Ok(gid.get().parse().unwrap()));
            assert_eq!(result.unwrap(), gr.unwrap().get().as_bytes());
            assert!(fast_success(&frame).is_some());
        }
    }

    /// Errors, string or null ids, other member orders and small frames take the general
    /// parser and come out the same as before.
    #[test]
    fn other_shapes_take_the_general_parser() {
        let error = big_reply("7", r#""not allowed""#);
        assert!(fast_success(&error).is_none());
        assert_eq!(outcome(&error).1, Err(r#""not allowed""#.to_string()));

        let string_id = big_reply(r#""abc""#, "null");
        assert!(fast_success(&string_id).is_none());
        assert_eq!(outcome(&string_id).0, Err(r#""abc""#.to_string()));

        for id in ["007", "123456789012345678901"] {
            assert!(fast_success(&big_reply(id, "null")).is_none(), "{id}");
        }

        let small = br#"{"id":3,"result":{},"error":null}"#;
        assert!(fast_success(small).is_none());
        assert_eq!(outcome(small), (Ok(3), Ok(b"{}".to_vec())));

        let reordered = format!(
            r#"{{"result":[{}],"id":4,"error":null}}"#,
            "1,".repeat(FAST_PATH_MIN) + "1"
        );
        assert!(fast_success(reordered.as_bytes()).is_none());
        assert_eq!(outcome(reordered.as_bytes()).0, Ok(4));
    }

    /// A hostile frame that only looks like a reply yields a result that fails to decode;
    /// it never reads as a valid value.
    #[test]
    fn extra_members_fail_where_the_result_is_decoded() {
        let pad = "x".repeat(FAST_PATH_MIN);
        let frame = format!(r#"{{"id":1,"result":{{"a":"{pad}"}},"method":"x","error":null}}"#);
        let (_, result) = outcome(frame.as_bytes());
        let result = result.unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&result).is_err());
    }
}

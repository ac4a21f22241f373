//! Decoding a large `monitor_cond` / `monitor_cond_since` reply from the parts the framer cuts
//! it into ([`crate::wire::parts`]), so its rows are decoded while the rest of the reply is
//! still arriving and the reply's bytes are never all held at once.
//!
//! The result is exactly what decoding the whole reply gives ([`TableUpdates2`] or
//! [`MonitorCondSinceReply`]), and whatever the whole decode would refuse is refused: the
//! framer checks the bytes between tables, and this checks the head, every table name, every
//! row and the tail.

use compact_str::CompactString;
use serde::de::Error as _;

use super::update::{rows2_from_members, MonitorCondSinceReply, TableUpdate, TableUpdates2};
use crate::wire::parts::{Part, SUCCESS_TAIL};

/// What a monitor reply in parts decodes to.
#[derive(Debug, Clone, PartialEq)]
pub enum PartsReply {
    /// A `monitor_cond` reply.
    Cond(TableUpdates2),
    /// A `monitor_cond_since` reply.
    Since(MonitorCondSinceReply),
}

/// Decodes a monitor reply part by part: [`PartsDecoder::start`] with the first part,
/// [`PartsDecoder::add`] for each of the others in order, then [`PartsDecoder::finish`].
///
/// The rows of a part decode without the parts before it ([`PartsDecoder::decode`]), so
/// several parts can be decoded at once (on other threads) and then [`pushed`](Self::push)
/// in their order: [`PartsDecoder::head`] starts a decoder without decoding the first part's
/// rows.
#[derive(Debug)]
pub struct PartsDecoder {
    /// The `monitor_cond_since` head (found, last transaction id), if the reply has one.
    since: Option<(bool, crate::data::Uuid)>,
    tables: Vec<TableUpdate<super::RowUpdate2>>,
    /// The table the parts so far ended in.
    current: Option<CompactString>,
    /// The last part has been added.
    done: bool,
}

/// The rows of one part of a monitor reply, decoded ([`PartsDecoder::decode`]), to be
/// [`pushed`](PartsDecoder::push) in the parts' order.
#[derive(Debug)]
pub struct DecodedPart {
    /// The part's rows, per table, in order.
    pub(crate) segments: Vec<TableUpdate<super::RowUpdate2>>,
    /// How the part ends the reply, checked when it is pushed.
    pub(crate) end: PartEnd,
}

/// What a part says of its place in the reply, checked in order by [`PartsDecoder::push`]:
/// whether its first rows continue the table before it, and whether it is the last part.
#[derive(Debug, Clone)]
pub(crate) struct PartEnd {
    /// The name of the table the first segment continues, if it continues one.
    pub(crate) continues: Option<CompactString>,
    /// The name of the table of the last segment, if the part has rows of any.
    ends_in: Option<CompactString>,
    /// The part's bytes after the table updates object, on the last part.
    tail: Option<Vec<u8>>,
    last: bool,
}

impl PartsDecoder {
    /// Starts with the reply's first part (the one with a [`head`](Part::head)).
    pub fn start(part: &Part) -> serde_json::Result<PartsDecoder> {
        let mut decoder = PartsDecoder::head(part)?;
        decoder.add(part)?;
        Ok(decoder)
    }

    /// Starts with the head of the reply's first part, without its rows: decode them with
    /// [`PartsDecoder::decode`] and [`push`](Self::push) them first.
    pub fn head(part: &Part) -> serde_json::Result<PartsDecoder> {
        let head = part
            .head
            .as_ref()
            .ok_or_else(|| serde_json::Error::custom("a reply in parts without its head"))?;
        let prefix = part
            .raw
            .get(head.prefix.clone())
            .ok_or_else(|| serde_json::Error::custom("a reply head out of range"))?;
        let since = if prefix.is_empty() {
            None
        } else {
            // `[FOUND,"TXN-ID",` + an empty update set closes it into a reply of its own.
            let mut closed = prefix.to_vec();
            closed.extend_from_slice(b"{}]");
            let r: MonitorCondSinceReply = crate::wire::from_json_slice(&closed)?;
            Some((r.found, r.last_txn_id))
        };
        Ok(PartsDecoder {
            since,
            tables: Vec::new(),
            current: None,
            done: false,
        })
    }

    /// The `monitor_cond_since` head: whether the server found the transaction asked for,
    /// and its last transaction id. `None` for a `monitor_cond` reply.
    pub fn since(&self) -> Option<(bool, crate::data::Uuid)> {
        self.since
    }

    /// Decodes the rows of the next part.
    pub fn add(&mut self, part: &Part) -> serde_json::Result<()> {
        self.push(PartsDecoder::decode(part)?)
    }

    /// Decodes the rows of one part on their own (any part, in any order, on any thread).
    pub fn decode(part: &Part) -> serde_json::Result<DecodedPart> {
        if part.broken {
            return Err(serde_json::Error::custom(
                "the reply is not a table-updates object as ovsdb-server writes it",
            ));
        }
        let raw = &part.raw[..];
        let slice = |r: &std::ops::Range<usize>| {
            raw.get(r.clone())
                .ok_or_else(|| serde_json::Error::custom("a row range outside its part"))
        };
        let continues = match &part.continues {
            Some(name) => Some(crate::wire::from_json_slice::<CompactString>(name)?),
            None => None,
        };
        let mut segments = Vec::with_capacity(part.segments.len());
        for (n, segment) in part.segments.iter().enumerate() {
            let members = slice(&segment.rows)?;
            let (table, continued) = match (&segment.table, &continues) {
                (Some(key), _) => (crate::wire::from_json_slice(slice(key)?)?, false),
                (None, Some(name)) if n == 0 => (name.clone(), true),
                (None, _) => return Err(serde_json::Error::custom("rows that continue no table")),
            };
            let start = segment.rows.start;
            let ends = segment.row_ends.iter().map(|&e| e.saturating_sub(start));
            let rows = rows2_from_members(members, ends, continued)?;
            segments.push(TableUpdate { table, rows });
        }
        let tail = match part.last {
            // What follows the updates object: the reply's tail.
            true => part
                .tail
                .as_ref()
                .and_then(|t| raw.get(t.clone()))
                .map(<[u8]>::to_vec),
            false => None,
        };
        Ok(DecodedPart {
            end: PartEnd {
                continues,
                ends_in: segments.last().map(|s| s.table.clone()),
                tail,
                last: part.last,
            },
            segments,
        })
    }

    /// Adds a decoded part, the parts in their order.
    pub fn push(&mut self, part: DecodedPart) -> serde_json::Result<()> {
        self.admit(&part.end)?;
        let mut segments = part.segments.into_iter();
        if part.end.continues.is_some() {
            if let (Some(first), Some(table)) = (segments.next(), self.tables.last_mut()) {
                table.rows.extend(first.rows);
            }
        }
        self.tables.extend(segments);
        Ok(())
    }

    /// Takes a part's place in the reply without its rows (for callers that keep the rows
    /// themselves): checks that its first rows continue the table the reply is in and that a
    /// last part ends the reply as a successful monitor reply, and moves on past it.
    pub(crate) fn admit(&mut self, end: &PartEnd) -> serde_json::Result<()> {
        if self.done {
            return Err(serde_json::Error::custom("a part after the reply's last"));
        }
        if end.continues.is_some() && end.continues != self.current {
            return Err(serde_json::Error::custom("rows that continue no table"));
        }
        if end.ends_in.is_some() {
            self.current.clone_from(&end.ends_in);
        }
        if end.last {
            // After the `]` that closes a `monitor_cond_since` result.
            let tail = match self.since {
                Some(_) => end.tail.as_deref().and_then(|t| t.strip_prefix(b"]")),
                None => end.tail.as_deref(),
            };
            if tail != Some(SUCCESS_TAIL) {
                return Err(serde_json::Error::custom(
                    "the reply does not end as a successful monitor reply",
                ));
            }
            self.done = true;
        }
        Ok(())
    }

    /// The decoded reply, once its last part was added.
    pub fn finish(self) -> serde_json::Result<PartsReply> {
        if !self.done {
            return Err(serde_json::Error::custom(
                "the reply's last part is missing",
            ));
        }
        let updates = TableUpdates2 {
            tables: self.tables,
        };
        Ok(match self.since {
            None => PartsReply::Cond(updates),
            Some((found, last_txn_id)) => PartsReply::Since(MonitorCondSinceReply {
                found,
                last_txn_id,
                updates,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::Decoder;

    use super::*;
    use crate::data::Uuid;
    use crate::monitor::{RowChange, RowUpdate2};
    use crate::wire::{Chunk, JsonFramer, RawMessage, ReplyFramer};

    fn change() -> impl Strategy<Value = RowChange> {
        let row = crate::data::proptests::row;
        prop_oneof![
            row().prop_map(RowChange::Initial),
            row().prop_map(RowChange::Insert),
            row().prop_map(RowChange::Modify),
            Just(RowChange::Delete),
        ]
    }

    fn updates() -> impl Strategy<Value = TableUpdates2> {
        let rows = prop::collection::vec(
            (any::<[u8; 16]>(), change()).prop_map(|(u, change)| RowUpdate2 {
                uuid: Uuid::from_bytes(u),
                change,
            }),
            0..6,
        );
        prop::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,12}", rows), 0..4).prop_map(|t| {
            TableUpdates2 {
                tables: t
                    .into_iter()
                    .map(|(table, rows)| TableUpdate {
                        table: table.into(),
                        rows,
                    })
                    .collect(),
            }
        })
    }

    fn reply() -> impl Strategy<Value = PartsReply> {
        prop_oneof![
            updates().prop_map(PartsReply::Cond),
            (any::<bool>(), any::<[u8; 16]>(), updates()).prop_map(|(found, u, updates)| {
                PartsReply::Since(MonitorCondSinceReply {
                    found,
                    last_txn_id: Uuid::from_bytes(u),
                    updates,
                })
            }),
        ]
    }

    /// The reply as ovsdb-server writes it.
    fn frame(id: u64, reply: &PartsReply) -> Vec<u8> {
        let result = match reply {
            PartsReply::Cond(u) => serde_json::to_string(u).unwrap(),
            PartsReply::Since(r) => format!(
                "[{},\"{}\",{}]",
                r.found,
                r.last_txn_id,
                serde_json::to_string(&r.updates).unwrap()
            ),
        };
        format!("{{\"id\":{id},\"result\":{result},\"error\":null}}").into_bytes()
    }

    /// What the whole frame decodes to, as a `monitor_cond` or `monitor_cond_since` reply.
    fn whole_decode(frame: &[u8], since: bool) -> Result<PartsReply, String> {
        let msg = RawMessage::from_slice(frame).map_err(|e| e.to_string())?;
        let RawMessage::Response {
            result: Some(result),
            error,
            ..
        } = msg
        else {
            return Err("not a reply with a result".into());
        };
        if error.is_some_and(|e| e.get() != "null") {
            return Err("an error reply".into());
        }
        let bytes = result.get().as_bytes();
        if since {
            crate::wire::from_json_slice(bytes).map(PartsReply::Since)
        } else {
            crate::wire::from_json_slice(bytes).map(PartsReply::Cond)
        }
        .map_err(|e| e.to_string())
    }

    /// What the framer makes of `input` fed in `reads`-sized pieces: each message as its
    /// frame (parts put back together) and, for a reply in parts, its piecewise decode.
    #[allow(clippy::type_complexity)]
    fn run(
        input: &[u8],
        reads: usize,
        min_part: usize,
    ) -> (
        Vec<(Vec<u8>, Option<Result<PartsReply, String>>)>,
        Option<String>,
    ) {
        let mut framer = ReplyFramer::new(JsonFramer::new(), min_part);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut current: Option<(Vec<u8>, Result<PartsDecoder, String>)> = None;
        let mut take = |chunk: Chunk, out: &mut Vec<_>| match chunk {
            Chunk::Frame(f) => {
                assert!(current.is_none(), "a whole frame inside a reply in parts");
                out.push((f.to_vec(), None));
            }
            Chunk::Part(p) => {
                let (mut bytes, decoder) = match current.take() {
                    None => {
                        assert!(p.head.is_some(), "the first part has the head");
                        (
                            Vec::new(),
                            PartsDecoder::start(&p).map_err(|e| e.to_string()),
                        )
                    }
                    Some((bytes, decoder)) => {
                        assert!(p.head.is_none(), "only the first part has the head");
                        let decoder = decoder.and_then(|mut d| {
                            d.add(&p).map_err(|e| e.to_string())?;
                            Ok(d)
                        });
                        (bytes, decoder)
                    }
                };
                bytes.extend_from_slice(&p.raw);
                if p.last {
                    let decoded = decoder.and_then(|d| d.finish().map_err(|e| e.to_string()));
                    out.push((bytes, Some(decoded)));
                } else {
                    current = Some((bytes, decoder));
                }
            }
        };
        for piece in input.chunks(reads.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match framer.decode(&mut buf) {
                    Ok(Some(chunk)) => take(chunk, &mut out),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e.to_string())),
                }
            }
        }
        match framer.decode_eof(&mut buf) {
            Ok(Some(chunk)) => take(chunk, &mut out),
            Ok(None) => {}
            Err(e) => return (out, Some(e.to_string())),
        }
        (out, None)
    }

    proptest! {
        /// A reply cut into parts puts back together into its frame and decodes piecewise to
        /// what it is, whatever the part size and however the reads split it; the messages
        /// around it are untouched.
        #[test]
        fn parts_decode_to_the_whole_reply(
            reply in reply(),
            id in 0u64..100_000,
            reads in 1usize..300,
            min_part in 1usize..400,
        ) {
            let frame = frame(id, &reply);
            let mut input = br#"{"id":null,"method":"update3","params":[1]}"#.to_vec();
            input.extend_from_slice(b"\n");
            input.extend_from_slice(&frame);
            input.extend_from_slice(br#" {"id":5,"result":{},"error":null}"#);
            let (messages, err) = run(&input, reads, min_part);
            prop_assert!(err.is_none(), "{:?}", err);
            prop_assert_eq!(messages.len(), 3);
            prop_assert_eq!(&messages[1].0, &frame);
            if let Some(decoded) = &messages[1].1 {
                prop_assert_eq!(decoded.as_ref().ok(), Some(&reply));
            }
            prop_assert!(messages[0].1.is_none() && messages[2].1.is_none());
        }

        /// A corrupted reply is never accepted piecewise where decoding it whole fails, and
        /// both agree where both accept it.
        #[test]
        fn parts_accept_nothing_the_whole_decode_refuses(
            reply in reply(),
            at in any::<prop::sample::Index>(),
            edit in 0u8..3,
            byte in prop::sample::select(&b",:{}[]\" \\a1n"[..]),
            min_part in 1usize..200,
            reads in 1usize..100,
        ) {
            let mut input = frame(7, &reply);
            let i = at.index(input.len());
            match edit {
                0 => input[i] = byte,
                1 => { input.remove(i); }
                _ => input.insert(i, byte),
            }
            let since = matches!(reply, PartsReply::Since(_));
            let (messages, _) = run(&input, reads, min_part);
            for (frame, decoded) in messages {
                if let Some(Ok(piecewise)) = decoded {
                    prop_assert_eq!(Ok(piecewise), whole_decode(&frame, since));
                }
            }
        }
    }

    /// Every one-byte edit of a small two-table reply (replaced, removed or inserted, with
    /// the bytes that matter to JSON's structure), cut at every row: what is accepted piecewise
    /// is exactly what the whole decode gives.
    #[test]
    fn every_one_byte_edit_is_judged_as_the_whole_decode_judges_it() {
        let row = |n: i64| {
            RowChange::Initial(crate::data::Row::new().with("n", crate::data::Atom::from(n)))
        };
        let table = |name: &str, first: u8| TableUpdate {
            table: name.into(),
            rows: (first..first + 3)
                .map(|i| RowUpdate2 {
                    uuid: Uuid::from_bytes([i; 16]),
                    change: row(i as i64),
                })
                .collect(),
        };
        let updates = TableUpdates2 {
            tables: vec![table("A", 1), table("B", 4)],
        };
        let replies = [
            PartsReply::Cond(updates.clone()),
            PartsReply::Since(MonitorCondSinceReply {
                found: false,
                last_txn_id: Uuid::from_bytes([9; 16]),
                updates,
            }),
        ];
        let mut judged = 0;
        for reply in &replies {
            let since = matches!(reply, PartsReply::Since(_));
            let good = frame(1, reply);
            for i in 0..good.len() {
                for &byte in b",:{}[]\" \\a1n" {
                    for edit in 0..3 {
                        let mut input = good.clone();
                        match edit {
                            0 => input[i] = byte,
                            1 => {
                                input.remove(i);
                            }
                            _ => input.insert(i, byte),
                        }
                        for min_part in [1, 40, 90] {
                            for (frame, decoded) in run(&input, 7, min_part).0 {
                                if let Some(decoded) = decoded {
                                    judged += 1;
                                    if let Ok(piecewise) = decoded {
                                        assert_eq!(
                                            Ok(piecewise),
                                            whole_decode(&frame, since),
                                            "{}",
                                            String::from_utf8_lossy(&frame)
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(judged > 1000, "only {judged} replies came in parts");
    }

    #[test]
    fn a_large_reply_comes_in_parts_and_small_ones_whole() {
        let reply = PartsReply::Cond(TableUpdates2 {
            tables: vec![TableUpdate {
                table: "T".into(),
                rows: (0..100u8)
                    .map(|i| RowUpdate2 {
                        uuid: Uuid::from_bytes([i; 16]),
                        change: RowChange::Initial(
                            crate::data::Row::new().with("n", crate::data::Atom::from(i as i64)),
                        ),
                    })
                    .collect(),
            }],
        });
        let frame = frame(3, &reply);
        let (messages, err) = run(&frame, 64, 1024);
        assert!(err.is_none());
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].1.clone().unwrap().unwrap(), reply);
        // Past the part size it is cut; under it the same reply is whole.
        let (messages, _) = run(&frame, 64, frame.len() + 1);
        assert!(messages[0].1.is_none());
        // A reply with an error is never decoded piecewise as a success.
        let mut bad = frame.clone();
        let n = bad.len();
        bad.splice(n - 5..n - 1, b"\"no\"".iter().copied());
        let (messages, _) = run(&bad, 64, 100);
        assert!(
            matches!(&messages[0].1, Some(Err(_))),
            "{:?}",
            messages[0].1
        );
        // Nor is one with bytes that are not UTF-8, even inside a value decoding skips (a
        // deleted row's contents).
        let mut frame = frame.clone();
        let at = 5 + frame
            .windows(5)
            .position(|w| w == b"\"T\":{")
            .expect("the table");
        let mut row = br#""00000000-0000-0000-0000-0000000000ff":{"delete":""#.to_vec();
        row.extend_from_slice(&[0xd1, 0xd1]);
        row.extend_from_slice(br#""},"#);
        frame.splice(at..at, row);
        // Valid but for those bytes: the same reply with them replaced decodes.
        let mut valid = frame.clone();
        for b in valid.iter_mut().filter(|b| **b == 0xd1) {
            *b = b'x';
        }
        assert!(run(&valid, 64, 100).0[0].1.as_ref().unwrap().is_ok());
        let (messages, _) = run(&frame, 64, 100);
        assert!(whole_decode(&messages[0].0, false).is_err());
        assert!(
            matches!(&messages[0].1, Some(Err(_))),
            "{:?}",
            messages[0].1
        );
    }
}

//! A large monitor reply in parts: what [`ReplyFramer`](super::ReplyFramer)
//! yields instead of one frame when a reply of ovsdb-server's monitor shape grows past a
//! threshold, so the client can decode its rows while the rest is still arriving and never holds
//! the whole reply (tens of MB on a 100k-row database) at once.
//!
//! Only two reply shapes are cut, exactly as ovsdb-server writes them:
//!
//! - `{"id":N,"result":{TABLE:{UUID:ROW,...},...},"error":null}` (`monitor`, `monitor_cond`);
//! - `{"id":N,"result":[FOUND,"TXN-ID",{TABLE:{UUID:ROW,...},...}],"error":null}`
//!   (`monitor_cond_since`).
//!
//! Cuts fall only right after a row (a `UUID:ROW` member closing inside a table object), so each
//! part holds whole rows. The framer checks the bytes between the pieces it cuts out (the table
//! keys' colons, the commas between tables, the whitespace around the tables' braces); the rows
//! themselves are checked by whoever decodes them. The parts of a reply, concatenated, are
//! exactly the frame the framer would otherwise have yielded, so a caller that did not want
//! parts for this reply can put them back together.

use std::ops::Range;

use bytes::Bytes;

/// What the framer yields: a whole message, or one part of a large reply.
#[derive(Debug, Clone)]
pub enum Chunk {
    /// A complete message (every message but a large monitor reply).
    Frame(Bytes),
    /// One part of a large monitor reply.
    Part(Part),
}

/// One part of a large monitor reply (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Part {
    /// The part's bytes: the parts of one reply, concatenated, are its whole frame.
    pub raw: Bytes,
    /// On the first part only: the reply's id and the bytes that open its result.
    pub head: Option<PartsHead>,
    /// The rows in `raw`, per table, in order.
    pub segments: Vec<Segment>,
    /// On the last part only: the range of `raw` after the table updates object (for example
    /// `,"error":null}`), or `None` if the reply left the expected shape.
    pub tail: Option<Range<usize>>,
    /// If the first segment continues the table the previous part ended in: that table's
    /// name as a JSON string (quotes included), so a part's rows can be decoded without the
    /// parts before it.
    pub continues: Option<Bytes>,
    /// This is the reply's last part.
    pub last: bool,
    /// The reply left the expected shape after earlier parts were already yielded: its rows
    /// cannot be trusted piecewise (put the parts back together and parse the whole, or fail).
    pub broken: bool,
}

/// How a reply in parts begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsHead {
    /// The reply's id.
    pub id: u64,
    /// The range of the first part's `raw` between the start of the result and the table
    /// updates object: empty for a `monitor` / `monitor_cond` reply, `[FOUND,"TXN-ID",` for a
    /// `monitor_cond_since` one.
    pub prefix: Range<usize>,
}

/// Some rows of one table, within a [`Part`]'s `raw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The table's name as a JSON string (quotes included); `None` if these rows continue the
    /// table the previous part ended in.
    pub table: Option<Range<usize>>,
    /// The rows, as the members of a JSON object (`"UUID":ROW,...`) without the braces. A
    /// segment that continues a table starts with the comma that separates it from the
    /// previous part's last row (and any whitespace around it). May be empty.
    pub rows: Range<usize>,
    /// Where each row ends (just past its closing brace), in `raw`: the rows are
    /// `rows.start..row_ends[0]`, `row_ends[0]..row_ends[1]`, ... (each but a continued
    /// segment's first starts with the comma before it), and `rows` ends at the last.
    pub row_ends: Vec<usize>,
}

/// Whether a buffer starts like a reply that can be cut into parts.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// Not enough bytes yet to tell.
    NeedMore,
    /// Not one of the two shapes: yield it whole.
    No,
    /// One of them.
    Yes {
        /// The stack depth inside a table object: 3 for `{"id":..,"result":{T:{`, 4 for
        /// `..,"result":[F,"T",{T:{`.
        table_level: usize,
        id: u64,
        /// The result's bytes before the updates object.
        prefix: Range<usize>,
        /// Just past the `{` that opens the updates object.
        updates_start: usize,
    },
}

/// What follows the result of every successful reply ovsdb-server writes.
pub(crate) const SUCCESS_TAIL: &[u8] = b",\"error\":null}";

/// How far a buffer matches the start ovsdb-server writes a reply with: `{"id":N,"result":`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReplyHead {
    /// A prefix of it, so far.
    NeedMore,
    /// Something else (an id that is not one of ours, which are integers, included).
    No,
    /// A reply to request `id` whose result starts at `result_at`.
    Yes { id: u64, result_at: usize },
}

/// Why a buffer does not (yet) match a shape.
enum Miss {
    /// It is a prefix of the shape, so far.
    NeedMore,
    /// It is something else.
    No,
}

/// A [`Matcher`] step as a `Result`, so that matching reads as a chain of `?`.
fn need(step: Option<bool>) -> Result<(), Miss> {
    match step {
        None => Err(Miss::NeedMore),
        Some(false) => Err(Miss::No),
        Some(true) => Ok(()),
    }
}

/// Matches `buf` against `{"id":N,"result":` (see [`ReplyHead`]).
pub(crate) fn reply_head(buf: &[u8]) -> ReplyHead {
    match head(buf) {
        Ok((id, result_at)) => ReplyHead::Yes { id, result_at },
        Err(Miss::NeedMore) => ReplyHead::NeedMore,
        Err(Miss::No) => ReplyHead::No,
    }
}

/// The id and where the result starts.
fn head(buf: &[u8]) -> Result<(u64, usize), Miss> {
    let mut m = Matcher { buf, at: 0 };
    need(m.literal(b"{\"id\":"))?;
    let digits_at = m.at;
    need(m.digits())?;
    let id = std::str::from_utf8(&buf[digits_at..m.at])
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .ok_or(Miss::No)?;
    need(m.literal(b",\"result\":"))?;
    Ok((id, m.at))
}

/// Recognises the start of a reply that can be cut (see [`Shape`]).
pub(super) fn recognize(buf: &[u8]) -> Shape {
    match cuttable(buf) {
        Ok(shape) => shape,
        Err(Miss::NeedMore) => Shape::NeedMore,
        Err(Miss::No) => Shape::No,
    }
}

/// [`recognize`]'s match; only ever `Ok(Shape::Yes {..})`.
fn cuttable(buf: &[u8]) -> Result<Shape, Miss> {
    let (id, result_at) = head(buf)?;
    let mut m = Matcher { buf, at: result_at };
    match buf.get(m.at) {
        None => Err(Miss::NeedMore),
        Some(b'{') => Ok(Shape::Yes {
            table_level: 3,
            id,
            prefix: result_at..result_at,
            updates_start: result_at + 1,
        }),
        Some(b'[') => {
            m.at += 1;
            match buf.get(m.at) {
                None => return Err(Miss::NeedMore),
                Some(b't') => need(m.literal(b"true"))?,
                Some(b'f') => need(m.literal(b"false"))?,
                Some(_) => return Err(Miss::No),
            }
            need(m.literal(b",\""))?;
            need(m.uuid_text())?;
            need(m.literal(b"\","))?;
            let prefix = result_at..m.at;
            need(m.literal(b"{"))?;
            Ok(Shape::Yes {
                table_level: 4,
                id,
                prefix,
                updates_start: m.at,
            })
        }
        Some(_) => Err(Miss::No),
    }
}

/// A cursor for [`recognize`]: each step answers `None` (ran out of bytes), `Some(false)` (does
/// not match) or `Some(true)` (matched and moved on).
struct Matcher<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Matcher<'_> {
    fn literal(&mut self, lit: &[u8]) -> Option<bool> {
        let rest = self.buf.get(self.at..).unwrap_or_default();
        let n = rest.len().min(lit.len());
        if rest[..n] != lit[..n] {
            return Some(false);
        }
        if n < lit.len() {
            return None;
        }
        self.at += lit.len();
        Some(true)
    }

    /// One to twenty digits without a leading zero (an id of ours), followed by a non-digit.
    fn digits(&mut self) -> Option<bool> {
        let rest = self.buf.get(self.at..).unwrap_or_default();
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == rest.len() {
            return if n > 20 { Some(false) } else { None };
        }
        if n == 0 || n > 20 || (n > 1 && rest[0] == b'0') {
            return Some(false);
        }
        self.at += n;
        Some(true)
    }

    /// 36 bytes of UUID text (hex digits and dashes; the decoder checks the layout).
    fn uuid_text(&mut self) -> Option<bool> {
        let rest = self.buf.get(self.at..).unwrap_or_default();
        let n = rest.len().min(36);
        if !rest[..n]
            .iter()
            .all(|b| b.is_ascii_hexdigit() || *b == b'-')
        {
            return Some(false);
        }
        if n < 36 {
            return None;
        }
        self.at += 36;
        Some(true)
    }
}

/// JSON whitespace only.
fn is_ws(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| super::is_json_whitespace(b))
}

/// Whitespace around exactly one `sep`.
fn is_separator(bytes: &[u8], sep: u8) -> bool {
    match bytes.iter().position(|&b| b == sep) {
        Some(i) => is_ws(&bytes[..i]) && is_ws(&bytes[i + 1..]),
        None => false,
    }
}

/// A table whose object is open in the buffer.
#[derive(Debug, Clone)]
struct OpenTable {
    /// Its key (quotes included), if it is in the buffer (not in an earlier part).
    key: Option<Range<usize>>,
    /// Just past its `{`, or the buffer's start if it began in an earlier part.
    members_start: usize,
    /// Just past each complete row since `members_start`.
    row_ends: Vec<usize>,
}

impl OpenTable {
    /// Just past its last complete row (`members_start` if none yet).
    fn last_row_end(&self) -> usize {
        self.row_ends.last().copied().unwrap_or(self.members_start)
    }
}

/// Where the tracker is in the current message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not yet known whether the message is a reply that can be cut.
    Pending,
    /// Tracking tables and rows.
    Active,
    /// Not cut (another shape, or it left the shape before any part was yielded).
    Off,
}

/// Follows a reply's tables and rows for the framer (positions are offsets into the framer's
/// buffer, whose start is the first byte not yet yielded).
#[derive(Debug, Clone)]
pub(super) struct Tracker {
    /// Yield a part once this many bytes of whole rows are buffered.
    min_part: usize,
    phase: Phase,
    /// The stack depth inside a table object while active.
    table_level: usize,
    /// A part of the current message was yielded.
    yielded: bool,
    broken: bool,
    /// How the message begins, until the first part takes it.
    head: Option<PartsHead>,
    /// Just past the last structure at the updates level: its `{`, or a table's `}`.
    last_close: usize,
    tables_seen: bool,
    /// Where the key of the next table starts, once seen.
    key_start: Option<usize>,
    table: Option<OpenTable>,
    /// The name (a JSON string) of the table left open by the last part yielded, for the
    /// next part's [`Part::continues`].
    open_name: Option<Bytes>,
    segments: Vec<Segment>,
    /// Just past the `}` that closes the updates object.
    updates_end: Option<usize>,
}

impl Tracker {
    /// A tracker yielding parts of at least `min_part` bytes.
    pub(super) fn new(min_part: usize) -> Tracker {
        Tracker {
            min_part: min_part.max(1),
            phase: Phase::Pending,
            table_level: usize::MAX,
            yielded: false,
            broken: false,
            head: None,
            last_close: 0,
            tables_seen: false,
            key_start: None,
            table: None,
            open_name: None,
            segments: Vec::new(),
            updates_end: None,
        }
    }

    /// Forgets the message that ended (or never began).
    pub(super) fn reset(&mut self) {
        *self = Tracker::new(self.min_part);
    }

    /// While the shape is not known, looks at the buffer (the message starts at its first
    /// byte); returns the stack depth inside a table object to watch for, or `usize::MAX`.
    pub(super) fn look(&mut self, buf: &[u8]) -> usize {
        if self.phase == Phase::Pending {
            match recognize(buf) {
                Shape::NeedMore => {}
                Shape::No => self.phase = Phase::Off,
                Shape::Yes {
                    table_level,
                    id,
                    prefix,
                    updates_start,
                } => {
                    self.phase = Phase::Active;
                    self.table_level = table_level;
                    self.head = Some(PartsHead { id, prefix });
                    self.last_close = updates_start;
                }
            }
        }
        self.level()
    }

    /// The stack depth inside a table object while tracking, else `usize::MAX`.
    pub(super) fn level(&self) -> usize {
        if self.phase == Phase::Active && !self.broken && self.updates_end.is_none() {
            self.table_level
        } else {
            usize::MAX
        }
    }

    /// The reply left the expected shape: stop tracking it.
    fn anomaly(&mut self) {
        if self.yielded {
            self.broken = true;
        } else {
            self.phase = Phase::Off;
        }
    }

    /// A string starts at `buf[i]` at the updates level (a table's key).
    pub(super) fn on_key(&mut self, buf: &[u8], i: usize) {
        let glue = buf.get(self.last_close..i).unwrap_or_default();
        let ok = self.key_start.is_none()
            && self.table.is_none()
            && if self.tables_seen {
                is_separator(glue, b',')
            } else {
                is_ws(glue)
            };
        if ok {
            self.key_start = Some(i);
        } else {
            self.anomaly();
        }
    }

    /// `buf[i]` (an opening bracket) made the stack `table_level` deep: a table opens.
    pub(super) fn on_table_open(&mut self, buf: &[u8], i: usize) {
        let key = self.key_start.take().and_then(|k| {
            let quoted = buf.get(k..i)?;
            let end = k + quoted.iter().rposition(|&b| b == b'"')? + 1;
            (end > k + 1 && is_separator(buf.get(end..i)?, b':')).then_some(k..end)
        });
        match (key, buf.get(i), &self.table) {
            (Some(key), Some(b'{'), None) => {
                self.tables_seen = true;
                self.table = Some(OpenTable {
                    key: Some(key),
                    members_start: i + 1,
                    row_ends: Vec::new(),
                });
            }
            _ => self.anomaly(),
        }
    }

    /// `buf[i]` (a closing bracket) brought the stack back to `table_level`: a row ended.
    pub(super) fn on_row_end(&mut self, i: usize) {
        match &mut self.table {
            Some(t) => t.row_ends.push(i + 1),
            None => self.anomaly(),
        }
    }

    /// Where to cut the buffer into a part, once the scan has reached its end: just after the
    /// last complete row, if at least `min_part` bytes come before it and it is a row of the
    /// table still open (so everything the part's segments hold lies before the cut, and the
    /// next part starts between two rows of one table). Cutting at the last row rather than
    /// the first past `min_part` leaves less than a row behind in the read buffer, which
    /// would otherwise be copied when the buffer is next grown.
    pub(super) fn cut_point(&self) -> Option<usize> {
        let t = self.table.as_ref()?;
        let ready = self.level() != usize::MAX
            && !t.row_ends.is_empty()
            && t.last_row_end() >= self.min_part;
        ready.then_some(t.last_row_end())
    }

    /// `buf[i]` closed a table object.
    pub(super) fn on_table_close(&mut self, buf: &[u8], i: usize) {
        match self.table.take() {
            Some(t)
                if buf[i] == b'}' && is_ws(buf.get(t.last_row_end()..i).unwrap_or_default()) =>
            {
                self.segments.push(Segment {
                    rows: t.members_start..t.last_row_end(),
                    table: t.key,
                    row_ends: t.row_ends,
                });
                self.last_close = i + 1;
            }
            _ => self.anomaly(),
        }
    }

    /// `buf[i]` closed the updates object.
    pub(super) fn on_updates_close(&mut self, buf: &[u8], i: usize) {
        let ok = buf[i] == b'}'
            && self.key_start.is_none()
            && self.table.is_none()
            && is_ws(buf.get(self.last_close..i).unwrap_or_default());
        if ok {
            self.updates_end = Some(i + 1);
        } else {
            self.anomaly();
        }
    }

    /// Whether the message being scanned is yielded in parts.
    pub(super) fn in_parts(&self) -> bool {
        self.yielded
    }

    /// The part made of the buffer's first `len` bytes (`raw`), the message ending there if
    /// `last`; positions move to the rest of the buffer.
    pub(super) fn take_part(&mut self, raw: Bytes, last: bool) -> Part {
        let len = raw.len();
        let mut segments = std::mem::take(&mut self.segments);
        let continues = self.open_name.take();
        if let Some(t) = &mut self.table {
            let key = t.key.take();
            // Copied, not sliced: a slice would keep this whole part's bytes alive.
            self.open_name = match &key {
                Some(key) => raw.get(key.clone()).map(Bytes::copy_from_slice),
                None => continues.clone(),
            };
            let end = t.last_row_end();
            segments.push(Segment {
                table: key,
                rows: t.members_start..end,
                row_ends: std::mem::take(&mut t.row_ends),
            });
            t.members_start = end.saturating_sub(len);
        }
        let continues = match segments.first() {
            Some(Segment { table: None, .. }) => continues,
            _ => None,
        };
        let head = self.head.take();
        self.yielded = true;
        let tail = match (last, self.updates_end, self.broken) {
            (true, Some(end), false) => Some(end..len),
            _ => None,
        };
        self.last_close = self.last_close.saturating_sub(len);
        self.key_start = self.key_start.map(|k| k.saturating_sub(len));
        Part {
            raw,
            head,
            segments,
            tail,
            continues,
            last,
            broken: self.broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_two_monitor_reply_shapes_only() {
        let plain = br#"{"id":12,"result":{"T":{}},"error":null}"#;
        assert_eq!(
            recognize(plain),
            Shape::Yes {
                table_level: 3,
                id: 12,
                prefix: 18..18,
                updates_start: 19
            }
        );
        let since = br#"{"id":3,"result":[false,"00000000-0000-0000-0000-000000000000",{"T":{}}],"error":null}"#;
        let Shape::Yes {
            table_level,
            id,
            prefix,
            updates_start,
        } = recognize(since)
        else {
            panic!("not recognised");
        };
        assert_eq!((table_level, id), (4, 3));
        assert_eq!(
            &since[prefix],
            &br#"[false,"00000000-0000-0000-0000-000000000000","#[..]
        );
        assert_eq!(since[updates_start - 1], b'{');
        // Every prefix of a match needs more; nothing else matches.
        for input in [&plain[..], &since[..]] {
            let updates = input.iter().position(|&b| b == b'{').unwrap();
            let end = input[updates + 1..]
                .iter()
                .position(|&b| b == b'{')
                .unwrap()
                + updates
                + 1;
            for k in 0..=end {
                assert_eq!(recognize(&input[..k]), Shape::NeedMore, "{k}");
            }
        }
        for other in [
            &br#"{"id":1,"result":[{"rows":[]}],"error":null}"#[..],
            br#"{"id":null,"method":"update3","params":[]}"#,
            br#"{"id":01,"result":{}}"#,
            br#"{"id":"x","result":{}}"#,
            br#"{"result":{},"id":1}"#,
            br#"{"id":1,"result":[true,"not-a-uuid-at-all-xxxxxxxxxxxxxxxxx",{}]}"#,
            br#"{"id":123456789012345678901,"result":{}}"#,
        ] {
            assert_eq!(
                recognize(other),
                Shape::No,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn separators() {
        assert!(is_separator(b",", b','));
        assert!(is_separator(b" \n, ", b','));
        assert!(!is_separator(b"", b','));
        assert!(!is_separator(b",,", b','));
        assert!(!is_separator(b"x,", b','));
        assert!(is_ws(b""));
        assert!(!is_ws(b"1"));
    }
}

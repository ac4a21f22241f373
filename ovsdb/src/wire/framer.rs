//! [`JsonFramer`]: splits a byte stream of back-to-back JSON objects into one frame per object.
//!
//! OVSDB (RFC 7047 section 4) sends JSON-RPC messages over a stream with no delimiter between
//! them; ovsdb-server may put whitespace or newlines between messages. The framer finds where each
//! top-level object ends by tracking three things: whether it is inside a string, whether the
//! previous byte was a backslash escape inside that string, and the stack of open `{` / `[`.
//! Inside strings only `"` and `\` matter (bytes of multi-byte UTF-8 sequences are all `>= 0x80`,
//! so they never look like either); invalid UTF-8 is left to the JSON parser.
//!
//! The scan resumes where the previous call stopped, so a message that arrives in many reads is
//! scanned once: the total work is linear in the stream length whatever the read sizes.
//!
//! The framer is deliberately a little stricter than "find the matching brace": it checks that
//! brackets match and that every byte outside strings can occur in JSON at all, so a corrupt
//! stream fails at the first bad byte with its offset rather than as a confusing parse error later.
//! It does not validate JSON grammar (commas, literals, numbers): the parser that decodes the
//! frame does.

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::error::WireError;
use super::parts::{Chunk, Tracker};

/// The default maximum message size: 64 MiB.
///
/// Generous for a client: a whole-table `select` on a large OVN Northbound database (tens of
/// thousands of logical switch ports) is in the tens of megabytes. Raise it with
/// [`JsonFramer::with_max_message_size`] for bigger replies. (A [`ReplyFramer`] yields a large
/// monitor reply in parts, and bounds only what it buffers of it.)
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// The default maximum nesting depth of arrays and objects: 1024.
///
/// Real OVSDB messages nest about ten levels deep. Note that decoding a frame into a
/// [`serde_json::Value`] (as [`Message`](super::Message) does) has serde_json's own recursion
/// limit of 128 levels, which reports an error for deeper values; this limit exists so the framer
/// rejects pathological input early and bounds its own bracket stack.
pub const DEFAULT_MAX_DEPTH: usize = 1024;

/// Byte classes outside strings.
const INVALID: u8 = 0;
const PLAIN: u8 = 1;
const QUOTE: u8 = 2;
const OPEN_OBJECT: u8 = 3;
const OPEN_ARRAY: u8 = 4;
const CLOSE_OBJECT: u8 = 5;
const CLOSE_ARRAY: u8 = 6;

/// What each byte means outside a string: structure, a byte that can be part of a number, literal,
/// separator or whitespace (`PLAIN`), or a byte that never occurs in JSON outside a string.
static CLASS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let plain = b" \t\r\n,:0123456789+-.eEtrufalsn";
    let mut i = 0;
    while i < plain.len() {
        table[plain[i] as usize] = PLAIN;
        i += 1;
    }
    table[b'"' as usize] = QUOTE;
    table[b'{' as usize] = OPEN_OBJECT;
    table[b'[' as usize] = OPEN_ARRAY;
    table[b'}' as usize] = CLOSE_OBJECT;
    table[b']' as usize] = CLOSE_ARRAY;
    table
};

/// JSON whitespace (RFC 8259): the only bytes allowed between messages.
pub(crate) fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index of the first `"` or `\` in `s`, eight bytes at a time.
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let words = s.chunks_exact(8);
    let tail_start = s.len() - words.remainder().len();
    for (n, word) in words.enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        let q = w ^ (LO * b'"' as u64);
        let b = w ^ (LO * b'\\' as u64);
        // A byte of `q` (or `b`) is zero where `w` holds a quote (or backslash). The lowest set
        // bit of this "has zero byte" mask always marks a real zero byte (false positives can only
        // appear above a real one), so with little-endian loading it is the first match.
        let mask = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b)) & HI;
        if mask != 0 {
            return Some(n * 8 + (mask.trailing_zeros() / 8) as usize);
        }
    }
    s[tail_start..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| tail_start + p)
}

/// Splits a stream of back-to-back JSON objects into frames of one object each.
///
/// Use it as a [`tokio_util::codec::Decoder`] (for example in a `FramedRead`), whose items are the
/// exact bytes of one complete top-level object (leading whitespace stripped), ready for
/// [`RawMessage::from_slice`](super::RawMessage::from_slice) or
/// [`Message::from_slice`](super::Message::from_slice). It also encodes messages. (For a codec
/// whose items are decoded [`Message`](super::Message)s, see
/// [`MessageCodec`](super::MessageCodec).)
///
/// Limits: a message longer than [`max_message_size`](Self::max_message_size) bytes, or nested
/// deeper than [`max_depth`](Self::max_depth), is an error as soon as the framer sees the byte
/// that crosses the limit; it never buffers more than the limit plus one read.
///
/// Errors: a framing error ([`WireError`]) means the stream is corrupt; close the connection
/// (calling `decode` again returns an error too, but which one is unspecified). A frame that then
/// fails to decode as a message is only that message's problem: the framer has already moved
/// past it.
///
/// ```
/// use bytes::BytesMut;
/// use ovsdb::wire::JsonFramer;
/// use tokio_util::codec::Decoder;
///
/// let mut framer = JsonFramer::new();
/// let mut buf = BytesMut::from(&b"{\"id\":1,\"result\":[\"}\"],\"error\":null}\n{\"id\":"[..]);
/// let frame = framer.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(&frame[..], br#"{"id":1,"result":["}"],"error":null}"#);
/// assert!(framer.decode(&mut buf).unwrap().is_none()); // the second message is incomplete
/// buf.extend_from_slice(b"2,\"result\":{},\"error\":null}");
/// assert!(framer.decode(&mut buf).unwrap().is_some());
/// ```
#[derive(Debug, Clone)]
pub struct JsonFramer {
    max_message_size: usize,
    max_depth: usize,
    /// How many bytes at the front of the buffer (all belonging to the message in progress) have
    /// been scanned already.
    scanned: usize,
    /// The closing bytes expected for the currently open arrays and objects, innermost last.
    /// Empty between messages.
    stack: Vec<u8>,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escape: bool,
    /// Stream offset of the first byte of the buffer.
    offset: u64,
    /// Follows a monitor reply's tables and rows to cut it into parts ([`ReplyFramer`] only).
    parts: Option<Box<Tracker>>,
    /// The stack depth inside a table object of the reply being cut, `usize::MAX` when none
    /// is (a copy of the tracker's, so the scan loop tests one integer).
    table_level: usize,
    #[cfg(test)]
    total_scanned: u64,
}

impl Default for JsonFramer {
    fn default() -> Self {
        JsonFramer::new()
    }
}

impl JsonFramer {
    /// A framer with the default limits ([`DEFAULT_MAX_MESSAGE_SIZE`], [`DEFAULT_MAX_DEPTH`]).
    pub fn new() -> JsonFramer {
        JsonFramer {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_depth: DEFAULT_MAX_DEPTH,
            scanned: 0,
            stack: Vec::new(),
            in_string: false,
            escape: false,
            offset: 0,
            parts: None,
            table_level: usize::MAX,
            #[cfg(test)]
            total_scanned: 0,
        }
    }

    /// Sets the maximum size of one message in bytes (leading whitespace excluded).
    pub fn with_max_message_size(mut self, bytes: usize) -> JsonFramer {
        self.max_message_size = bytes;
        self
    }

    /// Sets the maximum nesting depth of arrays and objects (the message object itself is
    /// depth 1).
    pub fn with_max_depth(mut self, depth: usize) -> JsonFramer {
        self.max_depth = depth;
        self
    }

    /// The maximum size of one message in bytes.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The maximum nesting depth of arrays and objects.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The stream offset of the first byte not yet returned in a frame (or skipped as whitespace
    /// between messages): the total number of bytes consumed so far.
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// Whether the framer is in the middle of a message.
    pub fn is_mid_message(&self) -> bool {
        !self.stack.is_empty()
    }

    fn reset_message(&mut self) {
        self.scanned = 0;
        self.stack.clear();
        self.in_string = false;
        self.escape = false;
        if let Some(t) = &mut self.parts {
            t.reset();
        }
        self.table_level = usize::MAX;
    }

    /// Scans `bytes[from..]` (the message in progress starts at `bytes[0]`): whether the
    /// message ends within `bytes`, or a part of it should be cut off first.
    fn scan(&mut self, bytes: &[u8], from: usize) -> Result<Scanned, WireError> {
        let result = self.scan_inner(bytes, from);
        #[cfg(test)]
        {
            let end = match result {
                Ok(Scanned::Complete(len)) => len,
                _ => bytes.len(),
            };
            self.total_scanned += end.saturating_sub(from) as u64;
        }
        result
    }

    fn scan_inner(&mut self, bytes: &[u8], from: usize) -> Result<Scanned, WireError> {
        let mut i = from;
        if self.in_string {
            if self.escape {
                if i >= bytes.len() {
                    return Ok(Scanned::Incomplete);
                }
                self.escape = false;
                i += 1;
            }
            match skip_string(bytes, i) {
                StringEnd::Closed(next) => {
                    self.in_string = false;
                    i = next;
                }
                StringEnd::Open { escape } => {
                    self.escape = escape;
                    return Ok(Scanned::Incomplete);
                }
            }
        }
        while let Some(&b) = bytes.get(i) {
            match CLASS[b as usize] {
                PLAIN => {}
                QUOTE => {
                    if self.stack.len() + 1 == self.table_level {
                        // A table's key, in a reply being cut into parts.
                        if let Some(t) = &mut self.parts {
                            t.on_key(bytes, i);
                            self.table_level = t.level();
                        }
                    }
                    match skip_string(bytes, i + 1) {
                        StringEnd::Closed(next) => {
                            i = next;
                            continue;
                        }
                        StringEnd::Open { escape } => {
                            self.in_string = true;
                            self.escape = escape;
                            return Ok(Scanned::Incomplete);
                        }
                    }
                }
                OPEN_OBJECT | OPEN_ARRAY => {
                    if self.stack.len() >= self.max_depth {
                        return Err(WireError::TooDeep {
                            limit: self.max_depth,
                            offset: self.offset + i as u64,
                        });
                    }
                    self.stack.push(if b == b'{' { b'}' } else { b']' });
                    if self.stack.len() == self.table_level {
                        if let Some(t) = &mut self.parts {
                            t.on_table_open(bytes, i);
                            self.table_level = t.level();
                        }
                    }
                }
                CLOSE_OBJECT | CLOSE_ARRAY => match self.stack.last() {
                    Some(&expected) if expected == b => {
                        self.stack.pop();
                        let depth = self.stack.len();
                        if depth == 0 {
                            return Ok(Scanned::Complete(i + 1));
                        }
                        if self.table_level != usize::MAX {
                            self.track_close(bytes, i, depth);
                        }
                    }
                    Some(&expected) => {
                        return Err(WireError::MismatchedBracket {
                            found: b,
                            expected,
                            offset: self.offset + i as u64,
                        })
                    }
                    // Not reachable: the stack is non-empty while scanning a message, and we
                    // return as soon as it empties. Report it rather than panic.
                    None => {
                        return Err(WireError::InvalidByte {
                            byte: b,
                            offset: self.offset + i as u64,
                        })
                    }
                },
                _ => {
                    return Err(WireError::InvalidByte {
                        byte: b,
                        offset: self.offset + i as u64,
                    })
                }
            }
            i += 1;
        }
        Ok(Scanned::Incomplete)
    }
}

/// What a scan found.
enum Scanned {
    /// The message goes on past the bytes scanned.
    Incomplete,
    /// The message ends after this many bytes.
    Complete(usize),
}

impl JsonFramer {
    /// A closing bracket at `bytes[i]` left the stack `depth` deep while a reply is tracked.
    fn track_close(&mut self, bytes: &[u8], i: usize, depth: usize) {
        let Some(t) = self.parts.as_mut() else {
            return;
        };
        if depth == self.table_level {
            t.on_row_end(i);
        } else if depth + 1 == self.table_level {
            t.on_table_close(bytes, i);
        } else if depth + 2 == self.table_level {
            t.on_updates_close(bytes, i);
        }
        self.table_level = t.level();
    }
}

/// Where a string being skipped ends.
enum StringEnd {
    /// The string closed; scanning continues at this index (just past the closing quote).
    Closed(usize),
    /// The input ended inside the string; `escape` if its last byte was an escaping backslash.
    Open {
        /// The next byte is escaped.
        escape: bool,
    },
}

/// Skips the inside of a string starting at `bytes[i]` (just after the opening quote or after
/// an escaped byte).
fn skip_string(bytes: &[u8], mut i: usize) -> StringEnd {
    loop {
        let Some(rest) = bytes.get(i..) else {
            return StringEnd::Open { escape: false };
        };
        match find_quote_or_backslash(rest) {
            None => return StringEnd::Open { escape: false },
            Some(k) => {
                i += k;
                if bytes.get(i) == Some(&b'"') {
                    return StringEnd::Closed(i + 1);
                }
                // A backslash: the next byte, whatever it is, belongs to the escape.
                if i + 1 >= bytes.len() {
                    return StringEnd::Open { escape: true };
                }
                i += 2;
            }
        }
    }
}

/// Frames at least this large give their buffer back (see [`JsonFramer`]'s `decode`).
const LARGE_FRAME: usize = 1 << 20;

impl JsonFramer {
    /// The next complete message, or (with a part tracker, see [`ReplyFramer`]) the next part
    /// of a large monitor reply.
    fn decode_chunk(&mut self, buf: &mut BytesMut) -> Result<Option<Chunk>, WireError> {
        if self.scanned > buf.len() {
            // Fed a different buffer than last time; start over on this one rather than panic.
            self.reset_message();
        }
        if self.stack.is_empty() {
            // Between messages: drop whitespace, then expect the '{' that opens the next one.
            let ws = buf.iter().take_while(|&&b| is_json_whitespace(b)).count();
            buf.advance(ws);
            self.offset += ws as u64;
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            if first != b'{' {
                // Tell "a JSON value, but not an object" from bytes that start no JSON value.
                let starts_value =
                    matches!(first, b'[' | b'"' | b'0'..=b'9' | b'-' | b't' | b'f' | b'n');
                return Err(if starts_value {
                    WireError::NotAnObject {
                        byte: first,
                        offset: self.offset,
                    }
                } else {
                    WireError::InvalidByte {
                        byte: first,
                        offset: self.offset,
                    }
                });
            }
            if self.max_depth == 0 {
                return Err(WireError::TooDeep {
                    limit: 0,
                    offset: self.offset,
                });
            }
            self.reset_message();
            self.stack.push(b'}');
            self.scanned = 1;
        }
        if let Some(t) = &mut self.parts {
            self.table_level = t.look(buf);
        }
        // Never look past the size limit: a message of exactly `max_message_size` bytes is fine,
        // one more byte without the end in sight is an error, wherever the reads were split.
        // (For a reply in parts, the limit is on what is buffered of it.)
        let limit = buf.len().min(self.max_message_size);
        let from = self.scanned.min(limit);
        match self.scan(&buf[..limit], from)? {
            Scanned::Complete(len) => {
                let frame = buf.split_to(len).freeze();
                if len >= LARGE_FRAME {
                    // The buffer grew to hold this frame and would keep that capacity (the
                    // allocation comes back to it once the frame is dropped): a client that
                    // synced a 50 MB database would hold 64 MB of empty buffer for good.
                    // Move what follows into a buffer of its own; the big allocation goes
                    // with the frame.
                    let rest = std::mem::take(buf);
                    buf.extend_from_slice(&rest);
                }
                self.offset += len as u64;
                let chunk = match &mut self.parts {
                    Some(t) if t.in_parts() => Chunk::Part(t.take_part(frame, true)),
                    _ => Chunk::Frame(frame),
                };
                self.reset_message();
                Ok(Some(chunk))
            }
            Scanned::Incomplete => {
                self.scanned = limit;
                // A reply in parts: yield its complete rows once there are enough of them.
                if let Some(len) = self.parts.as_ref().and_then(|t| t.cut_point()) {
                    let raw = buf.split_to(len).freeze();
                    self.offset += len as u64;
                    self.scanned = limit.saturating_sub(len);
                    return Ok(self
                        .parts
                        .as_mut()
                        .map(|t| Chunk::Part(t.take_part(raw, false))));
                }
                if buf.len() > self.max_message_size {
                    return Err(WireError::TooLarge {
                        limit: self.max_message_size,
                        offset: self.offset,
                    });
                }
                Ok(None)
            }
        }
    }

    fn decode_chunk_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Chunk>, WireError> {
        if let Some(chunk) = self.decode_chunk(buf)? {
            return Ok(Some(chunk));
        }
        if buf.is_empty() {
            Ok(None)
        } else {
            Err(WireError::Truncated {
                offset: self.offset,
                buffered: buf.len(),
            })
        }
    }
}

/// A whole message from [`JsonFramer::decode_chunk`] (a framer without a part tracker yields
/// nothing else).
fn whole(chunk: Option<Chunk>) -> Option<Bytes> {
    match chunk {
        Some(Chunk::Frame(frame)) => Some(frame),
        Some(Chunk::Part(part)) => Some(part.raw),
        None => None,
    }
}

impl Decoder for JsonFramer {
    type Item = Bytes;
    type Error = WireError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, WireError> {
        self.decode_chunk(buf).map(whole)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, WireError> {
        self.decode_chunk_eof(buf).map(whole)
    }
}

/// A [`JsonFramer`] that yields a large monitor reply in parts ([`Chunk::Part`], see
/// [`parts`](super::parts)) so its rows can be decoded while the rest arrives, and every other
/// message whole ([`Chunk::Frame`]). The size limit applies to what is buffered: to a whole
/// message, and to the unyielded rest of a reply in parts (a single row must fit).
#[derive(Debug, Clone)]
pub struct ReplyFramer {
    framer: JsonFramer,
}

impl ReplyFramer {
    /// Wraps `framer`, yielding parts once `min_part` bytes of whole rows are buffered (each
    /// part up to the last complete row that has arrived).
    pub fn new(mut framer: JsonFramer, min_part: usize) -> ReplyFramer {
        framer.parts = Some(Box::new(Tracker::new(min_part)));
        framer.reset_message();
        ReplyFramer { framer }
    }

    /// The wrapped framer (limits, stream offset).
    pub fn framer(&self) -> &JsonFramer {
        &self.framer
    }
}

impl Decoder for ReplyFramer {
    type Item = Chunk;
    type Error = WireError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Chunk>, WireError> {
        self.framer.decode_chunk(buf)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Chunk>, WireError> {
        self.framer.decode_chunk_eof(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one after the other, returning the frames (as strings) and the first error.
    fn frames_of(framer: &mut JsonFramer, chunks: &[&[u8]]) -> (Vec<String>, Option<WireError>) {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            loop {
                match framer.decode(&mut buf) {
                    Ok(Some(f)) => out.push(String::from_utf8(f.to_vec()).unwrap()),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        loop {
            match framer.decode_eof(&mut buf) {
                Ok(Some(f)) => out.push(String::from_utf8(f.to_vec()).unwrap()),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn all(input: &[u8]) -> (Vec<String>, Option<WireError>) {
        frames_of(&mut JsonFramer::new(), &[input])
    }

    /// Every split of `input` into two reads, and byte-by-byte, give the same result as one read.
    fn assert_split_invariant(input: &[u8]) -> (Vec<String>, Option<String>) {
        let (frames, err) = all(input);
        let err = err.map(|e| e.to_string());
        for k in 0..=input.len() {
            let (f, e) = frames_of(&mut JsonFramer::new(), &[&input[..k], &input[k..]]);
            assert_eq!(f, frames, "split at {k}");
            assert_eq!(e.map(|e| e.to_string()), err, "split at {k}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let (f, e) = frames_of(&mut JsonFramer::new(), &bytes);
        assert_eq!(f, frames, "byte by byte");
        assert_eq!(e.map(|e| e.to_string()), err, "byte by byte");
        (frames, err)
    }

    #[test]
    fn a_large_frame_takes_its_buffer_with_it() {
        let mut framer = JsonFramer::new();
        let mut buf = BytesMut::new();
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(2 * LARGE_FRAME));
        buf.extend_from_slice(big.as_bytes());
        buf.extend_from_slice(b"{\"b\":");
        let frame = framer.decode(&mut buf).unwrap().expect("the big frame");
        assert_eq!(frame.len(), big.len());
        // What follows is kept, in a buffer sized for it, not for the frame.
        assert_eq!(&buf[..], b"{\"b\":");
        assert!(buf.capacity() < LARGE_FRAME, "{}", buf.capacity());
        buf.extend_from_slice(b"1}");
        assert_eq!(
            &framer.decode(&mut buf).unwrap().expect("next")[..],
            b"{\"b\":1}"
        );
    }

    #[test]
    fn back_to_back_and_whitespace_separated() {
        let input = b" \n{\"a\":1}{\"b\":[2,3]}\r\n\t {}\n";
        let (frames, err) = assert_split_invariant(input);
        assert!(err.is_none());
        assert_eq!(frames, [r#"{"a":1}"#, r#"{"b":[2,3]}"#, "{}"]);
    }

    #[test]
    fn strings_with_structural_bytes() {
        let input = br#"{"s":"}]{[","t":"a\"}b","u":"\\","v":"\\\"}","w":"\u007d\u005c","x":"caf\u00e9 \ud83d\ude00 \/"}{"n":[]}"#;
        let mut input = input.to_vec();
        input.extend_from_slice("{\"utf8\":\"€😀\\\"}\"}".as_bytes());
        let (frames, err) = assert_split_invariant(&input);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 3);
        for f in &frames {
            // Each frame is exactly one valid JSON object.
            let v: serde_json::Value = serde_json::from_str(f).unwrap();
            assert!(v.is_object());
        }
        let v: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
        assert_eq!(v["t"], "a\"}b");
        assert_eq!(v["u"], "\\");
        assert_eq!(v["v"], "\\\"}");
        assert_eq!(v["w"], "}\\");
        assert_eq!(frames[2], "{\"utf8\":\"€😀\\\"}\"}");
    }

    #[test]
    fn escaped_backslash_before_quote_ends_the_string() {
        // "a\\" is a complete string; the following } closes the object.
        let (frames, err) = assert_split_invariant(br#"{"k":"a\\"}{"k":"\\\\"}"#);
        assert!(err.is_none());
        assert_eq!(frames, [r#"{"k":"a\\"}"#, r#"{"k":"\\\\"}"#]);
    }

    #[test]
    fn top_level_non_objects_are_errors() {
        for (input, byte) in [
            (&b"[1,2]"[..], b'['),
            (b"  \"str\"", b'"'),
            (b"42", b'4'),
            (b"-1", b'-'),
            (b"true", b't'),
            (b"null", b'n'),
        ] {
            let (frames, err) = all(input);
            assert!(frames.is_empty());
            match err {
                Some(WireError::NotAnObject { byte: b, offset }) => {
                    assert_eq!(b, byte);
                    assert_eq!(
                        offset,
                        input.iter().position(|&c| c == byte).unwrap() as u64
                    );
                }
                other => panic!("{input:?}: {other:?}"),
            }
        }
        let (frames, err) = assert_split_invariant(b"{\"a\":1}\n[2]");
        assert_eq!(frames, [r#"{"a":1}"#]);
        assert_eq!(
            err.unwrap(),
            "unexpected '[' (0x5b) at stream offset 8: a JSON-RPC message must be a JSON object \
             starting with '{'"
        );
    }

    #[test]
    fn stray_bytes_between_messages() {
        let (frames, err) = assert_split_invariant(b"{}]");
        assert_eq!(frames, ["{}"]);
        assert_eq!(
            err.unwrap(),
            "unexpected ']' (0x5d) at stream offset 2: not valid JSON here"
        );
        let (_, err) = all(b"{} }");
        assert!(matches!(
            err,
            Some(WireError::InvalidByte {
                byte: b'}',
                offset: 3
            })
        ));
        let (_, err) = all(b"\x00{}");
        assert!(matches!(
            err,
            Some(WireError::InvalidByte { byte: 0, offset: 0 })
        ));
        let (_, err) = all(b"GET / HTTP/1.1\r\n");
        assert!(matches!(
            err,
            Some(WireError::InvalidByte {
                byte: b'G',
                offset: 0
            })
        ));
        assert_eq!(
            all(b"\x1b").1.unwrap().to_string(),
            "unexpected byte 0x1b at stream offset 0: not valid JSON here"
        );
    }

    #[test]
    fn garbage_inside_a_message() {
        let (_, err) = assert_split_invariant(b"{\"a\": <html>}");
        assert_eq!(
            err.unwrap(),
            "unexpected '<' (0x3c) at stream offset 6: not valid JSON here"
        );
        let (_, err) = all(b"{\"a\":1 /* comment */}");
        assert!(matches!(
            err,
            Some(WireError::InvalidByte {
                byte: b'/',
                offset: 7
            })
        ));
        // Bytes >= 0x80 are only valid inside strings.
        let (_, err) = all("{\"a\":é}".as_bytes());
        assert!(matches!(
            err,
            Some(WireError::InvalidByte {
                byte: 0xc3,
                offset: 5
            })
        ));
    }

    #[test]
    fn unbalanced_brackets() {
        let (_, err) = assert_split_invariant(b"{\"a\":[1}");
        assert_eq!(
            err.unwrap(),
            "unexpected '}' (0x7d) at stream offset 7: expected ']' (0x5d) to close the innermost \
             open array"
        );
        let (_, err) = all(b"{\"a\":{]}");
        assert!(matches!(
            err,
            Some(WireError::MismatchedBracket {
                found: b']',
                expected: b'}',
                offset: 6
            })
        ));
    }

    #[test]
    fn truncated_at_eof() {
        let (frames, err) = assert_split_invariant(b"{\"a\":1} {\"b\":[");
        assert_eq!(frames, [r#"{"a":1}"#]);
        assert_eq!(
            err.unwrap(),
            "the stream ended inside the message starting at stream offset 8 (6 bytes of it were \
             received)"
        );
        // Unterminated string.
        let (_, err) = all(b"{\"a\":\"}}}}");
        assert!(matches!(
            err,
            Some(WireError::Truncated {
                offset: 0,
                buffered: 10
            })
        ));
        // Only whitespace after the last message is a clean end.
        let (frames, err) = all(b"{}  \n\n ");
        assert_eq!(frames, ["{}"]);
        assert!(err.is_none());
    }

    #[test]
    fn too_large() {
        let small = || JsonFramer::new().with_max_message_size(10);
        // Exactly at the limit is fine (leading whitespace does not count).
        let (frames, err) = frames_of(&mut small(), &[b"   {\"a\":123}"]);
        assert_eq!(frames, [r#"{"a":123}"#]);
        assert!(err.is_none());
        let (frames, err) = frames_of(&mut small(), &[b"{\"a\":\"1234\"}"]);
        assert_eq!(frames, Vec::<String>::new());
        assert!(matches!(
            err,
            Some(WireError::TooLarge {
                limit: 10,
                offset: 0
            })
        ));
        // A second message too large reports its own start offset.
        let (frames, err) = frames_of(&mut small(), &[b"{} {\"aaaaaaaaaaa\":1}"]);
        assert_eq!(frames, ["{}"]);
        assert!(matches!(
            err,
            Some(WireError::TooLarge {
                limit: 10,
                offset: 3
            })
        ));
        // Any split gives the same error.
        let input = b"{\"x\":1}{\"a\":\"1234\"}{}";
        let expect = frames_of(&mut small(), &[input]);
        for k in 0..=input.len() {
            let got = frames_of(&mut small(), &[&input[..k], &input[k..]]);
            assert_eq!(got.0, expect.0);
            assert_eq!(
                got.1.map(|e| e.to_string()),
                expect.1.as_ref().map(|e| e.to_string())
            );
        }
    }

    #[test]
    fn endless_string_fails_once_past_the_limit_without_buffering_more() {
        let mut framer = JsonFramer::new().with_max_message_size(1 << 20);
        let mut buf = BytesMut::from(&b"{\"a\":\""[..]);
        let chunk = vec![b'x'; 4096];
        let mut fed = buf.len();
        let err = loop {
            buf.extend_from_slice(&chunk);
            fed += chunk.len();
            match framer.decode(&mut buf) {
                Ok(None) => assert!(fed <= (1 << 20), "kept buffering past the limit"),
                Ok(Some(_)) => panic!("no message should come out"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, WireError::TooLarge { limit, offset: 0 } if limit == 1 << 20));
        // It failed on the first read that crossed the limit.
        assert!(fed > (1 << 20) && fed <= (1 << 20) + chunk.len());
    }

    #[test]
    fn too_deep_is_an_error_not_a_stack_overflow() {
        let mut input = b"{\"a\":".to_vec();
        input.resize(input.len() + 100_000, b'[');
        let (frames, err) = all(&input);
        assert!(frames.is_empty());
        // The object is depth 1, so the 1024th '[' (at offset 5 + 1023) is one too deep.
        assert!(matches!(
            err,
            Some(WireError::TooDeep {
                limit: 1024,
                offset: 1028
            })
        ));
        assert_eq!(
            err.unwrap().to_string(),
            "nesting deeper than 1024 levels at stream offset 1028"
        );
        // Exactly at the limit is fine.
        let mut ok = b"{\"a\":".to_vec();
        ok.resize(ok.len() + 1023, b'[');
        ok.resize(ok.len() + 1023, b']');
        ok.push(b'}');
        let (frames, err) = all(&ok);
        assert!(err.is_none());
        assert_eq!(frames.len(), 1);
        // Configurable.
        let (_, err) = frames_of(&mut JsonFramer::new().with_max_depth(2), &[b"{\"a\":[[]]}"]);
        assert!(matches!(
            err,
            Some(WireError::TooDeep {
                limit: 2,
                offset: 6
            })
        ));
    }

    #[test]
    fn brackets_inside_strings_do_not_count_toward_depth() {
        let mut input = b"{\"a\":\"".to_vec();
        input.resize(input.len() + 100_000, b'[');
        input.extend_from_slice(b"\"}");
        let (frames, err) = all(&input);
        assert!(err.is_none());
        assert_eq!(frames.len(), 1);
    }

    #[test]
    fn resumes_instead_of_rescanning() {
        // One 20 MB message in 4 KB reads: every byte is scanned exactly once.
        let mut msg = b"{\"rows\":[".to_vec();
        let row = br#"{"name":"sw\"0","ports":["uuid","0b8a3c3e-6f6a-4b5f-9d59-2a1c1f0b1f4e"]},"#;
        while msg.len() < 20 << 20 {
            msg.extend_from_slice(row);
        }
        msg.pop();
        msg.extend_from_slice(b"]}");
        let mut framer = JsonFramer::new();
        let mut buf = BytesMut::new();
        let mut frames = 0;
        for chunk in msg.chunks(4096) {
            buf.extend_from_slice(chunk);
            while let Some(f) = framer.decode(&mut buf).unwrap() {
                assert_eq!(f.len(), msg.len());
                frames += 1;
            }
        }
        assert_eq!(frames, 1);
        // The opening '{' is consumed before scanning starts.
        assert_eq!(framer.total_scanned, msg.len() as u64 - 1);
        assert_eq!(framer.stream_offset(), msg.len() as u64);
    }

    #[test]
    fn tracks_the_stream_offset() {
        let mut framer = JsonFramer::new();
        let mut buf = BytesMut::from(&b"  {}\n{\"a\":1}  {"[..]);
        assert!(framer.decode(&mut buf).unwrap().is_some());
        assert_eq!(framer.stream_offset(), 4);
        assert!(framer.decode(&mut buf).unwrap().is_some());
        assert_eq!(framer.stream_offset(), 12);
        assert!(framer.decode(&mut buf).unwrap().is_none());
        assert_eq!(framer.stream_offset(), 14);
        assert!(framer.is_mid_message());
    }

    #[test]
    fn a_different_buffer_restarts_cleanly() {
        let mut framer = JsonFramer::new();
        let mut first = BytesMut::from(&b"{\"aaaaaaaa\":"[..]);
        assert!(framer.decode(&mut first).unwrap().is_none());
        let mut other = BytesMut::from(&b"{}"[..]);
        assert_eq!(&framer.decode(&mut other).unwrap().unwrap()[..], b"{}");
    }

    #[test]
    fn quote_finder_matches_a_naive_scan() {
        let mut data = Vec::new();
        for i in 0..300u32 {
            data.push(match i % 37 {
                0 => b'"',
                5 => b'\\',
                7 => 0xe2,
                _ => b'a' + (i % 26) as u8,
            });
        }
        for start in 0..data.len() {
            for end in start..data.len().min(start + 40) {
                let s = &data[start..end];
                let naive = s.iter().position(|&c| c == b'"' || c == b'\\');
                assert_eq!(find_quote_or_backslash(s), naive, "{start}..{end}");
            }
        }
    }
}

//! [`WireError`]: everything that can go wrong framing, decoding or encoding a JSON-RPC message.

use std::fmt;

/// What went wrong reading or writing JSON-RPC messages.
///
/// Framing errors ([`NotAnObject`](WireError::NotAnObject),
/// [`InvalidByte`](WireError::InvalidByte), [`MismatchedBracket`](WireError::MismatchedBracket),
/// [`TooLarge`](WireError::TooLarge), [`TooDeep`](WireError::TooDeep),
/// [`Truncated`](WireError::Truncated)) carry the offset in the stream, counted in bytes from the
/// first byte the framer ever saw, so the same input reports the same error however it was split
/// into reads. A stream that produced a framing error is corrupt: close the connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The first byte of a top-level value is not `{`: a JSON-RPC message is always an object.
    #[error(
        "unexpected {} at stream offset {offset}: a JSON-RPC message must be a JSON object \
         starting with '{{'",
        ByteDisplay(*byte)
    )]
    NotAnObject {
        /// The offending byte.
        byte: u8,
        /// Its offset in the stream.
        offset: u64,
    },
    /// A byte that cannot appear where it was found: inside a message, outside strings, a byte
    /// that never occurs in JSON there (for example `/`, `<`, a control byte or a non-ASCII
    /// byte); between messages, a byte that starts no JSON value (for example a stray `]`).
    #[error("unexpected {} at stream offset {offset}: not valid JSON here", ByteDisplay(*byte))]
    InvalidByte {
        /// The offending byte.
        byte: u8,
        /// Its offset in the stream.
        offset: u64,
    },
    /// A `}` closes a `[` or a `]` closes a `{`.
    #[error(
        "unexpected {} at stream offset {offset}: expected {} to close the innermost open \
         {}",
        ByteDisplay(*found),
        ByteDisplay(*expected),
        if *expected == b'}' { "object" } else { "array" }
    )]
    MismatchedBracket {
        /// The closing byte found.
        found: u8,
        /// The closing byte that would have been valid.
        expected: u8,
        /// Its offset in the stream.
        offset: u64,
    },
    /// A message grew past the configured maximum size before it ended.
    #[error(
        "the message starting at stream offset {offset} exceeds the maximum message size of \
         {limit} bytes (if the peer legitimately sends larger messages, such as a whole \
         table in one select reply, raise the limit: \
         ClientOptions::max_message_size or JsonFramer::with_max_message_size)"
    )]
    TooLarge {
        /// The configured limit in bytes.
        limit: usize,
        /// The offset of the message's first byte in the stream.
        offset: u64,
    },
    /// Arrays and objects nested deeper than the configured maximum depth.
    #[error("nesting deeper than {limit} levels at stream offset {offset}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
        /// The offset of the bracket that went one level too deep.
        offset: u64,
    },
    /// The stream ended in the middle of a message.
    #[error(
        "the stream ended inside the message starting at stream offset {offset} \
         ({buffered} bytes of it were received)"
    )]
    Truncated {
        /// The offset of the message's first byte in the stream.
        offset: u64,
        /// How many bytes of it were buffered.
        buffered: usize,
    },
    /// A framed message is not valid JSON (bad literal, bad number, invalid UTF-8, a missing
    /// comma, serde_json's recursion limit of 128 levels, ...).
    #[error("invalid JSON in message: {0}")]
    Json(#[source] serde_json::Error),
    /// A valid JSON object that is not a JSON-RPC 1.0 message.
    #[error("not a JSON-RPC 1.0 message: {0}")]
    Invalid(String),
    /// A message could not be encoded (for example a request whose id is `null`).
    #[error("cannot encode message: {0}")]
    Encode(#[source] serde_json::Error),
    /// Reading from or writing to the underlying stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shows a byte as `'x' (0x78)` when printable ASCII, else as `byte 0x1b`.
struct ByteDisplay(u8);

impl fmt::Display for ByteDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "'{}' (0x{:02x})", self.0 as char, self.0)
        } else {
            write!(f, "byte 0x{:02x}", self.0)
        }
    }
}

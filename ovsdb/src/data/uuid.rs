//! `Uuid`: a 16-byte row identifier, written `["uuid","<36 chars>"]` on the wire (RFC 7047 5.1).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

/// A row UUID. 16 bytes, ordered like ovsdb-server orders them (byte-wise, which is also the
/// order of the lowercase hyphenated text form).
///
/// Serializes as the RFC 7047 `<uuid>` notation `["uuid", "550e8400-e29b-41d4-a716-446655440000"]`.
/// Where a protocol object carries a bare UUID string (the row keys of `<table-updates>`, the
/// `uuid` member of an insert), use [`Uuid::parse`] / `to_string()` or the [`bare`]
/// serde helpers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(uuid::Uuid);

impl Uuid {
    /// The all-zero UUID.
    pub const NIL: Uuid = Uuid(uuid::Uuid::nil());

    /// Builds a UUID from its 16 bytes (big-endian, as in the text form).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Uuid(uuid::Uuid::from_bytes(bytes))
    }

    /// A fresh random (version 4) UUID, e.g. for an insert with a caller-chosen `uuid`.
    pub fn new_v4() -> Self {
        Uuid(uuid::Uuid::new_v4())
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// Parses the 36-character hyphenated form that OVSDB uses
    /// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, either case). Other forms the `uuid` crate
    /// would accept (braced, URN, simple) are refused, as ovsdb-server refuses them.
    pub fn parse(s: &str) -> Result<Self, UuidParseError> {
        parse_text(s.as_bytes())
            .map(|bytes| Uuid(uuid::Uuid::from_bytes(bytes)))
            .ok_or_else(|| UuidParseError(s.chars().take(64).collect()))
    }

    /// The underlying [`uuid::Uuid`].
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

/// The 16 bytes of an 8-4-4-4-12 UUID text (a replica sync parses hundreds of thousands:
/// every row's key and every reference), eight digits at a time; `None` unless `text` has
/// exactly that shape.
fn parse_text(text: &[u8]) -> Option<[u8; 16]> {
    let text: &[u8; 36] = text.try_into().ok()?;
    if text[8] != b'-' || text[13] != b'-' || text[18] != b'-' || text[23] != b'-' {
        return None;
    }
    // The 32 digits, as four words of eight: 8, 4+4, 4+4, 12 split 4+8.
    let spans: [[usize; 2]; 4] = [[0, 4], [9, 14], [19, 24], [28, 32]];
    let mut out = [0u8; 16];
    for (bytes, [a, b]) in out.chunks_exact_mut(4).zip(spans) {
        let mut digits = [0u8; 8];
        digits[..4].copy_from_slice(&text[a..a + 4]);
        digits[4..].copy_from_slice(&text[b..b + 4]);
        bytes.copy_from_slice(&hex8(u64::from_le_bytes(digits))?);
    }
    Some(out)
}

/// Eight ASCII hex digits (the first in the lowest byte of `w`) as four bytes, the first
/// digit in the high nibble of the first byte; `None` if any byte is not a hex digit. SWAR:
/// every byte is checked and converted at once.
fn hex8(w: u64) -> Option<[u8; 4]> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if w & HIGH != 0 {
        return None;
    }
    // For bytes below 0x80, the high bit of each byte of the result says whether that byte
    // is within `lo..=hi` (no sum carries into the next byte).
    let within = |x: u64, lo: u8, hi: u8| {
        let at_least = x + u64::from(0x80 - lo) * ONES;
        let above = x + u64::from(0x7f - hi) * ONES;
        at_least & !above & HIGH
    };
    let digit = within(w, b'0', b'9');
    // Setting 0x20 lowercases A-F; only A-F and a-f land in a..=f that way.
    let letter = within(w | (0x20 * ONES), b'a', b'f');
    if digit | letter != HIGH {
        return None;
    }
    // Each byte's value: its low nibble, plus 9 for a letter.
    let v = (w & (0x0f * ONES)) + (letter >> 7) * 9;
    // Byte k becomes digit k's value << 4 | digit k+1's; keep the even bytes and pack them.
    let pairs = ((v << 4) | (v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let pairs = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    Some(((pairs | (pairs >> 16)) as u32).to_le_bytes())
}

/// True if `s` has the exact shape of an OVSDB UUID: 8-4-4-4-12 hex digits.
pub fn is_uuid_text(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The text was not a UUID in OVSDB's 8-4-4-4-12 form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid UUID")]
pub struct UuidParseError(String);

impl From<uuid::Uuid> for Uuid {
    fn from(u: uuid::Uuid) -> Self {
        Uuid(u)
    }
}

impl From<Uuid> for uuid::Uuid {
    fn from(u: Uuid) -> Self {
        u.0
    }
}

impl FromStr for Uuid {
    type Err = UuidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse(s)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = uuid::Uuid::encode_buffer();
        let text = self.0.hyphenated().encode_lower(&mut buf);
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element("uuid")?;
        t.serialize_element(text)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Uuid;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[\"uuid\", <uuid string>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Uuid, A::Error> {
                let tag: TagStr = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                if tag.0 != "uuid" {
                    return Err(de::Error::custom(format_args!(
                        "expected [\"uuid\", ...], found [\"{}\", ...]",
                        tag.0
                    )));
                }
                let uuid = seq
                    .next_element::<BareUuid>()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(uuid.0)
            }
        }
        deserializer.deserialize_seq(V)
    }
}

/// A short string read without allocating where the input allows it.
pub(crate) struct TagStr<'a>(pub std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for TagStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagStr(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// A UUID written as a bare string (no `["uuid", ..]` wrapper).
pub(crate) struct BareUuid(pub Uuid);

impl<'de> Deserialize<'de> for BareUuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BareUuid;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a UUID string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BareUuid, E> {
                Uuid::parse(v).map(BareUuid).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// Serde helpers for a UUID written as a bare string, for `#[serde(with = "ovsdb::data::uuid::bare")]`.
pub mod bare {
    use super::{BareUuid, Uuid};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the UUID as its 36-character string.
    pub fn serialize<S: Serializer>(uuid: &Uuid, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = uuid::Uuid::encode_buffer();
        serializer.serialize_str(uuid.0.hyphenated().encode_lower(&mut buf))
    }

    /// Reads a UUID from its 36-character string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Uuid, D::Error> {
        BareUuid::deserialize(deserializer).map(|b| b.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_ovsdb_form() {
        let u = Uuid::parse("550E8400-e29b-41d4-a716-446655440000").unwrap();
        assert_eq!(u.to_string(), "550e8400-e29b-41d4-a716-446655440000");
        for bad in [
            "",
            "550e8400e29b41d4a716446655440000",
            "{550e8400-e29b-41d4-a716-446655440000}",
            "550e8400-e29b-41d4-a716-44665544000g",
            "550e8400-e29b-41d4-a716-4466554400001",
        ] {
            assert!(Uuid::parse(bad).is_err(), "{bad}");
        }
    }

    /// Every digit of a few UUIDs replaced by every character up to U+00FF (the digits'
    /// neighbours in ASCII, `/`, `:`, `@`, `G`, `` ` ``, `g`, control bytes and non-ASCII
    /// included): refused unless the replacement is a hex digit too, and then read as the
    /// `uuid` crate reads it.
    #[test]
    fn each_digit_is_checked_exactly() {
        for original in [
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-FFFF-ffff-FFFF-ffffffffffff",
            "0123abcd-4567-89EF-aBcD-9876543210fe",
        ] {
            for digit in (0..36).filter(|i| ![8, 13, 18, 23].contains(i)) {
                for replacement in (0u32..0x100).filter_map(char::from_u32) {
                    let mut text: Vec<char> = original.chars().collect();
                    text[digit] = replacement;
                    let text: String = text.into_iter().collect();
                    let theirs = if is_uuid_text(&text) {
                        uuid::Uuid::try_parse(&text).ok().map(Uuid)
                    } else {
                        None
                    };
                    assert_eq!(Uuid::parse(&text).ok(), theirs, "{text:?}");
                }
            }
            // Two digits replaced by one two-byte character: the length is right, the bytes
            // are not ASCII.
            for digit in (0..35).filter(|i| ![7, 8, 12, 13, 17, 18, 22, 23].contains(i)) {
                for replacement in (0x80u32..0x800).filter_map(char::from_u32) {
                    let mut text: Vec<char> = original.chars().collect();
                    text.splice(digit..digit + 2, [replacement]);
                    let text: String = text.into_iter().collect();
                    assert_eq!(text.len(), 36);
                    assert_eq!(Uuid::parse(&text).ok(), None, "{text:?}");
                }
            }
        }
    }

    proptest::proptest! {
        /// The one-pass parser accepts exactly what the shape check and the `uuid` crate
        /// together accept, with the same bytes, whatever the text (hex digits, hyphens and a
        /// few other bytes, at and around the right length).
        #[test]
        fn parsing_agrees_with_the_uuid_crate(text in "[0-9a-fA-F\\-xg{} ]{30,40}") {
            let ours = Uuid::parse(&text).ok();
            let theirs = if is_uuid_text(&text) {
                uuid::Uuid::try_parse(&text).ok().map(Uuid)
            } else {
                None
            };
            proptest::prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn every_uuid_reads_back(bytes in proptest::prelude::any::<[u8; 16]>()) {
            let u = Uuid(uuid::Uuid::from_bytes(bytes));
            proptest::prop_assert_eq!(Uuid::parse(&u.to_string()).ok(), Some(u));
            let upper = u.to_string().to_uppercase();
            proptest::prop_assert_eq!(Uuid::parse(&upper).ok(), Some(u));
        }
    }

    #[test]
    fn json_notation_both_ways() {
        let u = Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap();
        let j = serde_json::to_string(&u).unwrap();
        assert_eq!(j, r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#);
        assert_eq!(serde_json::from_str::<Uuid>(&j).unwrap(), u);
        assert!(serde_json::from_str::<Uuid>(r#"["named-uuid","x"]"#).is_err());
        assert!(serde_json::from_str::<Uuid>(r#"["uuid"]"#).is_err());
        assert!(serde_json::from_str::<Uuid>(
            r#"["uuid","550e8400-e29b-41d4-a716-446655440000",1]"#
        )
        .is_err());
    }

    #[test]
    fn order_matches_text_order() {
        let a = Uuid::parse("0000000a-0000-0000-0000-000000000000").unwrap();
        let b = Uuid::parse("00000009-ffff-0000-0000-000000000000").unwrap();
        assert!(b < a);
        assert_eq!(b.to_string() < a.to_string(), b < a);
    }
}

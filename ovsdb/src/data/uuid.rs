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
        if !is_uuid_text(s) {
            return Err(UuidParseError(s.chars().take(64).collect()));
        }
        uuid::Uuid::try_parse(s)
            .map(Uuid)
            .map_err(|_| UuidParseError(s.chars().take(64).collect()))
    }

    /// The underlying [`uuid::Uuid`].
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
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

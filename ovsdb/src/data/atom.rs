//! `Atom`: one scalar value (RFC 7047 5.1 `<atom>`), and `AtomicType`, the kind of an atom.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use super::uuid::{BareUuid, TagStr, Uuid};

/// The five atomic types of RFC 7047 3.2 `<atomic-type>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtomicType {
    /// 64-bit signed integer.
    Integer,
    /// IEEE 754 double.
    Real,
    /// true or false.
    Boolean,
    /// UTF-8 string.
    String,
    /// Row UUID (or, in requests, a named UUID).
    Uuid,
}

impl AtomicType {
    /// The schema spelling: `"integer"`, `"real"`, `"boolean"`, `"string"`, `"uuid"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AtomicType::Integer => "integer",
            AtomicType::Real => "real",
            AtomicType::Boolean => "boolean",
            AtomicType::String => "string",
            AtomicType::Uuid => "uuid",
        }
    }

    /// Parses the schema spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }
}

impl fmt::Display for AtomicType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One OVSDB scalar.
///
/// JSON forms: integers as JSON integers (`1`), reals as JSON numbers (`1.0`, `1.5e3`),
/// booleans, strings, `["uuid", "..."]` and `["named-uuid", "name"]`. A JSON number with a
/// fraction or exponent decodes as [`Atom::Real`], one without as [`Atom::Integer`]; decoding
/// against a schema type (see [`crate::schema::ColumnType`]) converts an integer to a real
/// where the column is real, as ovsdb-server writes `1.0` as `1`.
///
/// Atoms order like ovsdb-server orders them (`ovsdb_atom_compare_3way`): numbers numerically,
/// `false < true`, strings byte-wise, UUIDs byte-wise. Atoms of different types order by type
/// (only relevant for data that no schema would accept).
#[derive(Clone)]
pub enum Atom {
    /// An integer.
    Integer(i64),
    /// A real. NaN and infinities cannot travel in JSON and are refused on encode.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A string; short strings (up to 24 bytes) are stored inline without a heap allocation.
    String(CompactString),
    /// A row UUID.
    Uuid(Uuid),
    /// A reference to a row inserted earlier in the same transaction (`["named-uuid", name]`).
    /// Only valid in requests. (Boxed rather than a [`CompactString`], so that an atom
    /// needs only the string variant's 24 bytes: a replica holds millions of atoms.)
    NamedUuid(Box<str>),
}

impl Atom {
    /// Shorthand for a string atom.
    pub fn string(s: impl Into<CompactString>) -> Self {
        Atom::String(s.into())
    }

    /// Shorthand for a named-uuid atom.
    pub fn named_uuid(s: impl Into<CompactString>) -> Self {
        Atom::NamedUuid(Box::from(s.into().as_str()))
    }

    /// The atom's type; named UUIDs are of type `uuid`.
    pub fn atomic_type(&self) -> AtomicType {
        match self {
            Atom::Integer(_) => AtomicType::Integer,
            Atom::Real(_) => AtomicType::Real,
            Atom::Boolean(_) => AtomicType::Boolean,
            Atom::String(_) => AtomicType::String,
            Atom::Uuid(_) | Atom::NamedUuid(_) => AtomicType::Uuid,
        }
    }

    /// The default atom of a type, as ovsdb-server uses for new rows: 0, 0.0, false, "",
    /// the all-zero UUID.
    pub fn default_of(ty: AtomicType) -> Self {
        match ty {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => Atom::Real(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(CompactString::default()),
            AtomicType::Uuid => Atom::Uuid(Uuid::NIL),
        }
    }

    /// The integer, if this is one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The real, if this is one (integers are not converted).
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Atom::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Atom::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) => Some(s),
            _ => None,
        }
    }

    /// The UUID, if this is one.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Atom::Integer(_) => 0,
            Atom::Real(_) => 1,
            Atom::Boolean(_) => 2,
            Atom::String(_) => 3,
            Atom::Uuid(_) => 4,
            Atom::NamedUuid(_) => 5,
        }
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Atom {}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Atom {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Atom::Integer(a), Atom::Integer(b)) => a.cmp(b),
            // ovsdb-server compares reals with < and >; total_cmp agrees on every value JSON
            // can carry except -0.0 vs 0.0, which it tells apart so that Eq stays consistent
            // with Hash.
            (Atom::Real(a), Atom::Real(b)) => a.total_cmp(b),
            (Atom::Boolean(a), Atom::Boolean(b)) => a.cmp(b),
            (Atom::String(a), Atom::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Atom::Uuid(a), Atom::Uuid(b)) => a.cmp(b),
            (Atom::NamedUuid(a), Atom::NamedUuid(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl Hash for Atom {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Atom::Integer(i) => i.hash(state),
            Atom::Real(r) => r.to_bits().hash(state),
            Atom::Boolean(b) => b.hash(state),
            Atom::String(s) => s.as_str().hash(state),
            Atom::NamedUuid(s) => (**s).hash(state),
            Atom::Uuid(u) => u.hash(state),
        }
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Integer(i) => write!(f, "{i}"),
            Atom::Real(r) => write!(f, "{r:?}"),
            Atom::Boolean(b) => write!(f, "{b}"),
            Atom::String(s) => write!(f, "{s:?}"),
            Atom::Uuid(u) => write!(f, "{u}"),
            Atom::NamedUuid(n) => write!(f, "@{n}"),
        }
    }
}

impl From<i64> for Atom {
    fn from(v: i64) -> Self {
        Atom::Integer(v)
    }
}
impl From<f64> for Atom {
    fn from(v: f64) -> Self {
        Atom::Real(v)
    }
}
impl From<bool> for Atom {
    fn from(v: bool) -> Self {
        Atom::Boolean(v)
    }
}
impl From<&str> for Atom {
    fn from(v: &str) -> Self {
        Atom::String(v.into())
    }
}
impl From<String> for Atom {
    fn from(v: String) -> Self {
        Atom::String(v.into())
    }
}
impl From<CompactString> for Atom {
    fn from(v: CompactString) -> Self {
        Atom::String(v)
    }
}
impl From<Uuid> for Atom {
    fn from(v: Uuid) -> Self {
        Atom::Uuid(v)
    }
}

impl Serialize for Atom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Atom::Integer(i) => serializer.serialize_i64(*i),
            Atom::Real(r) => {
                if !r.is_finite() {
                    return Err(serde::ser::Error::custom(format_args!(
                        "real value {r} cannot be represented in JSON"
                    )));
                }
                serializer.serialize_f64(*r)
            }
            Atom::Boolean(b) => serializer.serialize_bool(*b),
            Atom::String(s) => serializer.serialize_str(s),
            Atom::Uuid(u) => u.serialize(serializer),
            Atom::NamedUuid(n) => {
                let mut t = serializer.serialize_tuple(2)?;
                t.serialize_element("named-uuid")?;
                t.serialize_element(&**n)?;
                t.end()
            }
        }
    }
}

/// The visitor shared by `Atom` and `Datum` (a datum that is a bare atom is a one-element set).
pub(crate) struct AtomVisitor;

impl<'de> Visitor<'de> for AtomVisitor {
    type Value = Atom;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "an OVSDB atom (integer, real, boolean, string, [\"uuid\",..] or [\"named-uuid\",..])",
        )
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Atom, E> {
        Ok(Atom::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Atom, E> {
        i64::try_from(v).map(Atom::Integer).map_err(|_| {
            E::custom(format_args!(
                "integer {v} is out of range for a 64-bit signed integer"
            ))
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Atom, E> {
        Ok(Atom::Real(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Atom, E> {
        Ok(Atom::Boolean(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Atom, E> {
        Ok(Atom::String(CompactString::from(v)))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Atom, E> {
        Ok(Atom::String(CompactString::from(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Atom, A::Error> {
        let tag: TagStr = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array is not an atom"))?;
        let atom = tagged_atom(&tag.0, &mut seq)?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "[\"{}\", ...] takes exactly one argument",
                tag.0
            )));
        }
        Ok(atom)
    }
}

/// Reads the second element of `["uuid", s]` / `["named-uuid", s]` once the tag is known.
pub(crate) fn tagged_atom<'de, A: SeqAccess<'de>>(
    tag: &str,
    seq: &mut A,
) -> Result<Atom, A::Error> {
    match tag {
        "uuid" => {
            let u: BareUuid = seq
                .next_element()?
                .ok_or_else(|| de::Error::custom("[\"uuid\"] lacks its UUID string"))?;
            Ok(Atom::Uuid(u.0))
        }
        "named-uuid" => {
            let n: TagStr = seq
                .next_element()?
                .ok_or_else(|| de::Error::custom("[\"named-uuid\"] lacks its name"))?;
            if !is_id(&n.0) {
                return Err(de::Error::custom(format_args!(
                    "\"{}\" is not a valid <id> for a named-uuid",
                    n.0
                )));
            }
            Ok(Atom::NamedUuid(Box::from(n.0.as_ref())))
        }
        other => Err(de::Error::custom(format_args!(
            "unknown atom notation [\"{other}\", ...]; expected \"uuid\" or \"named-uuid\""
        ))),
    }
}

/// RFC 7047 `<id>`: a letter or `_`, then letters, digits and `_`.
pub fn is_id(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

impl<'de> Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AtomVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(json: &str) -> String {
        let a: Atom = serde_json::from_str(json).unwrap();
        serde_json::to_string(&a).unwrap()
    }

    #[test]
    fn json_forms() {
        assert_eq!(rt("1"), "1");
        assert_eq!(rt("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(rt("1.0"), "1.0");
        assert_eq!(rt("1.5e3"), "1500.0");
        assert_eq!(rt("true"), "true");
        assert_eq!(rt(r#""a\"\u00e9\ud83d\ude00""#), "\"a\\\"é😀\"");
        assert_eq!(
            rt(r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#),
            r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#
        );
        assert_eq!(rt(r#"["named-uuid","row_1"]"#), r#"["named-uuid","row_1"]"#);
    }

    #[test]
    fn integer_and_real_stay_distinct() {
        assert_eq!(serde_json::from_str::<Atom>("1").unwrap(), Atom::Integer(1));
        assert_eq!(
            serde_json::from_str::<Atom>("1.0").unwrap(),
            Atom::Real(1.0)
        );
        assert_ne!(Atom::Integer(1), Atom::Real(1.0));
    }

    #[test]
    fn refuses_bad_atoms() {
        for bad in [
            "18446744073709551615",
            "null",
            "{}",
            "[]",
            r#"["set",[]]"#,
            r#"["uuid","nope"]"#,
            r#"["named-uuid","1abc"]"#,
            r#"["uuid","550e8400-e29b-41d4-a716-446655440000","x"]"#,
        ] {
            assert!(serde_json::from_str::<Atom>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::to_string(&Atom::Real(f64::NAN)).is_err());
    }

    #[test]
    fn order_like_ovsdb() {
        assert!(Atom::from(false) < Atom::from(true));
        assert!(Atom::from("B") < Atom::from("a"));
        assert!(Atom::from(-2i64) < Atom::from(1i64));
        assert!(Atom::from(-0.5) < Atom::from(0.25));
    }

    #[test]
    fn ids() {
        assert!(is_id("_a1"));
        assert!(is_id("row"));
        assert!(!is_id(""));
        assert!(!is_id("1a"));
        assert!(!is_id("a-b"));
    }
}

//! `ColumnType`: RFC 7047 3.2 `<type>`, a key type, an optional value type and the cardinality;
//! `Max`, the upper bound of the cardinality.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::base_type::BaseType;
use super::error::TypeError;
use super::Unchecked;
use crate::data::{Atom, AtomicType, Datum, Map};

/// The most elements a column may hold (RFC 7047 3.2 `"max"`): a number, or `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Max {
    /// At most this many (at least 1 in a valid type).
    Limited(u64),
    /// No limit (`"unlimited"`).
    Unlimited,
}

impl Default for Max {
    /// RFC 7047: `max` defaults to 1.
    fn default() -> Self {
        Max::Limited(1)
    }
}

impl Max {
    /// True if `n` elements are within this bound.
    pub fn allows(self, n: u64) -> bool {
        match self {
            Max::Limited(max) => n <= max,
            Max::Unlimited => true,
        }
    }

    /// The limit, or `None` if unlimited.
    pub fn limit(self) -> Option<u64> {
        match self {
            Max::Limited(max) => Some(max),
            Max::Unlimited => None,
        }
    }
}

impl fmt::Display for Max {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Max::Limited(n) => write!(f, "{n}"),
            Max::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Serialize for Max {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Max::Limited(n) => serializer.serialize_u64(*n),
            Max::Unlimited => serializer.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Max {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Max;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer or \"unlimited\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Max, E> {
                Ok(Max::Limited(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Max, E> {
                u64::try_from(v)
                    .map(Max::Limited)
                    .map_err(|_| E::custom(format_args!("bad max value {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Max, E> {
                match v {
                    "unlimited" => Ok(Max::Unlimited),
                    _ => Err(E::custom(format_args!(
                        "bad max value \"{v}\" (expected an integer or \"unlimited\")"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A column's type (RFC 7047 3.2 `<type>`).
///
/// A column holds a set of `key` atoms, or a map from `key` to `value` atoms if `value` is
/// given, with between `min` and `max` elements. `min` is 0 or 1. The common shapes:
///
/// | shape            | `value` | `min` | `max`          | predicate                     |
/// |------------------|---------|-------|----------------|-------------------------------|
/// | scalar           | none    | 1     | 1              | [`is_scalar`](Self::is_scalar) |
/// | optional scalar  | none    | 0     | 1              | [`is_optional_scalar`](Self::is_optional_scalar), [`is_set`](Self::is_set) |
/// | set              | none    | 0/1   | n or unlimited | [`is_set`](Self::is_set)       |
/// | map              | some    | 0/1   | n or unlimited | [`is_map`](Self::is_map)       |
///
/// In JSON a scalar with an unconstrained key is just the atomic type name (`"string"`); all
/// else is an object (`{"key": "string", "value": "string", "min": 0, "max": "unlimited"}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnType {
    /// The key type (the element type of a set).
    pub key: BaseType,
    /// The value type, for a map.
    pub value: Option<BaseType>,
    /// Fewest elements: 0 or 1 (default 1).
    pub min: u64,
    /// Most elements (default 1).
    pub max: Max,
}

impl ColumnType {
    /// A scalar: exactly one `key` atom.
    pub fn scalar(key: impl Into<BaseType>) -> Self {
        ColumnType {
            key: key.into(),
            value: None,
            min: 1,
            max: Max::Limited(1),
        }
    }

    /// An optional scalar: zero or one `key` atom.
    pub fn optional(key: impl Into<BaseType>) -> Self {
        ColumnType {
            min: 0,
            ..ColumnType::scalar(key)
        }
    }

    /// A set of `min` to `max` `key` atoms.
    pub fn set(key: impl Into<BaseType>, min: u64, max: Max) -> Self {
        ColumnType {
            key: key.into(),
            value: None,
            min,
            max,
        }
    }

    /// A map of `min` to `max` pairs.
    pub fn map(key: impl Into<BaseType>, value: impl Into<BaseType>, min: u64, max: Max) -> Self {
        ColumnType {
            key: key.into(),
            value: Some(value.into()),
            min,
            max,
        }
    }

    /// True if the column is a map (has a value type).
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// True if the column is a set other than a plain scalar: no value type, and `min` or `max`
    /// differs from 1. An optional scalar (`min` 0, `max` 1) is a set, as in ovsdb-server's
    /// `ovsdb_type_is_set`.
    pub fn is_set(&self) -> bool {
        !self.is_map() && !self.is_scalar()
    }

    /// True if the column holds exactly one atom (`min` = `max` = 1, no value type).
    pub fn is_scalar(&self) -> bool {
        !self.is_map() && self.min == 1 && self.max == Max::Limited(1)
    }

    /// True if the column may be empty (`min` = 0), whatever its shape.
    pub fn is_optional(&self) -> bool {
        self.min == 0
    }

    /// True if the column holds zero or one atom (`min` 0, `max` 1, no value type).
    pub fn is_optional_scalar(&self) -> bool {
        !self.is_map() && self.min == 0 && self.max == Max::Limited(1)
    }

    /// The value a new row gets when an insert leaves the column out (RFC 7047 3.2): empty if
    /// `min` is 0, else one element of the default atoms (0, 0.0, false, "", the zero UUID).
    pub fn default_datum(&self) -> Datum {
        let default = |base: &BaseType| Atom::default_of(base.atomic);
        match (&self.value, self.min) {
            (None, 0) => Datum::empty_set(),
            (Some(_), 0) => Datum::empty_map(),
            (None, _) => Datum::from(default(&self.key)),
            (Some(value), _) => {
                Datum::Map(Map::from_pairs(vec![(default(&self.key), default(value))]))
            }
        }
    }

    /// Checks the type itself: `min` 0 or 1, `max` at least 1, valid key and value types
    /// ([`BaseType::validate`]).
    pub fn validate(&self) -> Result<(), TypeError> {
        self.key.validate().map_err(TypeError::Key)?;
        if let Some(value) = &self.value {
            value.validate().map_err(TypeError::Value)?;
        }
        if self.min > 1 {
            return Err(TypeError::BadMin(self.min));
        }
        if self.max == Max::Limited(0) {
            return Err(TypeError::BadMax);
        }
        Ok(())
    }
}

impl From<BaseType> for ColumnType {
    fn from(key: BaseType) -> Self {
        ColumnType::scalar(key)
    }
}

impl From<AtomicType> for ColumnType {
    fn from(key: AtomicType) -> Self {
        ColumnType::scalar(key)
    }
}

// ---- JSON ----

impl Serialize for ColumnType {
    /// The compact form ovsdb-server writes (`ovsdb_type_to_json`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_scalar() && !self.key.has_constraints() {
            return serializer.serialize_str(self.key.atomic.as_str());
        }
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("key", &self.key)?;
        if let Some(value) = &self.value {
            m.serialize_entry("value", value)?;
        }
        if self.min != 1 {
            m.serialize_entry("min", &self.min)?;
        }
        if self.max != Max::Limited(1) {
            m.serialize_entry("max", &self.max)?;
        }
        m.end()
    }
}

/// The object form of a column type, members as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumnType {
    key: Unchecked<BaseType>,
    #[serde(default)]
    value: Option<Unchecked<BaseType>>,
    #[serde(default)]
    min: Option<u64>,
    #[serde(default)]
    max: Option<Max>,
}

struct ColumnTypeVisitor;

impl<'de> Visitor<'de> for ColumnTypeVisitor {
    type Value = ColumnType;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OVSDB type (an atomic type name or an object with \"key\")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnType, E> {
        let Unchecked(key) =
            Unchecked::<BaseType>::deserialize(de::value::StrDeserializer::<E>::new(v))?;
        Ok(ColumnType::scalar(key))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnType, A::Error> {
        let raw = RawColumnType::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(ColumnType {
            key: raw.key.0,
            value: raw.value.map(|v| v.0),
            min: raw.min.unwrap_or(1),
            max: raw.max.unwrap_or_default(),
        })
    }
}

impl<'de> Deserialize<'de> for Unchecked<ColumnType> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ColumnTypeVisitor)
            .map(Unchecked)
    }
}

impl<'de> Deserialize<'de> for ColumnType {
    /// Parses either JSON form and checks it with [`ColumnType::validate`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Unchecked(ty) = Unchecked::<ColumnType>::deserialize(deserializer)?;
        ty.validate().map_err(de::Error::custom)?;
        Ok(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Uuid;
    use crate::schema::RefType;

    fn parse(json: &str) -> Result<ColumnType, String> {
        serde_json::from_str::<ColumnType>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn short_form_is_a_scalar() {
        let short = parse(r#""string""#).unwrap();
        let long = parse(r#"{"key":"string"}"#).unwrap();
        let longer = parse(r#"{"key":{"type":"string"},"min":1,"max":1}"#).unwrap();
        assert_eq!(short, long);
        assert_eq!(short, longer);
        assert_eq!(short, ColumnType::scalar(AtomicType::String));
        assert!(short.is_scalar() && !short.is_set() && !short.is_map());
        assert!(!short.is_optional());
        assert_eq!(serde_json::to_string(&longer).unwrap(), r#""string""#);
    }

    #[test]
    fn unlimited_and_numeric_max() {
        let t = parse(r#"{"key":"integer","min":0,"max":"unlimited"}"#).unwrap();
        assert_eq!(t.max, Max::Unlimited);
        assert_eq!(t.min, 0);
        assert!(t.is_set() && t.is_optional() && !t.is_optional_scalar());
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"key":"integer","min":0,"max":"unlimited"}"#
        );
        let t = parse(r#"{"key":"integer","max":4096}"#).unwrap();
        assert_eq!((t.min, t.max), (1, Max::Limited(4096)));
        assert!(t.max.allows(4096) && !t.max.allows(4097));
        assert!(Max::Unlimited.allows(u64::MAX));
        assert_eq!(Max::Unlimited.limit(), None);
        assert_eq!(Max::default(), Max::Limited(1));
    }

    #[test]
    fn shapes() {
        let opt = parse(r#"{"key":"integer","min":0,"max":1}"#).unwrap();
        assert!(opt.is_optional_scalar() && opt.is_set() && !opt.is_scalar());
        let map = parse(r#"{"key":"string","value":"string","min":0,"max":"unlimited"}"#).unwrap();
        assert!(map.is_map() && !map.is_set() && !map.is_scalar() && map.is_optional());
        assert_eq!(
            map,
            ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Unlimited)
        );
        // A scalar with a constrained key needs the object form.
        let tag = ColumnType::scalar(
            BaseType::new(AtomicType::Integer).with_integer_range(Some(0), Some(4095)),
        );
        assert_eq!(
            serde_json::to_string(&tag).unwrap(),
            r#"{"key":{"type":"integer","minInteger":0,"maxInteger":4095}}"#
        );
    }

    #[test]
    fn default_datums() {
        assert_eq!(
            ColumnType::scalar(AtomicType::Integer).default_datum(),
            Datum::from(Atom::Integer(0))
        );
        assert_eq!(
            ColumnType::optional(AtomicType::Uuid).default_datum(),
            Datum::empty_set()
        );
        assert_eq!(
            ColumnType::map(AtomicType::String, AtomicType::Real, 0, Max::Unlimited)
                .default_datum(),
            Datum::empty_map()
        );
        assert_eq!(
            ColumnType::map(AtomicType::String, AtomicType::Uuid, 1, Max::Unlimited)
                .default_datum(),
            Datum::map([(Atom::from(""), Atom::Uuid(Uuid::NIL))])
        );
    }

    #[test]
    fn malformed_types_are_refused_with_a_reason() {
        for (json, reason) in [
            (
                r#"{"key":"integer","min":2,"max":3}"#,
                "min must be 0 or 1 (not 2)",
            ),
            (r#"{"key":"integer","max":0}"#, "max must be at least 1"),
            (
                r#"{"key":"integer","min":-1}"#,
                "invalid value: integer `-1`",
            ),
            (
                r#"{"key":"integer","max":"unlimitd"}"#,
                "bad max value \"unlimitd\"",
            ),
            (r#"{"key":"integer","max":-2}"#, "bad max value -2"),
            (r#"{"value":"integer"}"#, "missing field `key`"),
            (r#"{"key":"integer","extra":1}"#, "unknown field `extra`"),
            (r#""strin""#, r#""strin" is not an atomic-type"#),
            (r#"{"key":"strin"}"#, r#""strin" is not an atomic-type"#),
            (
                r#"{"key":"string","value":{"type":"string","refTable":"T"}}"#,
                "value: refTable is not allowed for type string",
            ),
            (
                r#"{"key":{"type":"integer","minInteger":2,"maxInteger":1}}"#,
                "key: minInteger exceeds maxInteger",
            ),
            (r#"[]"#, "expected an OVSDB type"),
            (r#"null"#, "expected an OVSDB type"),
        ] {
            let err = parse(json).expect_err(json);
            assert!(err.contains(reason), "{json}: {err:?} lacks {reason:?}");
        }
    }

    #[test]
    fn validate_and_round_trip_of_built_types() {
        let t = ColumnType::set(
            BaseType::reference("Port", RefType::Weak),
            0,
            Max::Unlimited,
        );
        assert_eq!(t.validate(), Ok(()));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"key":{"type":"uuid","refTable":"Port","refType":"weak"},"min":0,"max":"unlimited"}"#
        );
        assert_eq!(parse(&json).unwrap(), t);
        assert_eq!(
            ColumnType::set(AtomicType::Integer, 0, Max::Limited(0)).validate(),
            Err(TypeError::BadMax)
        );
    }
}

//! `BaseType`: RFC 7047 3.2 `<base-type>`, an atomic type with optional constraints, and
//! `RefType`, the strength of a reference.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::error::BaseTypeError;
use super::validate::{atom_kind, atom_to_string};
use super::Unchecked;
use crate::data::{Atom, AtomicType, Datum, Set};

/// How a reference column holds the rows it names (RFC 7047 3.2 `refType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RefType {
    /// The referenced row may not be deleted while referenced (the default).
    #[default]
    Strong,
    /// Deleting the referenced row removes the reference.
    Weak,
}

impl RefType {
    /// The schema spelling, `"strong"` or `"weak"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RefType::Strong => "strong",
            RefType::Weak => "weak",
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RefType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RefType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        parse_ref_type(&s).map_err(de::Error::custom)
    }
}

fn parse_ref_type(s: &str) -> Result<RefType, String> {
    match s {
        "strong" => Ok(RefType::Strong),
        "weak" => Ok(RefType::Weak),
        other => Err(format!(
            "refType must be \"strong\" or \"weak\" (not \"{other}\")"
        )),
    }
}

/// An atomic type and its constraints (RFC 7047 3.2 `<base-type>`): the key or the value part
/// of a [`super::ColumnType`].
///
/// Every constraint is optional; which ones may be given depends on `atomic` (see
/// [`BaseType::validate`]). In JSON an unconstrained base type is just its atomic type name
/// (`"integer"`), otherwise an object (`{"type": "integer", "minInteger": 0}`).
///
/// ```
/// use ovsdb::data::{Atom, AtomicType};
/// use ovsdb::schema::BaseType;
///
/// let vlan = BaseType::new(AtomicType::Integer).with_integer_range(Some(0), Some(4095));
/// assert_eq!(
///     serde_json::to_string(&vlan).unwrap(),
///     r#"{"type":"integer","minInteger":0,"maxInteger":4095}"#
/// );
/// assert!(vlan.check(&Atom::Integer(4096)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BaseType {
    /// The atomic type (`"type"`).
    pub atomic: AtomicType,
    /// The allowed values (`"enum"`); each is of type `atomic`. Not combinable with the other
    /// constraints.
    pub enum_: Option<Set>,
    /// Smallest allowed integer (`"minInteger"`, integer only).
    pub min_integer: Option<i64>,
    /// Largest allowed integer (`"maxInteger"`, integer only).
    pub max_integer: Option<i64>,
    /// Smallest allowed real (`"minReal"`, real only).
    pub min_real: Option<f64>,
    /// Largest allowed real (`"maxReal"`, real only).
    pub max_real: Option<f64>,
    /// Shortest allowed string, in Unicode code points (`"minLength"`, string only).
    pub min_length: Option<u64>,
    /// Longest allowed string, in Unicode code points (`"maxLength"`, string only).
    pub max_length: Option<u64>,
    /// The table this UUID refers to (`"refTable"`, uuid only).
    pub ref_table: Option<String>,
    /// Strong or weak reference (`"refType"`, only with `ref_table`); strong by default.
    pub ref_type: RefType,
}

impl BaseType {
    /// An unconstrained base type.
    pub const fn new(atomic: AtomicType) -> Self {
        BaseType {
            atomic,
            enum_: None,
            min_integer: None,
            max_integer: None,
            min_real: None,
            max_real: None,
            min_length: None,
            max_length: None,
            ref_table: None,
            ref_type: RefType::Strong,
        }
    }

    /// A reference to rows of `table`.
    pub fn reference(table: impl Into<String>, ref_type: RefType) -> Self {
        BaseType {
            ref_table: Some(table.into()),
            ref_type,
            ..BaseType::new(AtomicType::Uuid)
        }
    }

    /// Builder: restricts the values to `values` (converted to atoms).
    pub fn with_enum<I, A>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<Atom>,
    {
        self.enum_ = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// Builder: sets `minInteger` and `maxInteger`.
    pub fn with_integer_range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.min_integer = min;
        self.max_integer = max;
        self
    }

    /// Builder: sets `minReal` and `maxReal`.
    pub fn with_real_range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min_real = min;
        self.max_real = max;
        self
    }

    /// Builder: sets `minLength` and `maxLength` (in Unicode code points).
    pub fn with_length_range(mut self, min: Option<u64>, max: Option<u64>) -> Self {
        self.min_length = min;
        self.max_length = max;
        self
    }

    /// True if any constraint is set (then the JSON form is an object, not a bare name).
    pub fn has_constraints(&self) -> bool {
        self.enum_.is_some()
            || self.min_integer.is_some()
            || self.max_integer.is_some()
            || self.min_real.is_some()
            || self.max_real.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.ref_table.is_some()
            || self.ref_type != RefType::Strong
    }

    /// True if this is a UUID referring to rows of some table.
    pub fn is_reference(&self) -> bool {
        self.atomic == AtomicType::Uuid && self.ref_table.is_some()
    }

    /// Checks the constraints themselves, with ovsdb-server's rules: each applies only to its
    /// atomic type (`minInteger`/`maxInteger` to integer, `minReal`/`maxReal` to real,
    /// `minLength`/`maxLength` to string, `refTable` to uuid), `refType` needs `refTable`, `enum`
    /// excludes the others and lists at least one value of the right type, and no lower bound
    /// exceeds its upper bound.
    pub fn validate(&self) -> Result<(), BaseTypeError> {
        use AtomicType::{Integer, Real, String, Uuid};
        let members: [(&'static str, bool, AtomicType); 7] = [
            ("minInteger", self.min_integer.is_some(), Integer),
            ("maxInteger", self.max_integer.is_some(), Integer),
            ("minReal", self.min_real.is_some(), Real),
            ("maxReal", self.max_real.is_some(), Real),
            ("minLength", self.min_length.is_some(), String),
            ("maxLength", self.max_length.is_some(), String),
            ("refTable", self.ref_table.is_some(), Uuid),
        ];
        for &(member, present, applies_to) in &members {
            if present && self.atomic != applies_to {
                return Err(BaseTypeError::NotApplicable {
                    member,
                    atomic: self.atomic,
                    applies_to,
                });
            }
        }
        if self.ref_type != RefType::Strong && self.ref_table.is_none() {
            return Err(BaseTypeError::RefTypeWithoutRefTable);
        }
        if let Some(values) = &self.enum_ {
            if let Some(&(member, _, _)) = members.iter().find(|m| m.1) {
                return Err(BaseTypeError::WithEnum { member });
            }
            if values.is_empty() {
                return Err(BaseTypeError::EmptyEnum);
            }
            for atom in values.iter() {
                if !atom_matches(self.atomic, atom) || matches!(atom, Atom::NamedUuid(_)) {
                    return Err(BaseTypeError::EnumAtomType {
                        expected: self.atomic,
                        found: atom_kind(atom),
                        atom: atom_to_string(atom),
                    });
                }
            }
        }
        for (member, value) in [("minReal", self.min_real), ("maxReal", self.max_real)] {
            if value.is_some_and(|r| !r.is_finite()) {
                return Err(BaseTypeError::NotFinite { member });
            }
        }
        for (member, value) in [
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
        ] {
            if let Some(value) = value.filter(|&v| v > u64::from(u32::MAX)) {
                return Err(BaseTypeError::LengthOutOfRange { member, value });
            }
        }
        let min_exceeds_max = |min_member, max_member| {
            Err(BaseTypeError::MinExceedsMax {
                min_member,
                max_member,
            })
        };
        if let (Some(min), Some(max)) = (self.min_integer, self.max_integer) {
            if min > max {
                return min_exceeds_max("minInteger", "maxInteger");
            }
        }
        if let (Some(min), Some(max)) = (self.min_real, self.max_real) {
            if min > max {
                return min_exceeds_max("minReal", "maxReal");
            }
        }
        if let (Some(min), Some(max)) = (self.min_length, self.max_length) {
            if min > max {
                return min_exceeds_max("minLength", "maxLength");
            }
        }
        Ok(())
    }
}

impl From<AtomicType> for BaseType {
    fn from(atomic: AtomicType) -> Self {
        BaseType::new(atomic)
    }
}

/// True if `atom` is of type `atomic` (a named UUID counts as a UUID).
pub(super) fn atom_matches(atomic: AtomicType, atom: &Atom) -> bool {
    atom.atomic_type() == atomic
}

// ---- JSON ----

/// The enum as ovsdb-server writes it: a bare atom if it has one value, else `["set", [..]]`.
struct EnumSer<'a>(&'a Set);

impl Serialize for EnumSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            _ => self.0.serialize(serializer),
        }
    }
}

impl Serialize for BaseType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.has_constraints() {
            return serializer.serialize_str(self.atomic.as_str());
        }
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("type", self.atomic.as_str())?;
        if let Some(values) = &self.enum_ {
            m.serialize_entry("enum", &EnumSer(values))?;
        }
        if let Some(v) = self.min_integer {
            m.serialize_entry("minInteger", &v)?;
        }
        if let Some(v) = self.max_integer {
            m.serialize_entry("maxInteger", &v)?;
        }
        if let Some(v) = self.min_real {
            m.serialize_entry("minReal", &v)?;
        }
        if let Some(v) = self.max_real {
            m.serialize_entry("maxReal", &v)?;
        }
        if let Some(v) = self.min_length {
            m.serialize_entry("minLength", &v)?;
        }
        if let Some(v) = self.max_length {
            m.serialize_entry("maxLength", &v)?;
        }
        if let Some(t) = &self.ref_table {
            m.serialize_entry("refTable", t)?;
        }
        if self.ref_type != RefType::Strong {
            m.serialize_entry("refType", self.ref_type.as_str())?;
        }
        m.end()
    }
}

/// The object form of a base type, members as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseType {
    #[serde(rename = "type")]
    atomic: String,
    #[serde(rename = "enum", default)]
    enum_: Option<Datum>,
    #[serde(rename = "minInteger", default)]
    min_integer: Option<i64>,
    #[serde(rename = "maxInteger", default)]
    max_integer: Option<i64>,
    #[serde(rename = "minReal", default)]
    min_real: Option<f64>,
    #[serde(rename = "maxReal", default)]
    max_real: Option<f64>,
    #[serde(rename = "minLength", default)]
    min_length: Option<u64>,
    #[serde(rename = "maxLength", default)]
    max_length: Option<u64>,
    #[serde(rename = "refTable", default)]
    ref_table: Option<String>,
    #[serde(rename = "refType", default)]
    ref_type: Option<String>,
}

fn parse_atomic(name: &str) -> Result<AtomicType, String> {
    AtomicType::parse(name).ok_or_else(|| format!("\"{name}\" is not an atomic-type"))
}

impl RawBaseType {
    /// The structural conversion; the semantic checks are [`BaseType::validate`].
    fn into_base_type(self) -> Result<BaseType, String> {
        let atomic = parse_atomic(&self.atomic)?;
        let ref_type = match (&self.ref_type, &self.ref_table) {
            (None, _) => RefType::Strong,
            (Some(_), None) => return Err(BaseTypeError::RefTypeWithoutRefTable.to_string()),
            (Some(s), Some(_)) => parse_ref_type(s)?,
        };
        let enum_ = match self.enum_ {
            None => None,
            Some(Datum::Map(_)) => {
                return Err(format!("enum must be a set of {atomic} values, not a map"))
            }
            Some(Datum::Set(set)) => Some(enum_of(atomic, set)?),
        };
        Ok(BaseType {
            atomic,
            enum_,
            min_integer: self.min_integer,
            max_integer: self.max_integer,
            min_real: self.min_real,
            max_real: self.max_real,
            min_length: self.min_length,
            max_length: self.max_length,
            ref_table: self.ref_table,
            ref_type,
        })
    }
}

/// Converts integer enum values to reals for a real base type (`[1, 2.5]` is a real enum), as
/// ovsdb-server does; values of other wrong types are left for `validate` to report.
fn enum_of(atomic: AtomicType, set: Set) -> Result<Set, String> {
    if atomic != AtomicType::Real || !set.iter().any(|a| matches!(a, Atom::Integer(_))) {
        return Ok(set);
    }
    let n = set.len();
    let converted: Set = set
        .into_vec()
        .into_iter()
        .map(|a| match a {
            // i64 -> f64 is the conversion ovsdb-server applies to integers in real columns.
            Atom::Integer(i) => Atom::Real(i as f64),
            other => other,
        })
        .collect();
    if converted.len() != n {
        return Err("enum contains duplicate values".to_owned());
    }
    Ok(converted)
}

struct BaseTypeVisitor;

impl<'de> Visitor<'de> for BaseTypeVisitor {
    type Value = BaseType;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OVSDB base type (an atomic type name or an object with \"type\")")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<BaseType, E> {
        parse_atomic(v).map(BaseType::new).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BaseType, A::Error> {
        let raw = RawBaseType::deserialize(de::value::MapAccessDeserializer::new(map))?;
        raw.into_base_type().map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Unchecked<BaseType> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BaseTypeVisitor).map(Unchecked)
    }
}

impl<'de> Deserialize<'de> for BaseType {
    /// Parses either JSON form and checks it with [`BaseType::validate`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Unchecked(base) = Unchecked::<BaseType>::deserialize(deserializer)?;
        base.validate().map_err(de::Error::custom)?;
        Ok(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<BaseType, String> {
        serde_json::from_str::<BaseType>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn short_and_long_forms() {
        for name in ["integer", "real", "boolean", "string", "uuid"] {
            let short = parse(&format!("\"{name}\"")).unwrap();
            let long = parse(&format!("{{\"type\":\"{name}\"}}")).unwrap();
            assert_eq!(short, long);
            assert!(!short.has_constraints());
            assert_eq!(serde_json::to_string(&long).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn every_constraint_parses_and_prints_back() {
        for json in [
            r#"{"type":"integer","minInteger":-5,"maxInteger":4095}"#,
            r#"{"type":"integer","minInteger":1}"#,
            r#"{"type":"real","minReal":-1.5,"maxReal":100.0}"#,
            r#"{"type":"string","minLength":1,"maxLength":63}"#,
            r#"{"type":"uuid","refTable":"Bridge"}"#,
            r#"{"type":"uuid","refTable":"Bridge","refType":"weak"}"#,
            r#"{"type":"string","enum":["set",["a","b"]]}"#,
            r#"{"type":"string","enum":"only"}"#,
            r#"{"type":"boolean","enum":true}"#,
        ] {
            let b = parse(json).unwrap();
            assert!(b.has_constraints());
            assert_eq!(serde_json::to_string(&b).unwrap(), json);
        }
    }

    #[test]
    fn strong_ref_type_is_the_default_and_is_not_printed() {
        let b = parse(r#"{"type":"uuid","refTable":"T","refType":"strong"}"#).unwrap();
        assert_eq!(b, BaseType::reference("T", RefType::Strong));
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"type":"uuid","refTable":"T"}"#
        );
        assert!(b.is_reference());
    }

    #[test]
    fn enum_forms_and_real_conversion() {
        let bare = parse(r#"{"type":"string","enum":"x"}"#).unwrap();
        let wrapped = parse(r#"{"type":"string","enum":["set",["x"]]}"#).unwrap();
        assert_eq!(bare, wrapped);
        let real = parse(r#"{"type":"real","enum":["set",[1,2.5]]}"#).unwrap();
        assert_eq!(
            real.enum_,
            Some(Set::from_atoms(vec![Atom::Real(1.0), Atom::Real(2.5)]))
        );
        // ovsdb-server refuses a set with a value twice, also when only conversion makes it so.
        assert!(parse(r#"{"type":"real","enum":["set",[1,1.0]]}"#)
            .unwrap_err()
            .contains("duplicate"));
    }

    #[test]
    fn malformed_base_types_are_refused_with_a_reason() {
        for (json, reason) in [
            (r#""strin""#, r#""strin" is not an atomic-type"#),
            (r#"{"type":"float"}"#, r#""float" is not an atomic-type"#),
            (r#"{"minInteger":1}"#, "missing field `type`"),
            (r#"5"#, "expected an OVSDB base type"),
            (
                r#"{"type":"integer","refTable":"T"}"#,
                "refTable is not allowed for type integer (it applies to uuid only)",
            ),
            (
                r#"{"type":"string","minInteger":1}"#,
                "minInteger is not allowed for type string",
            ),
            (
                r#"{"type":"integer","minReal":1}"#,
                "minReal is not allowed for type integer",
            ),
            (
                r#"{"type":"real","maxLength":1}"#,
                "maxLength is not allowed for type real",
            ),
            (
                r#"{"type":"integer","minInteger":5,"maxInteger":4}"#,
                "minInteger exceeds maxInteger",
            ),
            (
                r#"{"type":"real","minReal":5,"maxReal":4.5}"#,
                "minReal exceeds maxReal",
            ),
            (
                r#"{"type":"string","minLength":3,"maxLength":2}"#,
                "minLength exceeds maxLength",
            ),
            (
                r#"{"type":"string","maxLength":4294967296}"#,
                "maxLength out of valid range 0 to 4294967295",
            ),
            (
                r#"{"type":"integer","minInteger":1.5}"#,
                "invalid type: floating point `1.5`, expected i64",
            ),
            (
                r#"{"type":"uuid","refType":"weak"}"#,
                "refType is allowed only together with refTable",
            ),
            (
                r#"{"type":"uuid","refTable":"T","refType":"bogus"}"#,
                r#"refType must be "strong" or "weak" (not "bogus")"#,
            ),
            (
                r#"{"type":"integer","enum":["set",[1,"a"]]}"#,
                "enum value a is not of type integer (it is a string)",
            ),
            (
                r#"{"type":"uuid","enum":["named-uuid","x"]}"#,
                "enum value @x is not of type uuid (it is a named-uuid)",
            ),
            (
                r#"{"type":"integer","enum":["map",[[1,2]]]}"#,
                "enum must be a set of integer values, not a map",
            ),
            (
                r#"{"type":"integer","enum":["set",[]]}"#,
                "enum must have at least one value",
            ),
            (
                r#"{"type":"integer","enum":["set",[1,1]]}"#,
                "set contains duplicate value",
            ),
            (
                r#"{"type":"integer","enum":["set",[1,2]],"minInteger":1}"#,
                "minInteger is not allowed together with enum",
            ),
            (
                r#"{"type":"integer","reMatch":"x"}"#,
                "unknown field `reMatch`",
            ),
        ] {
            let err = parse(json).expect_err(json);
            assert!(err.contains(reason), "{json}: {err:?} lacks {reason:?}");
        }
    }

    #[test]
    fn validate_catches_what_code_can_build() {
        let nan = BaseType::new(AtomicType::Real).with_real_range(Some(f64::NAN), None);
        assert_eq!(
            nan.validate(),
            Err(BaseTypeError::NotFinite { member: "minReal" })
        );
        let weak = BaseType {
            ref_type: RefType::Weak,
            ..BaseType::new(AtomicType::Uuid)
        };
        assert_eq!(weak.validate(), Err(BaseTypeError::RefTypeWithoutRefTable));
        let ok = BaseType::new(AtomicType::String)
            .with_enum(["a", "b"])
            .validate();
        assert_eq!(ok, Ok(()));
    }
}
